"""The limit of projection lag: a bare follower, as a process of its own.

    python -m bench.follower OWNER_URL

It does what any exactly-once projection must and nothing more: wakes on the ledger's
NOTIFY, and per woken tenant, in one transaction, locks its tracking row, reads the new
events with the runner's own query, writes one row per event and moves its tracking row.
No decoding, no projecting. The product's runner does this plus the views' work, so the
product's lag over this one is what the views cost.
"""

from __future__ import annotations

import asyncio
import sys
from uuid import UUID

import asyncpg

from projections.runner import EVENTS_AFTER

TABLES = """
CREATE TABLE bench_follow (tenant_id uuid, seq bigint, originator_id uuid, topic text,
                           PRIMARY KEY (tenant_id, seq));
CREATE TABLE bench_follow_tracking (tenant_id uuid PRIMARY KEY, seq bigint NOT NULL);
"""


class Follower:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.pending: set[UUID] = set()
        self.wake = asyncio.Event()

    def on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.pending.add(UUID(payload))
        self.wake.set()

    async def catch_up(self, tenant_id: UUID) -> bool:
        """One batch; True when there may be more."""
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "INSERT INTO bench_follow_tracking VALUES ($1, 0) ON CONFLICT DO NOTHING",
                tenant_id,
            )
            seq = await conn.fetchval(
                "SELECT seq FROM bench_follow_tracking WHERE tenant_id = $1 FOR UPDATE", tenant_id
            )
            rows = await conn.fetch(EVENTS_AFTER, tenant_id, seq, 1000)
            if not rows:
                return False
            await conn.execute(
                "INSERT INTO bench_follow SELECT $1, * FROM unnest($2::int8[], $3::uuid[],"
                " $4::text[])",
                tenant_id,
                [r["seq"] for r in rows],
                [r["originator_id"] for r in rows],
                [r["topic"] for r in rows],
            )
            await conn.execute(
                "UPDATE bench_follow_tracking SET seq = $2 WHERE tenant_id = $1",
                tenant_id,
                rows[-1]["seq"],
            )
        return len(rows) == 1000

    async def run(self) -> None:
        listener = await self.pool.acquire()
        await listener.add_listener("ledger", self.on_notify)
        print("following", flush=True)
        while True:
            await self.wake.wait()
            self.wake.clear()
            woken, self.pending = self.pending, set()
            for tenant_id in woken:
                if await self.catch_up(tenant_id):
                    self.on_notify(None, 0, "", str(tenant_id))


async def main(url: str) -> None:
    pool = await asyncpg.create_pool(url, min_size=2, max_size=2)
    await Follower(pool).run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
