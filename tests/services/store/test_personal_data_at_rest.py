"""Personal data at rest: the ledger in PostgreSQL holds it sealed; the tenant reads it."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg
from httpx import AsyncClient

from services.runtime import Runtime
from tests.conftest import PLATFORM_KEY
from tests.services.support import TenantKeys, complaint_body, new_tenant

PLATFORM = {"Authorization": f"Bearer {PLATFORM_KEY}"}
NAME, PHONE = "张秀英", "13912345678"
DETAILS = "张秀英 says her father waited four hours in corridor B."


async def file_case(client: AsyncClient, tenant: TenantKeys, **overrides: Any) -> str:
    body = complaint_body(
        complainant={"name": NAME, "contact": PHONE}, details=DETAILS, **overrides
    )
    response = await client.post("/v1/complaints", headers=tenant.admin, json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def raw_states(owner: asyncpg.Connection, tenant_id: str) -> list[bytes]:
    rows = await owner.fetch("SELECT state FROM events WHERE tenant_id = $1", UUID(tenant_id))
    return [r["state"] for r in rows]


async def test_a_ledger_row_read_from_postgresql_shows_no_name_or_phone_in_clear(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    case_id = await file_case(client, tenant)
    note = {"text": f"called {NAME} back on {PHONE}"}
    answer = await client.post(f"/v1/complaints/{case_id}/notes", headers=tenant.admin, json=note)
    assert answer.status_code == 200, answer.text

    states = await raw_states(owner, tenant.tenant_id)
    everything = b"\n".join(states)
    for secret in (NAME, PHONE, "corridor B"):
        assert secret.encode() not in everything
        assert json.dumps(secret)[1:-1].encode() not in everything  # nor JSON-escaped
    assert b'"_enc_"' in everything

    shown = (await client.get(f"/v1/complaints/{case_id}", headers=tenant.admin)).json()
    assert shown["complainant"] == {"name": NAME, "contact": PHONE}
    assert shown["details"] == DETAILS
    history = (await client.get(f"/v1/complaints/{case_id}/history", headers=tenant.admin)).json()
    assert [h["data"]["text"] for h in history if h["event"] == "NoteAdded"] == [note["text"]]


async def test_after_rotation_cases_sealed_with_either_key_read(
    client: AsyncClient, owner: asyncpg.Connection, runtime: Runtime
) -> None:
    tenant = await new_tenant(client, "school@1")
    before = await file_case(client, tenant)
    rotated = await client.post(f"/v1/tenants/{tenant.tenant_id}/data-key/rotate", headers=PLATFORM)
    assert rotated.status_code == 200, rotated.text
    assert rotated.json() == {"tenant_id": tenant.tenant_id, "key_version": 2}
    after = await file_case(client, tenant)

    for case_id in (before, after):
        shown = (await client.get(f"/v1/complaints/{case_id}", headers=tenant.admin)).json()
        assert shown["complainant"]["name"] == NAME
    versions = {
        r["k"]
        for r in await owner.fetch(
            "SELECT convert_from(state, 'UTF8')::jsonb #>> '{complainant,_enc_,k}' AS k"
            " FROM events WHERE tenant_id = $1 AND topic LIKE '%Complaint.Filed'",
            UUID(tenant.tenant_id),
        )
    }
    assert versions == {"1", "2"}
    assert runtime.keys.current(UUID(tenant.tenant_id))[0] == 2


async def test_only_the_platform_administrator_rotates_a_tenants_key(client: AsyncClient) -> None:
    tenant = await new_tenant(client)
    path = f"/v1/tenants/{tenant.tenant_id}/data-key/rotate"
    assert (await client.post(path, headers=tenant.admin)).status_code == 403
    unknown = "/v1/tenants/00000000-0000-0000-0000-000000000000/data-key/rotate"
    assert (await client.post(unknown, headers=PLATFORM)).status_code == 404
