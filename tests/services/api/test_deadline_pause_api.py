"""C3 over HTTP: a paused clock resumes with the time it had left, in its own unit."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from httpx import AsyncClient

from tests.fakes import FakeClock
from tests.services.support import complaint_body, new_tenant, staff_key

TZ = ZoneInfo("Asia/Shanghai")
FRIDAY = datetime(2026, 3, 6, 9, tzinfo=TZ)
MONDAY = datetime(2026, 3, 2, 9, tzinfo=TZ)


async def deadline(client: AsyncClient, headers: dict, case_id: str, deadline_id: str) -> dict:
    shown = await client.get(f"/v1/complaints/{case_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    return next(d for d in shown.json()["deadlines"] if d["deadline_id"] == deadline_id)


async def pause_and_resume(
    client: AsyncClient,
    clock: FakeClock,
    headers: dict,
    case_id: str,
    deadline_id: str,
    paused: datetime,
    resumed: datetime,
) -> None:
    clock.set(paused)
    waiting = await client.post(
        f"/v1/complaints/{case_id}/deadline-paused",
        headers=headers,
        json={"deadline_id": deadline_id, "reason": "waiting for the appraisal body"},
    )
    assert waiting.status_code == 200, waiting.text
    assert (await deadline(client, headers, case_id, deadline_id))["state"] == "paused"
    clock.set(resumed)
    back = await client.post(
        f"/v1/complaints/{case_id}/deadline-resumed",
        headers=headers,
        json={"deadline_id": deadline_id},
    )
    assert back.status_code == 200, back.text


async def test_C3_a_paused_hours_deadline_resumes_with_its_hours_left_over_http(
    client: AsyncClient, fixed_clock: FakeClock
) -> None:
    fixed_clock.set(FRIDAY)
    hospital = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, hospital, "nurse.wang", ["nurse"])
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    filed = await client.post(
        "/v1/complaints", headers=nurse, json=complaint_body(category="medical_dispute")
    )
    case_id = filed.json()["id"]
    incident = await client.post(
        f"/v1/complaints/{case_id}/incidents",
        headers=guard,
        json={"kind": "disorder", "description": "shouting in the ward"},
    )
    assert incident.status_code == 200, incident.text
    due = datetime.fromisoformat((await deadline(client, guard, case_id, "evidence-1"))["due_at"])
    assert due == FRIDAY + timedelta(hours=24)  # H11

    # waiting for the police's statement from Friday 11:00 to Monday 8:00
    paused, resumed = FRIDAY + timedelta(hours=2), FRIDAY + timedelta(hours=71)
    await pause_and_resume(client, fixed_clock, guard, case_id, "evidence-1", paused, resumed)

    running = await deadline(client, guard, case_id, "evidence-1")
    assert running["state"] == "open"
    assert datetime.fromisoformat(running["due_at"]) == due + timedelta(hours=69)
    history = (await client.get(f"/v1/complaints/{case_id}/history", headers=guard)).json()
    resumed_event = next(h for h in history if h["event"] == "DeadlineResumed")
    assert resumed_event["data"]["paused_for_seconds"] == 69 * 3600


async def test_C3_a_pause_over_a_weekend_costs_no_working_day_over_http(
    client: AsyncClient, fixed_clock: FakeClock
) -> None:
    fixed_clock.set(MONDAY)
    school = await new_tenant(client, "school@1")
    administration = await staff_key(client, school, "admin.wu", ["administration"])
    filed = await client.post(
        "/v1/complaints", headers=administration, json=complaint_body(category="problem")
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    before = await deadline(client, administration, case_id, "final_plan")
    # S3: 5 working days from Monday 2 March: Monday 9 March, end of day
    assert datetime.fromisoformat(before["due_at"]) == datetime(2026, 3, 9, 23, 59, 59, tzinfo=TZ)

    # waiting on the parent from Friday 10:00 to Monday 10:00: one working day passed
    paused = datetime(2026, 3, 6, 10, tzinfo=TZ)
    resumed = datetime(2026, 3, 9, 10, tzinfo=TZ)
    await pause_and_resume(
        client, fixed_clock, administration, case_id, "final_plan", paused, resumed
    )

    after = await deadline(client, administration, case_id, "final_plan")
    # one working day later, Tuesday; the wall-clock pause would have given Thursday
    assert datetime.fromisoformat(after["due_at"]) == datetime(2026, 3, 10, 23, 59, 59, tzinfo=TZ)
