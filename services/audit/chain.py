"""The ledger's hash chain computed without a database (docs/ledger.md, docs/audit.md).

These bytes must equal the SQL function ``ledger_row_bytes`` in migrations/001_ledger.sql
exactly; a test compares the two on real rows. Standard library only, so an auditor can run
the check anywhere.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

ZERO_HASH = bytes(32)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class LedgerRow:
    tenant_id: UUID
    seq: int
    originator_id: UUID
    originator_version: int
    topic: str
    state: bytes
    recorded_at: datetime
    prev_hash: bytes
    hash: bytes


def micros(at: datetime) -> int:
    """Microseconds since 1970-01-01 UTC, exactly (no float on the way)."""
    return (at - EPOCH) // ONE_MICROSECOND


def row_bytes(row: LedgerRow) -> bytes:
    topic = row.topic.encode()
    return b"".join(
        (
            row.tenant_id.bytes,
            struct.pack(">q", row.seq),
            row.originator_id.bytes,
            struct.pack(">q", row.originator_version),
            struct.pack(">i", len(topic)),
            topic,
            struct.pack(">i", len(row.state)),
            row.state,
            struct.pack(">q", micros(row.recorded_at)),
        )
    )


def row_hash(prev_hash: bytes, row: LedgerRow) -> bytes:
    return hashlib.sha256(prev_hash + row_bytes(row)).digest()


class ChainWalk:
    """Follows one tenant's rows in order and names the first that does not hold."""

    def __init__(self, seq: int = 0, hash: bytes = ZERO_HASH) -> None:
        self.seq = seq
        self.hash = hash

    def step(self, row: LedgerRow) -> str | None:
        """Advance past ``row``; a reason when it breaks the chain (and nothing moves)."""
        expected = self.seq + 1
        if row.seq < expected:
            return f"seq out of order: seq {row.seq} comes after seq {self.seq}"
        if row.seq > expected:
            return f"row missing: seq {expected} (the next row is seq {row.seq})"
        if row.prev_hash != self.hash:
            return (
                f"prev_hash does not link to seq {self.seq}: "
                "a row was reordered, replaced or rewritten"
            )
        if row.hash != row_hash(self.hash, row):
            return "hash does not match the row's content: the row was altered"
        self.seq, self.hash = row.seq, row.hash
        return None
