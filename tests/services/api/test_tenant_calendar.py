"""A tenant's country and time zone are ones its deadlines can be counted in, and only the
platform administrator moves them."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import pytest
from httpx import AsyncClient

from domain.tenant import tenant_id_for
from tests.services.support import PLATFORM, complaint_body, new_tenant


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
