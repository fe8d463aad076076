"""Row 3: replaying the ledger. Rebuilding every view from zero, and loading aggregates, in
events/s, each against a raw ``SELECT`` of the same rows in the same shape:

- rebuild: ``ProjectionRunner.rebuild_many`` of every tenant, as ``complaints projections
  rebuild`` runs it (one transaction a tenant, ``REBUILD_JOBS`` tenants at a time) vs paging
  the same rows with the runner's own query and batch size, tenant after tenant, without
  decoding or applying them;
- the same rebuild with the tenants shared among two processes
  (``projections rebuild --processes 2``), a diagnostic beside it;
- aggregates: ``Repository.load`` of every case of two tenants, one after another, vs the
  same per-case query returning the same rows undecoded.

Each side runs twice, alternating, and keeps its better run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg

from bench.common import Context, Row, worker_url
from bench.fill import append_all, cloned_events, new_tenant, template_cases
from domain.complaint import Complaint
from projections.runner import EVENTS_AFTER, REBUILD_JOBS, ProjectionRunner, set_tenant
from services.store.codec import envelope_decoder, make_mapper
from services.store.ledger import ORIGINATOR_EVENTS, Ledger
from services.store.repository import Repository
from services.workers.rebuild_processes import rebuild_in_processes

BATCH = 1000  # the runner's default batch size


async def fill(pool: asyncpg.Pool, tenants: int, events_each: int) -> dict[UUID, list[UUID]]:
    """Tenants with cloned cases; returns each tenant's case ids."""
    template, cases = template_cases(200)
    ledger = Ledger(pool)
    made: dict[UUID, list[UUID]] = {}
    for n in range(tenants):
        tenant, tenant_events = new_tenant(f"bench-replay-{n}")
        events = cloned_events(cases, template, tenant.id, events_each)
        await append_all(ledger, tenant.id, tenant_events + events)
        made[tenant.id] = list(dict.fromkeys(e.originator_id for e in events))
    return made


async def raw_pages(pool: asyncpg.Pool, tenant_id: UUID) -> int:
    rows = 0
    async with pool.acquire() as conn, conn.transaction():
        await set_tenant(conn, tenant_id)
        last = 0
        while page := await conn.fetch(EVENTS_AFTER, tenant_id, last, BATCH):
            rows += len(page)
            last = page[-1]["seq"]
    return rows


async def best_rate(runs: int, work: Callable[[], Awaitable[int]]) -> tuple[float, int]:
    best, count = 0.0, 0
    for _ in range(runs):
        started = time.perf_counter()
        count = await work()
        best = max(best, count / (time.perf_counter() - started))
    return best, count


async def bench_replay(ctx: Context) -> list[Row]:
    tenants, events_each = (4, 2_500) if ctx.quick else (8, 12_500)
    async with ctx.database("replay") as url:
        pool = await asyncpg.create_pool(worker_url(url), min_size=1, max_size=4)
        try:
            started = time.perf_counter()
            cases = await fill(pool, tenants, events_each)
            filled = time.perf_counter() - started
            mapper = make_mapper()
            runner = ProjectionRunner(pool, envelope_decoder(mapper), batch_size=BATCH)
            repository = Repository(Ledger(pool), mapper)
            sample = [(t, c) for t in list(cases)[:2] for c in cases[t]]

            async def rebuild() -> int:
                return await runner.rebuild_many(list(cases), jobs=REBUILD_JOBS)

            async def rebuild_in_two() -> int:
                return await rebuild_in_processes(
                    worker_url(url), ctx.settings().key_path, list(cases), jobs=REBUILD_JOBS
                )

            async def select_all() -> int:
                return sum([await raw_pages(pool, t) for t in cases])

            async def load() -> int:
                return sum([(await repository.load(t, c, Complaint)).version for t, c in sample])

            async def select_each() -> int:
                fetched = [await pool.fetch(ORIGINATOR_EVENTS, t, c, 0, None) for t, c in sample]
                return sum(len(rows) for rows in fetched)

            rebuild_rate = two_rate = select_rate = load_rate = each_rate = 0.0
            total = loaded = 0
            for _ in range(2):
                select_rate = max(select_rate, (await best_rate(1, select_all))[0])
                got, total = await best_rate(1, rebuild)
                rebuild_rate = max(rebuild_rate, got)
                two_rate = max(two_rate, (await best_rate(1, rebuild_in_two))[0])
                each_rate = max(each_rate, (await best_rate(1, select_each))[0])
                got, loaded = await best_rate(1, load)
                load_rate = max(load_rate, got)
        finally:
            await pool.close()
    ctx.details["replay"] = {
        "events": total,
        "tenants": tenants,
        "fill_seconds": round(filled, 1),
        "fill_events_per_s": round(total / filled),
        "aggregates_loaded": len(sample),
        "aggregate_events": loaded,
    }
    return [
        Row(
            "3 replay",
            f"rebuild all views, {total:,} events",
            "ev/s",
            rebuild_rate,
            select_rate,
            ">= 50,000 ev/s and >= 0.15 of raw",
            met=rebuild_rate >= 50_000 and rebuild_rate >= 0.15 * select_rate,
        ),
        Row("3 replay", "rebuild all views in 2 processes", "ev/s", two_rate, select_rate),
        Row(
            "3 replay",
            f"load aggregates, {len(sample):,} cases",
            "ev/s",
            load_rate,
            each_rate,
        ),
    ]
