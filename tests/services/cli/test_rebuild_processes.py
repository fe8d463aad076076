"""``complaints projections rebuild --processes P``: the tenants shared among child
processes give exactly the live runner's rows, each tenant rebuilt once; a failing tenant
fails the command; ``--processes 1`` is the rebuild of one process."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from uuid import UUID, uuid4

import asyncpg
import pytest
from eventsourcing.persistence import StoredEvent

from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from services.workers import in_process_workers
from tests.conftest import fresh_database
from tests.fakes import FakeClock
from tests.projections.support import caught_up, fingerprint, hospital_with_cases
from tests.services.cli.cli_support import cli_env, closed_nats_url, complaints


@pytest.fixture
async def own_database(engine_urls: EngineUrls) -> AsyncIterator[str]:
    """A database of the test's own: a rebuild of every tenant must not meet the tenants
    other tests leave behind, some of which hold events no code can read (on purpose, as
    the last test below does)."""
    async with fresh_database(engine_urls.database_url, "complaints_rebuild") as url:
        yield url


@pytest.fixture
async def runtime(
    settings: Settings, own_database: str, engine_urls: EngineUrls
) -> AsyncIterator[Runtime]:
    opened = await Runtime(settings, own_database, engine_urls.nats_url, clock=FakeClock()).open()
    async with in_process_workers(opened):
        yield opened
    await opened.close()


@pytest.fixture
async def owner(own_database: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(own_database)
    yield conn
    await conn.close()


@pytest.fixture
def env(own_database: str, settings: Settings) -> dict[str, str]:
    # the session's data dir: the children open the sealed fields with its tenant keys
    return cli_env(settings.data_dir, DATABASE_URL=own_database, NATS_URL=closed_nats_url())


def rebuilt(stdout: str) -> dict[UUID, int]:
    """Each tenant the command reported, with its events; a tenant twice fails the test."""
    seen: dict[UUID, int] = {}
    for line in stdout.splitlines():
        tenant, _, rest = line.partition(": ")
        assert UUID(tenant) not in seen, f"{tenant} rebuilt twice"
        seen[UUID(tenant)] = int(rest.split()[0])
    return seen


async def live_tenants(runtime: Runtime, owner: asyncpg.Connection, count: int) -> dict:
    tenants = [await hospital_with_cases(runtime, 8) for _ in range(count)]
    live = {}
    for tenant_id in tenants:
        await caught_up(runtime, tenant_id)
        live[tenant_id] = await fingerprint(owner, tenant_id)
    return live


@pytest.mark.parametrize("processes", ["2", "1"])
async def test_a_rebuild_in_processes_gives_every_tenant_its_live_rows_once(
    runtime: Runtime, owner: asyncpg.Connection, env: dict[str, str], processes: str
) -> None:
    live = await live_tenants(runtime, owner, 4)
    argv = ["projections", "rebuild", "--jobs", "2", "--processes", processes]
    done = await asyncio.to_thread(complaints, *argv, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    heard = rebuilt(done.stdout)
    assert set(heard) == set(await runtime.projections.tenants())  # every tenant, once
    for tenant_id, rows in live.items():
        assert heard[tenant_id] == (await runtime.ledger.head(tenant_id))[0]
        assert await fingerprint(owner, tenant_id) == rows


async def test_a_failing_tenant_fails_a_rebuild_in_processes(
    runtime: Runtime, owner: asyncpg.Connection, env: dict[str, str]
) -> None:
    live = await live_tenants(runtime, owner, 2)
    bad = next(iter(live))
    await runtime.ledger.append(bad, [StoredEvent(uuid4(), 1, "nowhere:Gone.Missing", b"{")])
    argv = ["projections", "rebuild", "--processes", "2"]
    done = await asyncio.to_thread(complaints, *argv, env=env, timeout=120)
    assert done.returncode != 0
    assert "TopicError" in done.stderr
    assert bad not in rebuilt(done.stdout)
    assert await fingerprint(owner, bad) == live[bad]  # its rebuild rolled back
