"""Read a tenant's raw ledger in seq order, a chunk at a time, for export and checkpoints.

A server-side cursor inside one read-only REPEATABLE READ transaction: the export is one
consistent snapshot, and memory holds one chunk whatever the ledger's length.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg

from services.audit.chain import LedgerRow
from services.audit.format import encode_line

CHUNK = 1000

ROWS = """
SELECT tenant_id, seq, originator_id, originator_version, topic, state, recorded_at,
       prev_hash, hash
  FROM events
 WHERE tenant_id = $1 AND seq > $2
 ORDER BY seq
 LIMIT $3
"""


def ledger_row(record: asyncpg.Record) -> LedgerRow:
    return LedgerRow(
        tenant_id=UUID(bytes=record["tenant_id"].bytes),
        seq=record["seq"],
        originator_id=UUID(bytes=record["originator_id"].bytes),
        originator_version=record["originator_version"],
        topic=record["topic"],
        state=record["state"],
        recorded_at=record["recorded_at"],
        prev_hash=record["prev_hash"],
        hash=record["hash"],
    )


async def ledger_chunks(
    pool: asyncpg.Pool,
    tenant_id: UUID,
    after_seq: int = 0,
    limit: int | None = None,
    chunk: int = CHUNK,
) -> AsyncIterator[list[LedgerRow]]:
    async with (
        pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        cursor = await conn.cursor(ROWS, tenant_id, after_seq, limit)
        while batch := await cursor.fetch(chunk):
            yield [ledger_row(r) for r in batch]


async def ndjson_lines(
    pool: asyncpg.Pool, tenant_id: UUID, after_seq: int = 0, limit: int | None = None
) -> AsyncIterator[bytes]:
    """The export: one NDJSON line a row (services/audit_format.py), a chunk per yield."""
    async for rows in ledger_chunks(pool, tenant_id, after_seq, limit):
        yield b"".join(encode_line(row) for row in rows)
