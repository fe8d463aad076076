"""Signed checkpoints: the service signs each tenant's head with Ed25519 and publishes it."""

from __future__ import annotations

import asyncio
import dataclasses
import stat
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from httpx import AsyncClient

from services.audit.checkpoint_keys import Checkpoint, load_or_create_key, load_public_key
from services.audit.checkpoints import ChainBroken, Checkpoints
from services.audit.verify import CheckpointError, verify_file, verify_lines
from services.runtime import Runtime
from tests.services.audit_support import audited_tenant, export_to, tampering
from tests.services.support import complaint_body


async def test_a_signed_head_verifies_with_the_published_key(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, auditor = await audited_tenant(client)
    signed = await runtime.checkpoints.sign(UUID(tenant.tenant_id))
    head = await owner.fetchrow(
        "SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1", UUID(tenant.tenant_id)
    )
    assert (signed.seq, signed.hash) == (head["seq"], head["hash"])

    published = await client.get("/v1/audit/checkpoints/public-key")  # no key needed
    assert published.status_code == 200
    assert published.headers["x-key-id"] == signed.key_id
    listed = (await client.get("/v1/audit/checkpoints", headers=auditor)).json()
    kept = Checkpoint.from_json(listed[-1])
    assert kept == signed
    key = load_public_key(published.content)
    key.verify(kept.signature, kept.message())  # raises if it does not hold


async def test_signing_again_before_the_head_moves_adds_nothing(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client, filings=1)
    tenant_id = UUID(tenant.tenant_id)
    first = await runtime.checkpoints.sign(tenant_id)
    assert await runtime.checkpoints.sign(tenant_id) == first
    assert len(await runtime.checkpoints.after(tenant_id)) == 1


async def test_the_signer_refuses_to_vouch_for_a_broken_chain(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    async with tampering(owner):
        await owner.execute(
            "UPDATE events SET state = 'x' WHERE tenant_id = $1 AND seq = 3", tenant_id
        )
    with pytest.raises(ChainBroken) as broken:
        await runtime.checkpoints.sign(tenant_id)
    assert broken.value.seq == 3
    assert await runtime.checkpoints.after(tenant_id) == []


async def test_checkpoints_cannot_be_changed_even_by_the_owner(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client, filings=1)
    await runtime.checkpoints.sign(UUID(tenant.tenant_id))
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await owner.execute("DELETE FROM checkpoints WHERE tenant_id = $1", UUID(tenant.tenant_id))


async def test_the_periodic_signer_signs_heads_that_moved(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant, _ = await audited_tenant(client, filings=1)
    tenant_id = UUID(tenant.tenant_id)
    signer = Checkpoints(runtime.checkpoints.pool, runtime.checkpoints.key_file, runtime.clock)
    task = asyncio.create_task(signer.run(interval_seconds=0.05))
    try:
        for _ in range(200):
            if await runtime.checkpoints.after(tenant_id):
                break
            await asyncio.sleep(0.05)
    finally:
        task.cancel()
    assert len(await runtime.checkpoints.after(tenant_id)) == 1


async def test_a_forged_or_foreign_checkpoint_is_refused_by_the_verifier(
    client: AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    tenant, _ = await audited_tenant(client, filings=1)
    signed = await runtime.checkpoints.sign(UUID(tenant.tenant_id))
    key = runtime.checkpoints.signer.public_key
    assert verify_lines([], [signed], key).ok is False  # an empty file lacks what it vouches for
    forged = dataclasses.replace(signed, seq=signed.seq + 100)
    with pytest.raises(CheckpointError, match="not signed by the given key"):
        verify_lines([], [forged], key)
    stranger = load_or_create_key(tmp_path / "other.pem").public_key()
    with pytest.raises(CheckpointError):
        verify_lines([], [signed], stranger)
    with pytest.raises(CheckpointError, match="public key"):
        verify_lines([], [signed], None)


async def test_an_export_that_starts_after_a_checkpoint_continues_its_chain(
    client: AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client, filings=1)
    signed = await runtime.checkpoints.sign(UUID(tenant.tenant_id))
    await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    path = await export_to(client, auditor, tmp_path / "tail.ndjson", after_seq=signed.seq)
    key = runtime.checkpoints.signer.public_key
    verdict = verify_file(path, [signed], key)
    assert verdict.ok, verdict.reason
    assert verdict.head_seq > signed.seq
    assert not verify_file(path).ok  # without the checkpoint, seq 1 is missing


def test_the_key_file_is_made_once_readable_only_by_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "checkpoint_ed25519.pem"
    first = load_or_create_key(path)
    again = load_or_create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first.private_bytes_raw() == again.private_bytes_raw()
    assert list(path.parent.iterdir()) == [path]  # no draft left behind
