"""Rounds over many tenants for whatever follows the ledger with a position per tenant in
``projection_tracking`` (the views, the relay): lock the positions, read each tenant's next
batch, move the positions, each one statement however many tenants the round takes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from uuid import UUID

import asyncpg

LOCK = """
SELECT tenant_id, view, seq FROM projection_tracking
 WHERE tenant_id = ANY($1) AND view = ANY($2)
 ORDER BY tenant_id, view FOR UPDATE SKIP LOCKED
"""

ADD = """
INSERT INTO projection_tracking (view, tenant_id)
SELECT v, t FROM unnest($1::uuid[]) t CROSS JOIN unnest($2::text[]) v
ON CONFLICT DO NOTHING
"""

# each tenant's next batch, tenant after tenant, each in ledger order
EVENTS_AFTER_MANY = """
SELECT e.tenant_id, e.seq, e.originator_id, e.originator_version, e.topic, e.state, e.recorded_at
  FROM unnest($1::uuid[], $2::int8[]) AS p(tenant_id, after)
 CROSS JOIN LATERAL (SELECT * FROM events e WHERE e.tenant_id = p.tenant_id AND e.seq > p.after
                      ORDER BY e.seq LIMIT $3) e
 ORDER BY e.tenant_id, e.seq
"""

MOVE = """
UPDATE projection_tracking t SET seq = m.seq, updated_at = now()
  FROM unnest($1::uuid[], $2::int8[]) AS m(tenant_id, seq)
 WHERE t.tenant_id = m.tenant_id AND t.view = ANY($3)
"""

Batches = dict[UUID, list[asyncpg.Record]]


async def lock_positions(
    conn: asyncpg.Connection, tenants: list[UUID], views: list[str]
) -> dict[UUID, dict[str, int]]:
    """Each tenant's position per view, locked for this transaction, for the tenants whose
    every row no other follower holds (one whose rows are partly held, say by a one-view
    rebuild, waits its turn). Missing rows (a new tenant or view) are made first."""
    rows = await conn.fetch(LOCK, tenants, views)
    if len(rows) < len(tenants) * len(views):
        await conn.execute(ADD, tenants, views)
        rows = await conn.fetch(LOCK, tenants, views)
    positions: dict[UUID, dict[str, int]] = {}
    for row in rows:
        positions.setdefault(row["tenant_id"], {})[row["view"]] = row["seq"]
    return {t: p for t, p in positions.items() if len(p) == len(views)}


async def next_batches(conn: asyncpg.Connection, starts: Mapping[UUID, int], limit: int) -> Batches:
    """Up to ``limit`` events of each tenant after its start, by tenant, in ledger order."""
    rows = await conn.fetch(EVENTS_AFTER_MANY, list(starts), list(starts.values()), limit)
    batches: Batches = {}
    for row in rows:
        batches.setdefault(row["tenant_id"], []).append(row)
    return batches


async def move_positions(conn: asyncpg.Connection, batches: Batches, views: Sequence[str]) -> None:
    """Every view of each tenant to the last seq of its batch."""
    if batches:
        last = [rows[-1]["seq"] for rows in batches.values()]
        await conn.execute(MOVE, list(batches), last, list(views))


def unfinished(batches: Batches, limit: int) -> list[UUID]:
    """The tenants whose batch was full: more may wait."""
    return [t for t, rows in batches.items() if len(rows) == limit]
