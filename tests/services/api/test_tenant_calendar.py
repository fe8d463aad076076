"""A tenant's country, time zone and working hours are ones its deadlines can be counted in,
and only the platform administrator moves them."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import asyncpg
import pytest
from httpx import AsyncClient

from domain.tenant import tenant_id_for
from tests.fakes import FakeClock
from tests.services.support import PLATFORM, complaint_body, new_tenant, staff_key


def tenant_body(**overrides: str) -> dict:
    return {
        "slug": f"t-{uuid4().hex[:10]}",
        "name": "Clinic",
        "policy": "hospital@1",
        "admin": {"person_id": "admin", "name": "Admin"},
        **overrides,
    }


@pytest.mark.parametrize(("field", "value"), [("country", "XX"), ("timezone", "Mars/Olympus_Mons")])
async def test_a_tenant_with_a_calendar_nobody_can_count_in_is_refused(
    client: AsyncClient, owner: asyncpg.Connection, field: str, value: str
) -> None:
    body = tenant_body(**{field: value})
    answer = await client.post("/v1/tenants", headers=PLATFORM, json=body)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == field
    tenant_id = tenant_id_for(body["slug"])
    assert not await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", tenant_id)


async def test_the_platform_administrator_moves_a_tenants_calendar_and_new_cases_count_in_it(
    client: AsyncClient,
) -> None:
    school = await new_tenant(client)
    path = f"/v1/tenants/{school.tenant_id}/calendar"
    moved = await client.put(
        path, headers=PLATFORM, json={"country": "DE", "timezone": "Europe/Berlin"}
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["timezone"] == "Europe/Berlin"
    shown = (await client.get("/v1/tenant", headers=school.admin)).json()
    assert (shown["country"], shown["timezone"]) == ("DE", "Europe/Berlin")
    filed = await client.post("/v1/complaints", headers=school.admin, json=complaint_body())
    assert filed.status_code == 201


async def test_moving_a_calendar_is_the_platforms_and_a_bad_one_changes_nothing(
    client: AsyncClient,
) -> None:
    school = await new_tenant(client)
    path = f"/v1/tenants/{school.tenant_id}/calendar"
    body = {"country": "DE", "timezone": "Europe/Berlin"}
    assert (await client.put(path, headers=school.admin, json=body)).status_code == 403
    bad = await client.put(path, headers=PLATFORM, json={**body, "timezone": "Europe/Atlantis"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "timezone"
    shown = (await client.get("/v1/tenant", headers=school.admin)).json()
    assert (shown["country"], shown["timezone"]) == ("CN", "Asia/Shanghai")
    missing = await client.put(f"/v1/tenants/{uuid4()}/calendar", headers=PLATFORM, json=body)
    assert missing.status_code == 404


# --- the working hours of a working day (the warnings of working-day deadlines count them) ---

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, tzinfo=TZ)
BANK_HOURS = {"opens": "08:00", "closes": "17:30"}


async def test_C3_a_tenants_working_hours_place_the_warnings_of_its_working_day_deadlines(
    client: AsyncClient, fixed_clock: FakeClock
) -> None:
    fixed_clock.set(MONDAY)
    school = await new_tenant(client)
    path = f"/v1/tenants/{school.tenant_id}/calendar"
    shown = (await client.get("/v1/tenant", headers=school.admin)).json()
    assert shown["working_hours"] == {"opens": "09:00", "closes": "17:00"}

    body = {"country": "CN", "timezone": "Asia/Shanghai", "working_hours": BANK_HOURS}
    moved = await client.put(path, headers=PLATFORM, json=body)

    assert moved.status_code == 200, moved.text
    assert moved.json()["working_hours"] == BANK_HOURS
    shown = (await client.get("/v1/tenant", headers=school.admin)).json()
    assert shown["working_hours"] == BANK_HOURS
    administration = await staff_key(client, school, "admin.wu", ["administration"])
    filed = await client.post(
        "/v1/complaints", headers=administration, json=complaint_body(category="problem")
    )
    assert filed.status_code == 201, filed.text
    case = filed.json()["id"]
    history = (await client.get(f"/v1/complaints/{case}/history", headers=administration)).json()
    (plan,) = [
        h["data"]
        for h in history
        if h["event"] == "DeadlineStarted" and h["data"]["deadline_id"] == "final_plan"
    ]
    # S3: 5 working days from Monday 2 March, due at the end of Monday 9 March. Working time
    # 08:00 to 17:30: 8.5 hours that Monday, 9.5 on each day after; half of the 56 falls on
    # Thursday at 08:30 (09:00 to 17:00 would put it at Wednesday 17:00), the last hour at
    # 16:30 on the last day (not 16:00)
    at = {r["name"]: datetime.fromisoformat(r["at"]) for r in plan["reminders"]}
    assert at == {
        "half-time": datetime(2026, 3, 5, 8, 30, tzinfo=TZ),
        "last-hour": datetime(2026, 3, 9, 16, 30, tzinfo=TZ),
    }

    # a calendar sent without hours goes back to 09:00 to 17:00
    again = await client.put(path, headers=PLATFORM, json={"country": "CN", "timezone": TZ.key})
    assert again.status_code == 200, again.text
    assert again.json()["working_hours"] == {"opens": "09:00", "closes": "17:00"}


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        ({"opens": "8:00", "closes": "17:00"}, "working_hours.opens"),
        ({"opens": "08:00:30", "closes": "17:00"}, "working_hours.opens"),
        ({"opens": "08:00", "closes": "24:00"}, "working_hours.closes"),
        ({"opens": "17:30", "closes": "08:00"}, "working_hours.closes"),
        ({"opens": "08:00", "closes": "08:45"}, "working_hours.closes"),
        ({"opens": 8, "closes": "17:00"}, "working_hours.opens"),
        ({"opens": "08:00"}, "working_hours"),
    ],
)
async def test_C3_bad_working_hours_are_a_422_naming_the_field_and_change_nothing(
    client: AsyncClient, hours: dict, field: str
) -> None:
    school = await new_tenant(client)
    before = (await client.get("/v1/tenant", headers=school.admin)).json()
    body = {"country": "DE", "timezone": "Europe/Berlin", "working_hours": hours}

    bad = await client.put(f"/v1/tenants/{school.tenant_id}/calendar", headers=PLATFORM, json=body)

    assert bad.status_code == 422, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    (error,) = bad.json()["errors"]
    assert error["field"] == field and error["reason"]
    after = (await client.get("/v1/tenant", headers=school.admin)).json()
    assert after == before
    assert after["country"] == "CN" and after["working_hours"]["opens"] == "09:00"


async def test_the_openapi_document_describes_the_working_hours(client: AsyncClient) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]

    assert set(schemas["WorkingHoursIn"]["required"]) == {"opens", "closes"}
    assert "working_hours" in schemas["CalendarIn"]["properties"]
    assert "working_hours" in schemas["TenantOut"]["required"]
    assert "working_hours" in schemas["CalendarOut"]["required"]
