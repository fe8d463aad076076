"""Row 4's diagnostic: what the projection runner pays an event when many tenants move at once.

Sixteen tenants each get a few events (one or two cloned cases), then the runner applies them;
forty times over, in rounds that alternate between the product and its comparison:

- product: ``ProjectionRunner.catch_up_many`` of the sixteen, one transaction (what the
  follower does with the tenants woken since its last round);
- comparison: ``ProjectionRunner.catch_up`` of each tenant in turn, a transaction each (what
  the follower did before rounds).

Events/s of each side, from the time spent in the runner only (not the appends).
"""

from __future__ import annotations

import time
from uuid import UUID

import asyncpg

from bench.common import Context, Row, worker_url
from bench.fill import append_all, cloned_events, new_tenant, template_cases
from projections.runner import ProjectionRunner
from services.store.codec import envelope_decoder, make_mapper
from services.store.ledger import Ledger

TENANTS = 16
EVENTS_EACH = 6  # a round's events for one tenant: a busy second's worth, not a backlog


async def bench_rounds(ctx: Context) -> list[Row]:
    repeats = 10 if ctx.quick else 40
    async with ctx.database("rounds") as url:
        pool = await asyncpg.create_pool(worker_url(url), min_size=2, max_size=4)
        try:
            ledger = Ledger(pool)
            template, cases = template_cases(50)
            tenants: list[UUID] = []
            for n in range(TENANTS):
                tenant, events = new_tenant(f"bench-rounds-{n}")
                await ledger.append(tenant.id, events)
                tenants.append(tenant.id)
            runner = ProjectionRunner(pool, envelope_decoder(make_mapper()))
            await runner.catch_up_many(tenants)
            spent = {"round": 0.0, "each": 0.0}
            applied = {"round": 0, "each": 0}
            for n in range(repeats * 2):
                side = "round" if n % 2 == 0 else "each"
                for tenant in tenants:
                    events = cloned_events(cases, template, tenant, EVENTS_EACH)
                    await append_all(ledger, tenant, events)
                started = time.perf_counter()
                if side == "round":
                    applied[side] += await runner.catch_up_many(tenants)
                else:
                    for tenant in tenants:
                        applied[side] += await runner.catch_up(tenant)
                spent[side] += time.perf_counter() - started
        finally:
            await pool.close()
    rate = {side: applied[side] / spent[side] for side in spent}
    ctx.details["rounds"] = {"events": applied, "seconds": spent}
    return [
        Row(
            "4 lag",
            f"runner, {TENANTS} tenants moving at once: one round vs a transaction a tenant",
            "ev/s",
            rate["round"],
            rate["each"],
            note=f"diagnostic; ~{applied['round'] // repeats} events a round",
        )
    ]
