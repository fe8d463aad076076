"""Row 2: ``Ledger.append`` of one event at 1, 8 and 32 writers over 1 and 16 tenants, against
raw asyncpg single-row inserts (autocommit) into a plain table at the same concurrency.

The ledger and raw sides run in this process on one pool per writer count, as the application
role and with the service's pool settings, with the same payload (a stored ``Filed`` event of
a few hundred bytes, a fresh case each time). The ledger side pays what the product pays: the
chain trigger (head row lock, SHA-256), the primary and unique keys and the wake-up NOTIFY
(sent by the service's announcer). Beside raw, each cell measures a peer (bench/peer.py): the
``eventsourcing`` library's own PostgreSQL application recorder appending the same events at
the same concurrency, one events table per tenant. Each cell alternates ledger, raw and peer
runs three times and keeps each side's best, so noise from elsewhere on the machine hits none
alone.
"""

from __future__ import annotations

import asyncio
import time
from uuid import UUID, uuid4

import asyncpg
from eventsourcing.persistence import StoredEvent

from bench.common import Context, Row, app_url
from bench.fill import new_tenant, template_cases
from bench.peer import Peer, create_tables
from services.runtime import keep_session
from services.store.ledger import Announcer, Ledger

WRITERS = (1, 8, 32)
TENANTS = (1, 16)
RAW_TABLE = """
CREATE TABLE bench_raw (tenant_id uuid, originator_id uuid, originator_version int8,
                        topic text, state bytea, recorded_at timestamptz);
GRANT SELECT, INSERT ON bench_raw TO complaints_app;
"""
TEMPLATE = template_cases(1)[1][0][0]  # a stored Filed event, a few hundred bytes
RAW_INSERT = (
    "INSERT INTO bench_raw (tenant_id, originator_id, originator_version, topic, state,"
    " recorded_at) VALUES ($1, $2, $3, $4, $5, now())"
)


async def timed_writers(writers: int, seconds: float, write: object) -> int:
    """Run ``writers`` loops of ``await write(n)`` for ``seconds``; returns writes done."""
    stop = time.monotonic() + seconds
    counts = [0] * writers

    async def loop(n: int) -> None:
        while time.monotonic() < stop:
            await write(n)  # type: ignore[operator]
            counts[n] += 1

    await asyncio.gather(*(loop(n) for n in range(writers)))
    return sum(counts)


async def cell(
    pool: asyncpg.Pool,
    peer: Peer,
    tenants: list[UUID],
    writers: int,
    spread: int,
    seconds: float,
    rounds: int,
) -> tuple[float, float, float, list[float]]:
    """Best ledger, raw and peer rates (events/s) of ``rounds`` alternating runs, and each
    round's ledger-over-raw ratio."""
    announcer = Announcer(pool)  # wake-ups sent as the service sends them
    announcer.start()
    ledger = Ledger(pool, announcer)
    template = TEMPLATE

    async def ledger_write(n: int) -> None:
        event = StoredEvent(uuid4(), 1, template.topic, template.state)
        await ledger.append(tenants[n % spread], [event])

    async def raw_write(n: int) -> None:
        await pool.execute(
            RAW_INSERT, tenants[n % spread], uuid4(), 1, template.topic, template.state
        )

    try:
        await timed_writers(writers, 0.3, ledger_write)  # warm the pools up
        await asyncio.to_thread(peer.timed_writers, spread, 0.3)
        product = limit = peered = 0.0
        ratios = []  # each round's ledger over raw: how steady the ratio is
        for _ in range(rounds):
            appended = await timed_writers(writers, seconds, ledger_write) / seconds
            inserted = await timed_writers(writers, seconds, raw_write) / seconds
            product, limit = max(product, appended), max(limit, inserted)
            ratios.append(appended / inserted)
            # the peer's writers are threads; the loop only waits for them
            peer_appended = await asyncio.to_thread(peer.timed_writers, spread, seconds)
            peered = max(peered, peer_appended / seconds)
    finally:
        await announcer.close()
    return product, limit, peered, ratios


async def bench_append(ctx: Context) -> list[Row]:
    seconds, rounds = (1.0, 1) if ctx.quick else (2.0, 3)
    rows: list[Row] = []
    figures: dict[str, float | list[float]] = {}
    async with ctx.database("append") as url:
        owner = await asyncpg.connect(url)
        await owner.execute(RAW_TABLE)
        tenants: list[UUID] = []
        setup = await asyncpg.create_pool(app_url(url), min_size=1, max_size=2)
        for n in range(max(TENANTS)):
            tenant, events = new_tenant(f"bench-append-{n}")
            await Ledger(setup).append(tenant.id, events)
            tenants.append(tenant.id)
        await setup.close()
        await asyncio.to_thread(create_tables, url, max(TENANTS))
        for writers in WRITERS:
            pool = await asyncpg.create_pool(
                app_url(url), min_size=writers, max_size=writers, reset=keep_session
            )
            try:
                peer = await asyncio.to_thread(Peer, url, max(TENANTS), writers, TEMPLATE)
                try:
                    for spread in TENANTS:
                        product, limit, peered, ratios = await cell(
                            pool, peer, tenants, writers, spread, seconds, rounds
                        )
                        figures[f"{writers}w/{spread}t"] = product
                        figures[f"{writers}w/{spread}t raw"] = limit
                        figures[f"{writers}w/{spread}t peer"] = peered
                        figures[f"{writers}w/{spread}t ratios"] = ratios
                        judged = writers == 8 and spread == 16
                        measure = f"{writers} writers, {spread} tenant{'s' if spread > 1 else ''}"
                        rows.append(
                            Row(
                                "2 append",
                                measure,
                                "ev/s",
                                product,
                                limit,
                                ">= 0.5 of raw in every round" if judged else "",
                                met=min(ratios) >= 0.5 if judged else None,
                                note=f"{len(ratios)} rounds: {min(ratios):.2f}-{max(ratios):.2f}"
                                if len(ratios) > 1
                                else "",
                            )
                        )
                        rows.append(
                            Row(
                                "2 append",
                                f"{measure}: the ledger vs eventsourcing's PostgreSQL"
                                " application (peer)",
                                "ev/s",
                                product,
                                peered,
                                "> 1 (ahead of the peer)" if judged else "",
                                met=(product > peered) if judged else None,
                            )
                        )
                finally:
                    await asyncio.to_thread(peer.close)
            finally:
                await pool.close()
        await owner.close()
    ctx.details["append"] = figures
    return rows
