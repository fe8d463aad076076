"""A superuser tampers with a real ledger in each of four ways; the offline verifier, given
only the export (and, for the tail, a checkpoint kept earlier), names the seq every time."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg
from httpx import AsyncClient

from services.audit.checkpoint_keys import load_public_key
from services.audit.format import decode_line
from services.audit.verify import read_checkpoints, verify_file
from services.runtime import Runtime
from tests.services.audit_support import audited_tenant, export_to, tampering


async def test_an_untouched_export_verifies_up_to_the_head(
    owner: asyncpg.Connection, client: AsyncClient, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    verdict = verify_file(await export_to(client, auditor, tmp_path / "ledger.ndjson"))
    head = await owner.fetchrow(
        "SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1", UUID(tenant.tenant_id)
    )
    assert verdict.ok, verdict.reason
    assert (verdict.head_seq, verdict.head_hash, verdict.rows) == (
        head["seq"],
        head["hash"],
        head["seq"],
    )


async def test_an_altered_row_is_named_by_its_seq(
    owner: asyncpg.Connection, client: AsyncClient, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    target = 4
    async with tampering(owner):
        await owner.execute(
            "UPDATE events SET state = convert_to('{\"summary\":\"forged\"}', 'UTF8')"
            " WHERE tenant_id = $1 AND seq = $2",
            UUID(tenant.tenant_id),
            target,
        )
    verdict = verify_file(await export_to(client, auditor, tmp_path / "ledger.ndjson"))
    assert (verdict.ok, verdict.bad_seq) == (False, target)
    assert "altered" in verdict.reason
    assert verdict.head_seq == target - 1  # intact up to the row before


async def test_a_deleted_row_is_named_by_its_seq(
    owner: asyncpg.Connection, client: AsyncClient, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    target = 5
    async with tampering(owner):
        await owner.execute(
            "DELETE FROM events WHERE tenant_id = $1 AND seq = $2", UUID(tenant.tenant_id), target
        )
    verdict = verify_file(await export_to(client, auditor, tmp_path / "ledger.ndjson"))
    assert (verdict.ok, verdict.bad_seq) == (False, target)
    assert verdict.reason.startswith("row missing")


async def test_a_reordered_row_is_named_by_its_seq(
    owner: asyncpg.Connection, client: AsyncClient, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    tenant_id, target = UUID(tenant.tenant_id), 3
    async with tampering(owner):  # rows 3 and 4 trade places in the tenant's history
        for src, dst in ((target, -1), (target + 1, target), (-1, target + 1)):
            await owner.execute(
                "UPDATE events SET seq = $3 WHERE tenant_id = $1 AND seq = $2", tenant_id, src, dst
            )
    verdict = verify_file(await export_to(client, auditor, tmp_path / "ledger.ndjson"))
    assert (verdict.ok, verdict.bad_seq) == (False, target)
    assert "prev_hash does not link" in verdict.reason


async def test_rows_reordered_in_the_file_are_named_by_the_seq_out_of_place(
    client: AsyncClient, tmp_path: Path
) -> None:
    _, auditor = await audited_tenant(client)
    path = await export_to(client, auditor, tmp_path / "ledger.ndjson")
    lines = path.read_bytes().splitlines(keepends=True)
    lines[5], lines[6] = lines[6], lines[5]  # seq 6 and seq 7
    path.write_bytes(b"".join(lines))
    verdict = verify_file(path)
    assert (verdict.ok, verdict.bad_seq) == (False, 6)
    assert verdict.reason.startswith("reordered: seq 6 is at line 7")


async def test_a_tail_cut_off_inside_the_database_is_caught_by_a_kept_checkpoint(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    signed = await runtime.checkpoints.sign(tenant_id)
    kept = tmp_path / "checkpoints.json"  # what the auditor fetched and kept
    kept.write_bytes((await client.get("/v1/audit/checkpoints", headers=auditor)).content)
    key = load_public_key((await client.get("/v1/audit/checkpoints/public-key")).content)

    # A careful forger: removes the last rows and moves the head back, so the chain left
    # in the database is whole and the server's own check passes.
    cut = signed.seq - 3
    async with tampering(owner):
        await owner.execute("DELETE FROM events WHERE tenant_id = $1 AND seq > $2", tenant_id, cut)
        await owner.execute(
            "UPDATE ledger_heads SET seq = $2,"
            " hash = (SELECT hash FROM events WHERE tenant_id = $1 AND seq = $2)"
            " WHERE tenant_id = $1",
            tenant_id,
            cut,
        )
    # The server holds its ledger to the checkpoint it signed: the cut is found there too.
    served = (await client.get("/v1/audit/verify", headers=auditor)).json()
    # (its own recorded reads went on after the cut, so the ledger ends past ``cut`` again)
    assert served["ok"] is False and cut < served["bad_seq"] <= signed.seq
    assert f"vouches for seq {signed.seq}" in served["reason"]
    path = await export_to(client, auditor, tmp_path / "ledger.ndjson")
    assert verify_file(path).ok  # the chain alone cannot tell

    # The auditor's own reads went on being recorded after the cut, so the file ends
    # wherever they took it; the first seq the checkpoint proves missing is the one after.
    last = decode_line(path.read_bytes().splitlines()[-1]).seq
    assert cut < last < signed.seq
    verdict = verify_file(path, read_checkpoints(kept), key)
    assert (verdict.ok, verdict.bad_seq) == (False, last + 1)
    assert f"tail missing: the file ends at seq {last}" in verdict.reason
    assert f"vouches for seq {signed.seq}" in verdict.reason
