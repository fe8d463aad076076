"""Row 6: list and inbox p99 over HTTP with 10,000 and then 1,000,000 events in the ledger,
across 1,000 tenants; the 10,000-event figure is the limit of the 1,000,000-event one.

How the data is made, so that a million events fit in a bench step:

- every tenant is real: its aggregate's events (created, a clerk registered, a key issued)
  are appended through ``Ledger.append``, and its clerk's key works over HTTP;
- tenant 0's cases are real too: cloned domain-made cases (bench/fill.py) appended through
  ``Ledger.append`` and projected by ``ProjectionRunner.catch_up``;
- tenants 1..999 get tenant 0's case events copied in SQL, ``INSERT ... SELECT`` from tenant
  0's rows with each case id mapped to ``md5(tenant || case)`` and the tenant's id written
  into the event bodies; the chain trigger still assigns each row its seq and hash. Their view
  rows are tenant 0's view rows copied the same way, and their tracking rows (views and relay)
  are set to their head, so no worker has a backlog while the reads are measured.

What is read is the same at both sizes: ``READ_TENANTS`` busy tenants, each with more
cases than a page, read a page of ``PAGE`` rows at a time. At 10,000 events the other tenants
hold only their own setup events and the busy ones the cases; at 1,000,000 every tenant has
about a thousand events more. So the two sizes differ by the data around the answer, not by
the answer: with 10,000 events spread evenly, a tenant would have one case and its page one
row, and the comparison would measure encoding 50 rows against encoding one.

Then the server starts, the busy tenants are read once (the server caches tenants), and wrk
reads ``GET /v1/complaints`` and ``GET /v1/inbox`` as random busy tenants, 4 connections, for
a few seconds each. The second size adds events to the same database, so both sizes are read
from the same tenants, keys, server code and machine state but for the data.
"""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import asyncpg

from bench.common import Context, Row, app_url, percentile, worker_url
from bench.fill import ROLES, BenchTenant, append_all, cloned_events, new_tenant, template_cases
from bench.load import HttpConnection
from bench.server import running_server
from bench.wrk import WrkResult, get_script, run_wrk
from projections import case_list
from projections.read import reading
from projections.runner import VIEWS, ProjectionRunner
from services.audit.checkpoints import BEHIND as CHECKPOINTS_BEHIND
from services.engines import free_port
from services.store.codec import envelope_decoder, make_mapper
from services.store.ledger import Ledger

TENANTS = 1000
SIZES = (10_000, 1_000_000)
CONNECTIONS = 4
READ_TENANTS = 10  # the busy tenants that are read
PAGE = 25  # rows a page: fewer than a busy tenant's open cases at the smaller size
VIEW_TABLES = sorted({t for v in VIEWS for t in v.tables})
WORKERS = [v.name for v in VIEWS] + ["relay"]

CLONE_EVENTS = """
INSERT INTO events (tenant_id, seq, originator_id, originator_version, topic, state,
                    recorded_at, prev_hash, hash)
SELECT $1::uuid, 0, md5($1::uuid::text || e.originator_id::text)::uuid, e.originator_version,
       e.topic,
       convert_to(replace(convert_from(e.state, 'UTF8'), $3, $4), 'UTF8'), now(), '', ''
  FROM events e
 WHERE e.tenant_id = $2::uuid AND e.originator_id <> $2::uuid AND e.seq > $5
 ORDER BY e.seq
"""

SET_TRACKING = """
INSERT INTO projection_tracking (view, tenant_id, seq)
SELECT v.view, h.tenant_id, h.seq FROM ledger_heads h CROSS JOIN unnest($1::text[]) v(view)
ON CONFLICT (view, tenant_id) DO UPDATE SET seq = EXCLUDED.seq, updated_at = now()
"""


async def clone_views(owner: asyncpg.Connection, source: UUID, targets: list[UUID]) -> None:
    """Tenant 0's view rows for every other tenant, case ids mapped as the events' are."""
    for table in VIEW_TABLES:
        columns = [
            r["column_name"]
            for r in await owner.fetch(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_name = $1 ORDER BY ordinal_position",
                table,
            )
        ]
        exprs = {
            "tenant_id": "t.id",
            "case_id": "md5(t.id::text || s.case_id::text)::uuid",
        }
        select = ", ".join(exprs.get(c, f"s.{c}") for c in columns)
        await owner.execute(f"DELETE FROM {table} WHERE tenant_id = ANY($1)", targets)
        await owner.execute(
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select}"
            f"  FROM {table} s CROSS JOIN unnest($2::uuid[]) t(id) WHERE s.tenant_id = $1",
            source,
            targets,
        )


class Scale:
    def __init__(self, ctx: Context, url: str) -> None:
        self.ctx = ctx
        self.url = url
        self.tenants: list[BenchTenant] = []
        self.template = template_cases(200)
        self.cloned_to: dict[UUID, int] = {}  # tenant 0's seq up to which one has its events

    async def tenants_made(self, pool: asyncpg.Pool) -> None:
        ledger = Ledger(pool)
        for n in range(TENANTS):
            tenant, events = new_tenant(f"bench-scale-{n}")
            await ledger.append(tenant.id, events)
            self.tenants.append(tenant)

    @property
    def busy(self) -> list[BenchTenant]:
        return self.tenants[:READ_TENANTS]

    async def grow_to(
        self, pool: asyncpg.Pool, owner: asyncpg.Connection, total: int, spread: int
    ) -> int:
        """Add cases to the first ``spread`` tenants until the ledger holds about ``total``
        events; returns the count."""
        have = await owner.fetchval("SELECT count(*) FROM events")
        first = self.tenants[0].id
        # a tenant new to the cases gets tenant 0's earlier ones too: count them in
        earlier = await owner.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND originator_id <> $1", first
        )
        newcomers = sum(1 for t in self.tenants[1:spread] if t.id not in self.cloned_to)
        each = max(1, (total - have - newcomers * earlier) // spread)
        template_id, cases = self.template
        await append_all(Ledger(pool), first, cloned_events(cases, template_id, first, each))
        workers = await asyncpg.create_pool(worker_url(self.url), min_size=1, max_size=1)
        try:
            runner = ProjectionRunner(workers, envelope_decoder(make_mapper()))
            while await runner.catch_up(first):
                pass
        finally:
            await workers.close()
        head = (await Ledger(pool).head(first) or (0, b""))[0]
        others = [t.id for t in self.tenants[1:spread]]
        for tenant in others:
            since = self.cloned_to.get(tenant, 0)
            await owner.execute(CLONE_EVENTS, tenant, first, first.hex, tenant.hex, since)
            self.cloned_to[tenant] = head
        await clone_views(owner, first, others)
        await owner.execute(SET_TRACKING, WORKERS)
        await owner.execute("VACUUM ANALYZE")
        return await owner.fetchval("SELECT count(*) FROM events")

    async def warm(self, port: int) -> None:
        """One read of each path as each busy tenant: the server loads a tenant on first use."""
        queue = list(self.busy)

        async def worker() -> None:
            conn = HttpConnection(port)
            while queue:
                tenant = queue.pop()
                for path in (f"/v1/complaints?limit={PAGE}", f"/v1/inbox?limit={PAGE}"):
                    await conn.request("GET", path, {"Authorization": f"Bearer {tenant.key}"})
            conn.close()

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))

    async def queries(self, pool: asyncpg.Pool) -> dict[str, dict[str, float | None]]:
        """The list and inbox SQL alone (as the API runs it, under the tenant's row-level
        security), 30 times for each busy tenant: what the database adds, without HTTP."""
        times: dict[str, list[float]] = {"list": [], "inbox": []}
        sizes: dict[str, list[int]] = {"list": [], "inbox": []}
        for tenant in self.busy * 30:
            async with reading(pool, tenant.id) as conn:
                for name in ("list", "inbox"):
                    started = time.perf_counter()
                    if name == "list":
                        rows = await case_list.list_cases(conn, tenant.id, limit=PAGE)
                    else:
                        rows = await case_list.inbox(conn, tenant.id, list(ROLES), PAGE)
                    times[name].append(time.perf_counter() - started)
                    sizes[name].append(len(rows))
        return {
            name: {
                "p50_ms": 1000 * (percentile(times[name], 50) or 0),
                "p99_ms": 1000 * (percentile(times[name], 99) or 0),
                "rows": sum(sizes[name]) / len(sizes[name]),
            }
            for name in times
        }

    async def settled(self, owner: asyncpg.Connection, timeout: float = 600) -> None:
        """Wait until the worker has signed every tenant's head: on its first start over a
        grown ledger it walks every new row once, and the reads are measured after that, in
        the steady state (views and relay were set to their heads by the fill)."""
        deadline = time.monotonic() + timeout
        while await owner.fetchval(f"SELECT count(*) FROM ({CHECKPOINTS_BEHIND}) b"):
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not sign every tenant's head in time")
            await asyncio.sleep(0.5)

    async def read(self, port: int, path: str, seconds: float) -> WrkResult:
        script = get_script([f"{path}?limit={PAGE}"], [t.key for t in self.busy])
        return await asyncio.to_thread(run_wrk, port, script, CONNECTIONS, seconds)


async def bench_scale(ctx: Context) -> list[Row]:
    sizes = (10_000, 100_000) if ctx.quick else SIZES
    seconds = 3.0 if ctx.quick else 6.0
    figures: dict[int, dict[str, WrkResult]] = {}
    sql: dict[int, dict[str, dict[str, float | None]]] = {}
    counts: dict[int, int] = {}
    fill_seconds: dict[int, float] = {}
    async with ctx.database("scale") as url:
        owner = await asyncpg.connect(url)
        pool = await asyncpg.create_pool(app_url(url), min_size=1, max_size=4)
        scale = Scale(ctx, url)
        try:
            await scale.tenants_made(pool)
            for size in sizes:
                started = time.perf_counter()
                # the smaller size's cases go to the busy tenants, the larger's to everyone
                spread = READ_TENANTS if size == sizes[0] else TENANTS
                counts[size] = await scale.grow_to(pool, owner, size, spread)
                fill_seconds[size] = time.perf_counter() - started
                await scale.queries(pool)  # once to warm the caches, once measured
                sql[size] = await scale.queries(pool)
                port = free_port()
                log = ctx.work_dir / "server-scale.log"
                with running_server(url, ctx.urls.nats_url, port, ctx.work_dir / "data", log):
                    await scale.settled(owner)
                    await scale.warm(port)
                    figures[size] = {
                        "list": await scale.read(port, "/v1/complaints", seconds),
                        "inbox": await scale.read(port, "/v1/inbox", seconds),
                    }
        finally:
            await pool.close()
            await owner.close()
    small, large = sizes
    ctx.details["scale"] = {
        "events": counts,
        "fill_seconds": {k: round(v, 1) for k, v in fill_seconds.items()},
        "sql": sql,
        "reads": {
            size: {k: vars(r) | {"rps": r.rps} for k, r in got.items()}
            for size, got in figures.items()
        },
    }
    rows = []
    for name, label in (("list", "GET /v1/complaints"), ("inbox", "GET /v1/inbox")):
        big, base = figures[large][name], figures[small][name]
        errors = big.errors + base.errors
        page = {size: sql[size][name]["rows"] for size in sizes}
        # the sizes are compared at the same answer: a short page at either size would not be
        same_page = page[small] == page[large] == PAGE
        note = f"p50 {big.p50_ms:.1f} vs {base.p50_ms:.1f}; rows a page {page[large]:.0f}"
        if not same_page:
            note += f" vs {page[small]:.0f}: not the same answer"
        rows.append(
            Row(
                "6 scale",
                f"{label} p99, {counts[large]:,} vs {counts[small]:,} events",
                "ms",
                big.p99_ms,
                base.p99_ms,
                "<= 2x",
                met=big.p99_ms <= 2 * base.p99_ms and errors == 0 and same_page,
                higher_is_better=False,
                note=f"{errors} errors" if errors else note,
            )
        )
    for name in ("list", "inbox"):
        big_sql, base_sql = sql[large][name], sql[small][name]
        rows.append(
            Row(
                "6 scale",
                f"{name} SQL alone p99, same sizes",
                "ms",
                big_sql["p99_ms"],
                base_sql["p99_ms"],
                higher_is_better=False,
                note=f"diagnostic; rows a page {big_sql['rows']:.0f} vs {base_sql['rows']:.0f}",
            )
        )
    return rows
