"""An API process without workers holds only the API's database role: every route it serves
works one tenant at a time under row-level security (migration 041)."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from services.api.app import create_app
from services.runtime import Runtime
from services.settings import Settings
from tests.services.support import PLATFORM, TenantKeys, bearer, complaint_body, staff_key


@pytest.fixture
async def api_only(
    settings: Settings, database_url: str, runtime: Runtime
) -> AsyncIterator[httpx.AsyncClient]:
    alone = dataclasses.replace(settings, workers_in_process=False)
    opened = await Runtime(alone, database_url, runtime.nats_url, runs_workers=False).open()
    assert opened.worker_pool is None
    transport = httpx.ASGITransport(app=create_app(opened))
    async with httpx.AsyncClient(transport=transport, base_url="http://api", timeout=30) as api:
        yield api
    await opened.close()


async def test_an_api_process_with_the_api_role_alone_serves_a_tenant_end_to_end(
    api_only: httpx.AsyncClient,
) -> None:
    slug = f"rls-{uuid.uuid4().hex[:10]}"
    tenant_body = {
        "slug": slug,
        "name": "Alone",
        "policy": "hospital@1",
        "admin": {"person_id": "admin", "name": "Admin"},
    }
    once = {**PLATFORM, "Idempotency-Key": f"tenant-{slug}"}
    created = await api_only.post("/v1/tenants", headers=once, json=tenant_body)
    assert created.status_code == 201, created.text
    again = await api_only.post("/v1/tenants", headers=once, json=tenant_body)
    assert again.status_code == 201
    assert again.json()["tenant_id"] == created.json()["tenant_id"]
    admin = bearer(created.json()["key"])

    filing = {**admin, "Idempotency-Key": "intake-1"}
    filed = await api_only.post("/v1/complaints", headers=filing, json=complaint_body())
    assert filed.status_code == 201, filed.text
    retried = await api_only.post("/v1/complaints", headers=filing, json=complaint_body())
    assert retried.json()["id"] == filed.json()["id"]
    case_id = filed.json()["id"]

    assert (await api_only.get(f"/v1/complaints/{case_id}", headers=admin)).status_code == 200
    history = await api_only.get(f"/v1/complaints/{case_id}/history", headers=admin)
    assert history.status_code == 200 and history.json()

    tenant = TenantKeys(created.json()["tenant_id"], slug, created.json()["key"])
    auditor = await staff_key(api_only, tenant, "auditor-1", ["auditor"])
    verified = await api_only.get("/v1/audit/verify", headers=auditor)
    assert verified.status_code == 200 and verified.json()["ok"] is True
    exported = await api_only.get("/v1/audit/ledger", headers=auditor)
    assert exported.status_code == 200 and len(exported.text.splitlines()) >= 2
    signed = await api_only.get("/v1/audit/checkpoints", headers=auditor)
    assert signed.status_code == 200

    metrics = await api_only.get("/metrics")
    assert metrics.status_code == 200
    assert f'tenant="{created.json()["tenant_id"]}"' in metrics.text  # its lag, across tenants
    assert (await api_only.get("/ready")).status_code in (200, 503)
