"""Each event counts exactly once: rebuilds, crashes mid-batch and concurrent runners."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import asyncpg
import pytest
from eventsourcing.persistence import StoredEvent
from httpx import AsyncClient

from domain import commands as c
from projections.runner import VIEWS, ProjectionRunner
from services.handlers.cases import Cases
from services.runtime import Runtime, role_url
from services.settings import WORKER_ROLE
from services.store.codec import envelope_decoder
from tests.projections.support import CLERK, caught_up, fingerprint, hospital_with_cases


@asynccontextmanager
async def own_runners(
    runtime: Runtime, database_url: str, count: int = 1, batch_size: int = 1000
) -> AsyncIterator[list[ProjectionRunner]]:
    """Runners of our own, each on a pool of its own, beside the service's."""
    url = role_url(database_url, None, WORKER_ROLE)
    pools = [await asyncpg.create_pool(url, min_size=1, max_size=2) for _ in range(count)]
    decode = envelope_decoder(runtime.repository.mapper)
    try:
        yield [ProjectionRunner(pool, decode, batch_size=batch_size) for pool in pools]
    finally:
        for pool in pools:
            await pool.close()


async def test_a_rebuild_from_zero_gives_exactly_the_live_rows(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant_id = await hospital_with_cases(runtime, 40)
    await caught_up(runtime, tenant_id)
    live = await fingerprint(owner, tenant_id)
    assert (
        await owner.fetchval("SELECT count(*) FROM case_list WHERE tenant_id = $1", tenant_id) == 40
    )
    applied = await runtime.projections.rebuild(tenant_id)
    assert applied == (await runtime.ledger.head(tenant_id))[0]
    assert await fingerprint(owner, tenant_id) == live


async def test_two_runners_at_once_apply_every_event_once(
    runtime: Runtime, owner: asyncpg.Connection, database_url: str
) -> None:
    tenant_id = await hospital_with_cases(runtime, 150)
    async with own_runners(runtime, database_url, count=2, batch_size=40) as runners:
        await asyncio.gather(*(r.catch_up(tenant_id) for r in runners))
    await caught_up(runtime, tenant_id)
    live = await fingerprint(owner, tenant_id)
    timeline_rows = await owner.fetchval(
        "SELECT count(*) FROM case_timeline WHERE tenant_id = $1", tenant_id
    )
    complaint_events = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND topic LIKE 'domain.complaint:%'",
        tenant_id,
    )
    assert timeline_rows == complaint_events
    await runtime.projections.rebuild(tenant_id)
    assert await fingerprint(owner, tenant_id) == live


SLOW_RUNNER = textwrap.dedent("""
    import asyncio, sys, time
    from uuid import UUID
    import asyncpg
    from projections.changes import View
    from projections.runner import VIEWS, ProjectionRunner
    from pathlib import Path
    from services.store.codec import envelope_decoder, make_mapper
    from services.store.data_keys import FileKeyProvider

    def slow(view):
        def project(envelope):
            if envelope.seq > 100:  # the first batches commit; then stall inside a batch
                print("in-batch", flush=True)
                time.sleep(0.05)
            return view.project(envelope)
        return View(view.name, view.tables, project)

    async def main(url, tenant, keys):
        pool = await asyncpg.create_pool(url, min_size=1, max_size=2)
        mapper = make_mapper(FileKeyProvider(Path(keys)))  # the service's, to open what it sealed
        runner = ProjectionRunner(pool, envelope_decoder(mapper),
                                  [slow(v) for v in VIEWS], batch_size=50)
        await runner.rebuild(UUID(tenant), ["case_list"])  # from zero, in one transaction
        print("rebuilt", flush=True)
        await runner.catch_up(UUID(tenant))

    asyncio.run(main(*sys.argv[1:4]))
""")


async def test_a_runner_killed_mid_batch_double_counts_nothing(
    runtime: Runtime, owner: asyncpg.Connection, database_url: str, tmp_path: Path
) -> None:
    tenant_id = await hospital_with_cases(runtime, 100)
    await caught_up(runtime, tenant_id)
    live = await fingerprint(owner, tenant_id)
    script = tmp_path / "slow_runner.py"
    script.write_text(SLOW_RUNNER)
    process = subprocess.Popen(
        [
            sys.executable,
            str(script),
            role_url(database_url, None, WORKER_ROLE),
            str(tenant_id),
            str(runtime.settings.key_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])},
    )
    try:
        # the rebuild holds the tracking row lock mid-transaction when we kill it
        assert process.stdout.readline().strip() == "in-batch"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    # the rebuild rolled back: the live rows are intact, and catching up changes nothing
    await runtime.projections.catch_up(tenant_id)
    await caught_up(runtime, tenant_id)
    assert await fingerprint(owner, tenant_id) == live


async def test_runners_working_rounds_of_many_tenants_apply_each_event_once(
    runtime: Runtime, owner: asyncpg.Connection, database_url: str
) -> None:
    """Two runners (and the service's own) take rounds over the same five tenants at once,
    in batches smaller than a tenant's backlog: each tenant's views equal a rebuild's."""
    tenants = [await hospital_with_cases(runtime, 20 + 5 * n) for n in range(5)]
    async with own_runners(runtime, database_url, count=2, batch_size=30) as runners:
        await asyncio.gather(*(r.catch_up_many(tenants) for r in runners))
    for tenant_id in tenants:
        await caught_up(runtime, tenant_id)
        live = await fingerprint(owner, tenant_id)
        await runtime.projections.rebuild(tenant_id)
        assert await fingerprint(owner, tenant_id) == live


async def test_an_undecodable_event_is_set_aside_and_holds_up_neither_its_tenant_nor_others(
    runtime: Runtime, owner: asyncpg.Connection, database_url: str, client: AsyncClient
) -> None:
    good, bad = await hospital_with_cases(runtime, 3), await hospital_with_cases(runtime, 3)
    (bad_seq,) = await runtime.ledger.append(
        bad, [StoredEvent(uuid4(), 1, "nowhere:Gone.Missing", b"{")]
    )
    tenant = await runtime.tenancy.fresh(bad)
    filing = c.File(received_at=runtime.clock.now(), channel="phone", summary="filed after it")
    later = Cases.filed(tenant, filing, CLERK, runtime.clock.now())
    await runtime.ledger.append(bad, runtime.repository.to_stored(later))
    async with own_runners(runtime, database_url) as (runner,):
        await runner._work([good, bad])  # what the follower calls with the woken tenants
        await runner._work([bad])  # the next notification or sweep
    await caught_up(runtime, good)
    await caught_up(runtime, bad)  # every view reached the head: nothing stalled
    # the case recorded after the bad event is in the views
    assert await owner.fetchval("SELECT count(*) FROM case_list WHERE case_id = $1", later.id)
    aside = await owner.fetch(
        "SELECT view, seq, error FROM projection_quarantine WHERE tenant_id = $1 ORDER BY view",
        bad,
    )
    assert {r["seq"] for r in aside} == {bad_seq}
    assert {r["view"] for r in aside} == {v.name for v in VIEWS}
    assert {r["error"] for r in aside} == {"TopicError"}  # its kind, not its message
    metrics = (await client.get("/metrics")).text
    assert f'complaints_projection_quarantined_events{{view="case_list",tenant="{bad}"}} 1' in (
        metrics
    )
    ready = (await client.get("/ready")).json()
    assert ready["projection_quarantined"]["case_list"] >= 1


async def test_tenants_rebuilt_at_once_each_get_exactly_their_live_rows(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenants = [await hospital_with_cases(runtime, 30) for _ in range(3)]
    live = {}
    for tenant_id in tenants:
        await caught_up(runtime, tenant_id)
        live[tenant_id] = await fingerprint(owner, tenant_id)
    heard: dict[object, int] = {}
    applied = await runtime.projections.rebuild_many(
        tenants, jobs=2, done=lambda tenant_id, count, _: heard.setdefault(tenant_id, count)
    )
    heads = {t: (await runtime.ledger.head(t))[0] for t in tenants}
    assert heard == heads
    assert applied == sum(heads.values())
    for tenant_id in tenants:
        assert await fingerprint(owner, tenant_id) == live[tenant_id]


async def test_a_failed_tenant_stops_a_rebuild_of_many_with_its_own_error(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant_id = await hospital_with_cases(runtime, 5)
    await caught_up(runtime, tenant_id)
    live = await fingerprint(owner, tenant_id)

    def undecodable(row: asyncpg.Record) -> object:
        raise ValueError("no code decodes this")

    runner = ProjectionRunner(runtime.projections.pool, undecodable)
    with pytest.raises(ValueError, match="no code decodes this"):
        await runner.rebuild_many([tenant_id, tenant_id], jobs=2)
    assert await fingerprint(owner, tenant_id) == live  # rolled back


async def test_a_row_the_database_refuses_is_set_aside_for_its_view_only(
    runtime: Runtime, owner: asyncpg.Connection, database_url: str
) -> None:
    tenant_id = await hospital_with_cases(runtime, 1)
    tenant = await runtime.tenancy.fresh(tenant_id)
    # PostgreSQL text cannot hold U+0000 (the API refuses it; a ledger written by other code
    # may not have): the case list cannot take this row, the deadlines view can.
    filing = c.File(
        received_at=runtime.clock.now(),
        channel="phone",
        summary="nul \x00 inside",
        category="medical_dispute",
    )
    case = Cases.filed(tenant, filing, CLERK, runtime.clock.now())
    await runtime.ledger.append(tenant_id, runtime.repository.to_stored(case))
    async with own_runners(runtime, database_url) as (runner,):
        await runner._work([tenant_id])
        await runner._work([tenant_id])
    await caught_up(runtime, tenant_id)
    aside = await owner.fetch(
        "SELECT view, error FROM projection_quarantine WHERE tenant_id = $1", tenant_id
    )
    assert {r["view"] for r in aside} == {"case_list"}
    assert {r["error"] for r in aside} == {"CharacterNotInRepertoireError (22021)"}  # not the value
    assert not await owner.fetchval("SELECT count(*) FROM case_list WHERE case_id = $1", case.id)
    # the other views took the event
    assert await owner.fetchval("SELECT count(*) FROM case_timeline WHERE case_id = $1", case.id)
