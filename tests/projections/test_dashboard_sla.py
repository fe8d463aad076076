"""The dashboard's SLA per deadline kind counts cancelled deadlines beside met and missed ones,
and in neither (C3, C4), over HTTP and the read views."""

from __future__ import annotations

from httpx import AsyncClient

from tests.services.support import complaint_body, new_tenant, staff_key


async def post(client: AsyncClient, path: str, headers: dict, body: dict) -> dict:
    response = await client.post(path, headers=headers, json=body)
    assert response.status_code in (200, 201), (path, response.text)
    return response.json()


async def test_C4_a_suggestion_accepted_before_forwarding_shows_its_forward_cancelled(
    client: AsyncClient,
) -> None:
    school = await new_tenant(client, "school@1")
    administration = await staff_key(client, school, "admin.wu", ["administration"])
    suggestion = complaint_body(category="suggestion", summary="a reading corner")
    accepted = (await post(client, "/v1/complaints", administration, suggestion))["id"]
    forwarded = (await post(client, "/v1/complaints", administration, suggestion))["id"]
    # S2: one suggestion is forwarded in time, which meets its `forward` step
    department = {"person": "head.zhang", "slot": "department"}
    await post(client, f"/v1/complaints/{forwarded}/assign", administration, department)
    # C4: the other's complainant accepts before it was forwarded; it was not, so not met
    thanks = {"accepted": True, "text": "thank you, that is all"}
    last = await post(
        client, f"/v1/complaints/{accepted}/complainant-response", administration, thanks
    )

    stats = await client.get("/v1/stats", headers=administration, params={"after_seq": last["seq"]})
    assert stats.status_code == 200, stats.text
    sla = {row["kind"]: row for row in stats.json()["sla"]}
    forward = sla["forward"]
    counts = {state: forward[state] for state in ("met", "missed", "cancelled", "running")}
    assert counts == {"met": 1, "missed": 0, "cancelled": 1, "running": 0}
    assert float(forward["compliance"]) == 1.0  # the cancelled one is not a miss
    # the forwarded suggestion's report runs; no other kind has anything cancelled
    assert sla["department_report"]["running"] == 1
    assert {row["cancelled"] for kind, row in sla.items() if kind != "forward"} == {0}
