"""Helpers for the audit tests: auditor keys, exports to files, and superuser tampering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
from httpx import AsyncClient

from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

NDJSON = "application/x-ndjson"
READ_TOPIC = "domain.audit:AuditTrail.ReadRecorded"


async def audited_tenant(
    client: AsyncClient, filings: int = 3, policy: str = "hospital@1"
) -> tuple[TenantKeys, dict[str, str]]:
    """A tenant with a few complaints filed, and an auditor's key to it."""
    tenant = await new_tenant(client, policy)
    for n in range(filings):
        response = await client.post(
            "/v1/complaints",
            headers=tenant.admin,
            json=complaint_body(summary=f"暖气坏了 #{n}", category="service_complaint"),
        )
        assert response.status_code == 201, response.text
    return tenant, await staff_key(client, tenant, "auditor.zhao", ["auditor"])


async def export_to(
    client: AsyncClient, auditor: dict[str, str], path: Path, **params: Any
) -> Path:
    response = await client.get("/v1/audit/ledger", headers=auditor, params=params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(NDJSON)
    path.write_bytes(response.content)
    return path


@asynccontextmanager
async def tampering(owner: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """What only a superuser can do: switch the append-only trigger off, and back on."""
    await owner.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    try:
        yield owner
    finally:
        await owner.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")


async def head_seq(owner: asyncpg.Connection, tenant_id: str | UUID) -> int:
    return await owner.fetchval(
        "SELECT seq FROM ledger_heads WHERE tenant_id = $1", UUID(str(tenant_id))
    )
