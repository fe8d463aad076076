"""Sign each tenant's ledger head from time to time, and hand the checkpoints to auditors.

Before signing, the rows written since the tenant's last checkpoint are walked from that
checkpoint's hash to the head: a checkpoint vouches only for a chain that held when signed,
and the walk costs only the new rows.
"""

from __future__ import annotations

import asyncio
import logging
from functools import cached_property
from pathlib import Path
from uuid import UUID

import asyncpg

from services.audit.chain import ZERO_HASH, ChainWalk
from services.audit.checkpoint_keys import Checkpoint, Signer, signature_holds
from services.audit.export import ledger_chunks
from services.clock import Clock
from services.store.tenant_rows import tenant_transaction

log = logging.getLogger(__name__)

BEHIND = """
SELECT h.tenant_id FROM ledger_heads h
 WHERE h.seq > COALESCE((SELECT max(c.seq) FROM checkpoints c WHERE c.tenant_id = h.tenant_id), 0)
"""
LATEST = """
SELECT tenant_id, seq, hash, signed_at, key_id, signature FROM checkpoints
 WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1
"""
AFTER = """
SELECT tenant_id, seq, hash, signed_at, key_id, signature FROM checkpoints
 WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
"""
INSERT = """
INSERT INTO checkpoints (tenant_id, seq, hash, signed_at, key_id, signature)
VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, seq) DO NOTHING
RETURNING seq
"""
REFUSED = """
INSERT INTO checkpoint_refusals (tenant_id, seq, reason) VALUES ($1, $2, $3)
ON CONFLICT (tenant_id) DO UPDATE SET seq = excluded.seq, reason = excluded.reason,
    noticed_at = now()
"""
REFUSALS = "SELECT * FROM checkpoint_refused()"
# The first checkpoint whose seq the ledger no longer holds with the hash it signed.
CONTRADICTED = """
SELECT c.seq, c.hash AS signed, e.hash AS held FROM checkpoints c
  LEFT JOIN events e ON e.tenant_id = c.tenant_id AND e.seq = c.seq
 WHERE c.tenant_id = $1 AND e.hash IS DISTINCT FROM c.hash
 ORDER BY c.seq LIMIT 1
"""
AT_SEQ = """
SELECT tenant_id, seq, hash, signed_at, key_id, signature FROM checkpoints
 WHERE tenant_id = $1 AND seq = $2
"""


class ChainBroken(Exception):
    def __init__(self, tenant_id: UUID, seq: int, reason: str) -> None:
        super().__init__(f"tenant {tenant_id}: not signing, seq {seq}: {reason}")
        self.seq = seq
        self.reason = reason


class Checkpoints:
    def __init__(self, pool: asyncpg.Pool, key_file: Path, clock: Clock) -> None:
        self.pool = pool
        self.key_file = key_file
        self.clock = clock

    @cached_property
    def signer(self) -> Signer:
        # Loaded (or made) on first use, so opening a runtime touches no file.
        return Signer.from_file(self.key_file)

    async def sign(self, tenant_id: UUID) -> Checkpoint | None:
        """Sign the tenant's head now; the latest checkpoint if the head has not moved."""
        latest = await self.latest(tenant_id)
        head = await self.pool.fetchrow(
            "SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1", tenant_id
        )
        if head is None or (latest is not None and head["seq"] <= latest.seq):
            return latest
        walk = ChainWalk(latest.seq, latest.hash) if latest else ChainWalk(0, ZERO_HASH)
        async for rows in ledger_chunks(self.pool, tenant_id, walk.seq, head["seq"] - walk.seq):
            for row in rows:
                reason = walk.step(row)
                if reason is not None:
                    raise ChainBroken(tenant_id, min(row.seq, walk.seq + 1), reason)
        if (walk.seq, walk.hash) != (head["seq"], head["hash"]):
            raise ChainBroken(tenant_id, walk.seq + 1, f"tail missing: head at {head['seq']}")
        checkpoint = self.signer.sign(tenant_id, walk.seq, walk.hash, self.clock.now())
        inserted = await self.pool.fetchval(
            INSERT,
            tenant_id,
            checkpoint.seq,
            checkpoint.hash,
            checkpoint.signed_at,
            checkpoint.key_id,
            checkpoint.signature,
        )
        if inserted is None:  # another process signed this head first: theirs is the record
            return _checkpoint(await self.pool.fetchrow(AT_SEQ, tenant_id, checkpoint.seq))
        return checkpoint

    async def sign_all(self) -> int:
        """Sign every tenant whose head moved since its last checkpoint; how many were. A
        broken chain is refused and recorded (``refusals``), until a signature succeeds."""
        signed = 0
        for record in await self.pool.fetch(BEHIND):
            tenant_id = record["tenant_id"]
            try:
                signed += await self.sign(tenant_id) is not None
            except ChainBroken as broken:
                log.error("%s", broken)
                await self.pool.execute(REFUSED, tenant_id, broken.seq, broken.reason)
            else:
                await self.pool.execute(
                    "DELETE FROM checkpoint_refusals WHERE tenant_id = $1", tenant_id
                )
        return signed

    async def refusals(self) -> list[asyncpg.Record]:
        """Tenants whose chain the signer found broken: (tenant_id, seq, reason, noticed_at)."""
        return await self.pool.fetch(REFUSALS)

    async def contradiction(self, tenant_id: UUID, head_seq: int) -> tuple[int, str] | None:
        """Where the ledger as it stands contradicts the tenant's signed checkpoints, as
        (first bad seq, reason); None when every checkpoint still holds. A chain can be whole
        and still wrong: cut at the tail with the head row moved back, or rewritten from some
        row on with every later hash recomputed; a checkpoint signed over the old rows tells.
        (Checkpoints deleted with the rows they signed only an auditor's kept copy can show.)"""
        latest = await self.latest(tenant_id)
        if latest is None:
            return None
        if not signature_holds(latest, self.signer.public_key):
            return latest.seq, f"the checkpoint at seq {latest.seq} does not bear our signature"
        if latest.seq > head_seq:
            return head_seq + 1, (
                f"tail missing: the ledger ends at seq {head_seq}, a checkpoint signed at "
                f"{latest.signed_at.isoformat()} vouches for seq {latest.seq}"
            )
        async with tenant_transaction(self.pool, tenant_id) as conn:
            found = await conn.fetchrow(CONTRADICTED, tenant_id)
        if found is not None:
            return found["seq"], f"seq {found['seq']} is not the row its checkpoint signed"
        return None

    async def run(self, interval_seconds: float) -> None:
        while True:
            try:
                await self.sign_all()
            except Exception:
                # a database outage must not end the signing for good: next round retries
                log.exception("signing checkpoints failed")
            await asyncio.sleep(interval_seconds)

    async def latest(self, tenant_id: UUID) -> Checkpoint | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            record = await conn.fetchrow(LATEST, tenant_id)
        return _checkpoint(record) if record else None

    async def after(
        self, tenant_id: UUID, after_seq: int = 0, limit: int = 1000
    ) -> list[Checkpoint]:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return [_checkpoint(r) for r in await conn.fetch(AFTER, tenant_id, after_seq, limit)]


def _checkpoint(record: asyncpg.Record) -> Checkpoint:
    return Checkpoint(
        tenant_id=UUID(bytes=record["tenant_id"].bytes),
        seq=record["seq"],
        hash=record["hash"],
        signed_at=record["signed_at"],
        key_id=record["key_id"],
        signature=record["signature"],
    )
