"""The server holds its ledger to the checkpoints it signed: a chain that is whole but not the
one it vouched for is reported, and a broken one is refused a signature, visibly."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from httpx import AsyncClient

from services.runtime import Runtime
from tests.services.audit_support import audited_tenant, tampering


async def cut_tail(owner: asyncpg.Connection, tenant_id: UUID, cut: int) -> None:
    """A careful forger: removes the last rows and moves the head back, so the chain left in
    the database is whole."""
    async with tampering(owner):
        await owner.execute("DELETE FROM events WHERE tenant_id = $1 AND seq > $2", tenant_id, cut)
        await owner.execute(
            "UPDATE ledger_heads SET seq = $2,"
            " hash = (SELECT hash FROM events WHERE tenant_id = $1 AND seq = $2)"
            " WHERE tenant_id = $1",
            tenant_id,
            cut,
        )


async def test_a_tail_cut_with_the_head_moved_back_contradicts_the_last_checkpoint(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    signed = await runtime.checkpoints.sign(tenant_id)
    assert await runtime.checkpoints.contradiction(tenant_id, signed.seq) is None
    cut = signed.seq - 3
    await cut_tail(owner, tenant_id, cut)
    assert (await runtime.ledger.verify(tenant_id)).ok  # the chain alone cannot tell
    bad_seq, reason = await runtime.checkpoints.contradiction(tenant_id, cut)
    assert bad_seq == cut + 1
    assert f"vouches for seq {signed.seq}" in reason


async def test_a_row_rewritten_with_every_later_hash_recomputed_contradicts_its_checkpoint(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    signed = await runtime.checkpoints.sign(tenant_id)
    async with tampering(owner):  # the signed row now holds other bytes, hash and all
        await owner.execute(
            "UPDATE events SET hash = sha256(hash) WHERE tenant_id = $1 AND seq = $2",
            tenant_id,
            signed.seq,
        )
    bad_seq, reason = await runtime.checkpoints.contradiction(tenant_id, signed.seq)
    assert bad_seq == signed.seq and "is not the row its checkpoint signed" in reason


async def test_the_signer_refuses_a_broken_chain_and_says_so_in_ready_and_metrics(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    signed = await runtime.checkpoints.sign(tenant_id)
    more = await client.post(
        "/v1/complaints",
        headers=tenant.admin,
        json={"summary": "another", "channel": "phone", "complainant": {"name": "x"}},
    )
    assert more.status_code == 201
    async with tampering(owner):  # a row after the checkpoint no longer links
        await owner.execute(
            "UPDATE events SET prev_hash = sha256(prev_hash) WHERE tenant_id = $1 AND seq = $2",
            tenant_id,
            signed.seq + 1,
        )
    await runtime.checkpoints.sign_all()
    assert (await runtime.checkpoints.latest(tenant_id)).seq == signed.seq  # nothing signed
    ready = (await client.get("/ready")).json()
    assert str(tenant_id) in ready["checkpoints_refused"]
    metrics = (await client.get("/metrics")).text
    assert f'complaints_checkpoint_refused_seq{{tenant="{tenant_id}"}} {signed.seq + 1}' in metrics
