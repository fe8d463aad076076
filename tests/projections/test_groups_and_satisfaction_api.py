"""Group complaints (B12) resolved by one decision, and satisfaction scores on the dashboard
(S10), over HTTP and the read views."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from httpx import AsyncClient

from tests.services.support import complaint_body, new_tenant, staff_key

GROUP = "2024-09 dividend protest"
FACILITIES = "campus/service/facilities/complaint"
# S10 ⑤ 实施解决: the solution carried out, after the customer's feedback
SOLUTION = {"authority": "department_head", "target": "solution", "opinion": "heater replaced"}


async def post(client: AsyncClient, path: str, headers: dict, body: dict) -> dict:
    response = await client.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


async def events(owner: asyncpg.Connection, tenant_id: str) -> int:
    return await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", UUID(tenant_id))


async def test_B12_one_decision_resolves_and_closes_the_group(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    bank = await new_tenant(client, "bank@1")
    head = await staff_key(client, bank, "head.wang", ["branch_head"])
    cases = [
        (await post(client, "/v1/complaints", head, complaint_body(summary=f"dividend cut #{n}")))[
            "id"
        ]
        for n in range(3)
    ]
    elsewhere = (await post(client, "/v1/complaints", head, complaint_body()))["id"]
    for case in cases[:2]:
        await post(client, f"/v1/complaints/{case}/assign", head, {"person": "h.liu", "slot": "A"})
        await post(client, f"/v1/complaints/{case}/assign", head, {"person": "h.ma", "slot": "B"})
    for case in cases:
        linked = await post(client, f"/v1/complaints/{case}/group", head, {"group": GROUP})
    await post(client, f"/v1/complaints/{elsewhere}/group", head, {"group": "another"})
    resolve = f"/v1/groups/{GROUP}/resolve"
    after = {"after_seq": linked["seq"]}

    listed = await client.get("/v1/complaints", headers=head, params={"group": GROUP, **after})
    assert sorted(i["case_id"] for i in listed.json()["items"]) == sorted(cases)
    assert {i["group_id"] for i in listed.json()["items"]} == {GROUP}

    # the third case has no A/B handlers: B7 refuses it, and so the whole group
    before = await events(owner, bank.tenant_id)
    body = {"outcome": "dividend restored by the board", "close": True}
    refused = await client.post(resolve, headers=head, json=body, params=after)
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "B7"
    assert await events(owner, bank.tenant_id) == before

    await post(client, f"/v1/complaints/{cases[2]}/assign", head, {"person": "h.liu", "slot": "A"})
    last = await post(
        client, f"/v1/complaints/{cases[2]}/assign", head, {"person": "h.ma", "slot": "B"}
    )
    done = await client.post(resolve, headers=head, json=body, params={"after_seq": last["seq"]})
    assert done.status_code == 200, done.text
    answer = done.json()
    assert answer["group"] == GROUP
    assert sorted(c["id"] for c in answer["cases"]) == sorted(cases)
    assert answer["seq"] == max(c["seq"] for c in answer["cases"]) == before + 2 + 6
    for case in cases:
        shown = (await client.get(f"/v1/complaints/{case}", headers=head)).json()
        assert shown["status"] == "closed"
    assert (await client.get(f"/v1/complaints/{elsewhere}", headers=head)).json()[
        "status"
    ] == "open"

    again = await client.post(resolve, headers=head, json=body, params={"after_seq": answer["seq"]})
    assert again.status_code == 404


async def test_S10_satisfaction_scores_reach_the_dashboard_per_stage(client: AsyncClient) -> None:
    school = await new_tenant(client, "school@1")
    reception = await staff_key(client, school, "reception.liu", ["campus_reception"])
    head = await staff_key(client, school, "head.zhang", ["department_head"])
    supervisor = await staff_key(client, school, "supervisor.chen", ["campus_supervisor"])
    for follow_up, closure in ((4, 5), (2, None)):
        body = complaint_body(category=FACILITIES, site="Nanming campus")
        case = f"/v1/complaints/{(await post(client, '/v1/complaints', reception, body))['id']}"
        # S10 ③: reception passes the receipt form on with the handling period it chose
        passed_on = {"person": "head.zhang", "slot": "department", "handling_days": 3}
        await post(client, f"{case}/assign", reception, passed_on)
        await post(client, f"{case}/evidence", head, {"description": "photo of the heater"})
        await post(client, f"{case}/resolve", head, {"outcome": "heater replaced"})  # ④
        await post(client, f"{case}/outcomes", head, SOLUTION)  # ⑤
        # ⑥ and a score at ⑦: reception's alone (S10); the supervisor's is refused
        visit = {"score": follow_up, "stage": "follow-up"}
        refused = await client.post(f"{case}/satisfaction", headers=supervisor, json=visit)
        assert refused.status_code == 403, refused.text
        assert refused.json()["rule"] == "S10"
        last = await post(client, f"{case}/satisfaction", reception, visit)
        if closure is not None:
            last = await post(
                client, f"{case}/close", reception, {"reason": "done", "satisfaction": closure}
            )

    stats = await client.get("/v1/stats", headers=supervisor, params={"after_seq": last["seq"]})
    assert stats.status_code == 200, stats.text
    assert stats.json()["satisfaction"] == [
        {"stage": "closure", "responses": 1, "average": 5.0},
        {"stage": "follow-up", "responses": 2, "average": 3.0},
    ]
