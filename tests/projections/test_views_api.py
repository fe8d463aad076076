"""The read screens staff work from, over HTTP, fed by the projections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from httpx import AsyncClient

from tests.fakes import FakeClock
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key


@pytest.fixture
async def hospital(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client, "hospital@1")


async def file(client: AsyncClient, headers: dict[str, str], **overrides: object) -> dict:
    body = complaint_body(**{"category": "medical_dispute", **overrides})
    response = await client.post("/v1/complaints", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def test_read_your_writes_with_after_seq(client: AsyncClient, hospital) -> None:
    written = await file(client, hospital.admin, summary="Heating broken in ward 3")
    listed = await client.get(
        "/v1/complaints", headers=hospital.admin, params={"after_seq": written["seq"]}
    )
    assert listed.status_code == 200
    assert int(listed.headers["X-View-Seq"]) >= written["seq"]
    assert [i["case_id"] for i in listed.json()["items"]] == [written["id"]]


async def test_case_list_filters_and_keyset_pagination(client: AsyncClient, hospital) -> None:
    seq = 0
    for n in range(5):
        seq = (
            await file(
                client,
                hospital.admin,
                summary=f"Noise complaint {n}",
                received_at=f"2026-03-0{n + 1}T09:00:00+08:00",
            )
        )["seq"]
    other = await file(client, hospital.admin, summary="Parking fee", category="service_complaint")
    seq = other["seq"]
    base = {"after_seq": seq}
    page = (
        await client.get(
            "/v1/complaints", headers=hospital.admin, params={**base, "q": "noise", "limit": 2}
        )
    ).json()
    assert [i["summary"] for i in page["items"]] == ["Noise complaint 4", "Noise complaint 3"]
    seen = [i["summary"] for i in page["items"]]
    while page["next_cursor"]:
        page = (
            await client.get(
                "/v1/complaints",
                headers=hospital.admin,
                params={"q": "noise", "limit": 2, "cursor": page["next_cursor"]},
            )
        ).json()
        seen += [i["summary"] for i in page["items"]]
    assert seen == [f"Noise complaint {n}" for n in range(4, -1, -1)]

    service = (
        await client.get(
            "/v1/complaints", headers=hospital.admin, params={"category": "service_complaint"}
        )
    ).json()
    assert [i["case_id"] for i in service["items"]] == [other["id"]]
    window = (
        await client.get(
            "/v1/complaints",
            headers=hospital.admin,
            params={
                "received_from": "2026-03-02T00:00:00+08:00",
                "received_to": "2026-03-04T00:00:00+08:00",
            },
        )
    ).json()
    assert [i["summary"] for i in window["items"]] == ["Noise complaint 2", "Noise complaint 1"]
    bad = await client.get("/v1/complaints", headers=hospital.admin, params={"cursor": "nope"})
    assert bad.status_code == 422


async def test_H4_inbox_shows_what_waits_on_my_roles(client: AsyncClient, hospital) -> None:
    head_nurse = await staff_key(client, hospital, "hn.liu", ["head_nurse"])
    lawyer = await staff_key(client, hospital, "lawyer.ma", ["lawyer"])
    written = await file(client, hospital.admin)
    inbox = (
        await client.get("/v1/inbox", headers=head_nurse, params={"after_seq": written["seq"]})
    ).json()
    assert written["id"] in [i["case_id"] for i in inbox["items"]]
    assert inbox["roles"] == ["head_nurse"]
    assert (await client.get("/v1/inbox", headers=lawyer)).json()["items"] == []


async def test_deadlines_turn_overdue_and_lead_the_inbox(
    client: AsyncClient, hospital, clock: FakeClock
) -> None:
    security = await staff_key(client, hospital, "guard.he", ["security"])
    calm = await file(client, hospital.admin, summary="calm case")
    urgent = await file(client, hospital.admin, summary="incident case")
    incident = await client.post(
        f"/v1/complaints/{urgent['id']}/incidents",
        headers=security,
        json={"kind": "assault", "description": "a relative hit a nurse", "police_called": True},
    )
    assert incident.status_code == 200, incident.text
    seq = incident.json()["seq"]
    open_now = (
        await client.get(
            "/v1/deadlines", headers=security, params={"state": "open", "after_seq": seq}
        )
    ).json()["items"]
    assert urgent["id"] in [d["case_id"] for d in open_now]
    inbox = (await client.get("/v1/inbox", headers=security)).json()["items"]
    assert inbox[0]["case_id"] == urgent["id"] and inbox[0]["due_at"] is not None
    try:
        clock.advance(timedelta(days=2))
        overdue = (
            await client.get("/v1/deadlines", headers=security, params={"state": "overdue"})
        ).json()["items"]
        assert urgent["id"] in [d["case_id"] for d in overdue]
        late = (
            await client.get("/v1/complaints", headers=security, params={"overdue": "true"})
        ).json()["items"]
        assert [i["case_id"] for i in late] == [urgent["id"]]
        assert calm["id"] not in [i["case_id"] for i in late]
    finally:
        clock.reset()


@pytest.mark.parametrize(
    ("lang", "text"), [("en", "received the complaint"), ("zh-CN", "受理投诉")]
)
async def test_timeline_speaks_the_tenants_language(
    client: AsyncClient, hospital, lang: str, text: str
) -> None:
    written = await file(client, hospital.admin)
    case = (
        await client.get(
            f"/v1/complaints/{written['id']}",
            headers=hospital.admin,
            params={"after_seq": written["seq"], "lang": lang},
        )
    ).json()
    assert text in case["timeline"][0]["text"]
    assert case["timeline"][0]["actor"] == "admin"
    assert [s["version"] for s in case["timeline"]] == list(range(1, written["version"] + 1))


async def test_dashboard_counts_and_sla(client: AsyncClient, hospital) -> None:
    head = await staff_key(client, hospital, "dr.song", ["department_head"])
    first = await file(client, head)
    await file(client, head, category="service_complaint")
    ack = await client.post(f"/v1/complaints/{first['id']}/acknowledge", headers=head, json={})
    stats = (
        await client.get("/v1/stats", headers=head, params={"after_seq": ack.json()["seq"]})
    ).json()
    assert sum(row["cases"] for row in stats["per_day"]) == 2
    assert {row["category"] for row in stats["per_week"]} == {
        "medical_dispute",
        "service_complaint",
    }
    assert stats["first_response"]["cases"] == 1
    assert stats["first_response"]["p50_seconds"] >= 0


async def test_projection_lag_is_exported(client: AsyncClient, hospital) -> None:
    written = await file(client, hospital.admin)
    await client.get("/v1/complaints", headers=hospital.admin, params={"after_seq": written["seq"]})
    metrics = (await client.get("/metrics")).text
    assert (
        f'complaints_projection_lag_events{{view="case_list",tenant="{hospital.tenant_id}"}} 0'
        in metrics
    )
    ready = (await client.get("/ready")).json()
    assert set(ready["projection_lag"]) >= {"case_list", "deadlines", "timeline", "stats"}
