"""The auditor role: keys a tenant grants and revokes, that read everything of the tenant,
change nothing, and leave a record in the ledger of every read."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from httpx import AsyncClient
from litestar.routes import HTTPRoute

from services.api.app import create_app
from services.audit.trail import ReadLog
from services.runtime import Runtime
from tests.services.audit_support import READ_TOPIC, audited_tenant, head_seq
from tests.services.support import bearer

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE = {UUID: lambda: str(uuid4()), str: lambda: "k1", int: lambda: "1"}


def write_routes(runtime: Runtime) -> list[tuple[str, str]]:
    """Every (method, path) of the app that may change something, path parameters filled."""
    found = []
    for route in create_app(runtime).routes:
        if not isinstance(route, HTTPRoute):
            continue
        values = {name: SAMPLE[p.type]() for name, p in route.path_parameters.items()}
        found += [(m, route.path_format.format(**values)) for m in route.methods & WRITES]
    return sorted(found)


async def reads_recorded(owner: asyncpg.Connection, tenant_id: str) -> list[dict[str, Any]]:
    rows = await owner.fetch(
        "SELECT state FROM events WHERE tenant_id = $1 AND topic = $2 ORDER BY seq",
        UUID(tenant_id),
        READ_TOPIC,
    )
    return [json.loads(r["state"]) for r in rows]


async def test_an_auditor_key_gets_403_on_every_write_route(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, auditor = await audited_tenant(client, filings=1)
    before = await head_seq(owner, tenant.tenant_id)
    listed = await client.get(
        "/v1/complaints", headers=tenant.admin, params={"after_seq": before}
    )  # read-your-writes: the list may be a few milliseconds behind the filing
    case_id = listed.json()["items"][0]
    # Signing in and out opens and ends a browser session for a key and writes nothing of
    # the tenant's: every key may (docs/api.md, "Browser sessions and CORS").
    sessions = {("POST", "/v1/session"), ("DELETE", "/v1/session")}
    # The complainant's routes take no key at all (services/api/public): a key sent to them
    # is not read, so an auditor's opens nothing there that anyone else could not.
    routes = [
        r for r in write_routes(runtime) if r not in sessions and not r[1].startswith("/public/")
    ]
    assert len(routes) > 25  # the tenants' and the cases' routes at least
    for method, path in routes:
        path = re.sub(r"/v1/complaints/[0-9a-f-]{36}", f"/v1/complaints/{case_id['case_id']}", path)
        response = await client.request(method, path, headers=auditor, json={})
        assert response.status_code == 403, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await head_seq(owner, tenant.tenant_id) == before  # nothing written, not even a read


async def test_an_auditor_reads_everything_of_its_tenant(client: AsyncClient) -> None:
    tenant, auditor = await audited_tenant(client, filings=1)
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=_body())
    case = filed.json()["id"]
    for path in (
        "/v1/tenant",
        f"/v1/complaints/{case}",
        f"/v1/complaints/{case}/history",
        f"/v1/complaints/{case}/replay",
        "/v1/audit/verify",
        "/v1/audit/checkpoints",
        "/v1/audit/ledger",
    ):
        assert (await client.get(path, headers=auditor)).status_code == 200, path


async def test_every_auditor_read_is_recorded_with_who_looked_at_what(
    owner: asyncpg.Connection, client: AsyncClient
) -> None:
    tenant, auditor = await audited_tenant(client, filings=0)
    case = (await client.post("/v1/complaints", headers=tenant.admin, json=_body())).json()["id"]
    await client.get(f"/v1/complaints/{case}", headers=tenant.admin)  # staff reads: not audited
    assert await reads_recorded(owner, tenant.tenant_id) == []

    await client.get(f"/v1/complaints/{case}", headers=auditor, params={"lang": "en"})
    await client.get("/v1/audit/verify", headers=auditor)

    reads = await reads_recorded(owner, tenant.tenant_id)
    assert [r["what"] for r in reads] == [
        f"GET /v1/complaints/{case}?lang=en",
        "GET /v1/audit/verify",
    ]
    assert {r["by"] for r in reads} == {"auditor.zhao"}
    assert all(r["key_id"] for r in reads)


async def test_concurrent_auditor_reads_are_all_recorded_and_all_answered(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, auditor = await audited_tenant(client, filings=1)
    answers = await asyncio.gather(*(client.get("/v1/tenant", headers=auditor) for _ in range(20)))
    assert [a.status_code for a in answers] == [200] * 20
    assert len(await reads_recorded(owner, tenant.tenant_id)) == 20
    assert (await runtime.ledger.verify(UUID(tenant.tenant_id))).ok


async def test_reads_recorded_by_two_processes_at_once_are_all_kept(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client, filings=0)
    tenant_id = UUID(tenant.tenant_id)
    # two API processes: each its own cache of the trail, racing for the same versions
    first, second = ReadLog(runtime.repository), ReadLog(runtime.repository)
    seqs = await asyncio.gather(
        *(
            log.record(
                tenant_id, by="auditor.zhao", key_id="k", what=f"GET /{n}", at=runtime.clock.now()
            )
            for n in range(10)
            for log in (first, second)
        )
    )
    assert len(set(seqs)) == 20
    assert len(await reads_recorded(owner, tenant.tenant_id)) == 20


async def test_a_revoked_auditor_key_reads_nothing(client: AsyncClient) -> None:
    tenant, _ = await audited_tenant(client, filings=0)
    await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "auditor.qian", "name": "Qian", "roles": ["auditor"]},
    )
    issued = (
        await client.post("/v1/keys", headers=tenant.admin, json={"person_id": "auditor.qian"})
    ).json()
    assert (await client.get("/v1/tenant", headers=bearer(issued["key"]))).status_code == 200
    revoked = await client.delete(f"/v1/keys/{issued['key_id']}", headers=tenant.admin)
    assert revoked.status_code == 200
    assert (await client.get("/v1/tenant", headers=bearer(issued["key"]))).status_code == 401


async def test_only_auditors_read_the_raw_ledger(client: AsyncClient) -> None:
    tenant, _ = await audited_tenant(client, filings=0)
    for path in ("/v1/audit/ledger", "/v1/audit/verify", "/v1/audit/checkpoints"):
        response = await client.get(path, headers=tenant.admin)
        assert response.status_code == 403, path


async def test_an_auditor_of_one_tenant_sees_nothing_of_another(client: AsyncClient) -> None:
    other, _ = await audited_tenant(client, filings=0)
    case = (await client.post("/v1/complaints", headers=other.admin, json=_body())).json()["id"]
    _, auditor = await audited_tenant(client, filings=0)
    assert (await client.get(f"/v1/complaints/{case}", headers=auditor)).status_code == 404


def _body() -> dict[str, Any]:
    return {
        "summary": "Waited four hours",
        "channel": "visit",
        "complainant": {"name": "Li Wei"},
        "category": "service_complaint",
    }
