"""``complaints audit export | verify | checkpoint`` on a real ledger; verify runs offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from httpx import AsyncClient

from services.audit.checkpoint_keys import public_pem
from services.cli import main
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from tests.services.audit_support import audited_tenant, tampering
from tests.services.cli.cli_support import run
from tests.services.support import TenantKeys


async def exported(tenant: TenantKeys, path: Path, settings: Settings, urls: EngineUrls) -> Path:
    assert (
        await run(["audit", "export", "--tenant", tenant.slug, "-o", str(path)], settings, urls)
        == 0
    )
    return path


async def test_export_then_verify_says_ok_with_the_head(
    client: AsyncClient,
    settings: Settings,
    urls: EngineUrls,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, _ = await audited_tenant(client)
    path = await exported(tenant, tmp_path / "ledger.ndjson", settings, urls)
    capsys.readouterr()
    assert main(["audit", "verify", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("OK: ") and f"tenant {tenant.tenant_id}" in out


async def test_verify_names_the_altered_seq_and_fails(
    owner: asyncpg.Connection,
    client: AsyncClient,
    settings: Settings,
    urls: EngineUrls,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, _ = await audited_tenant(client)
    async with tampering(owner):
        await owner.execute(
            "UPDATE events SET originator_version = 99 WHERE tenant_id = $1 AND seq = 7",
            UUID(tenant.tenant_id),
        )
    path = await exported(tenant, tmp_path / "ledger.ndjson", settings, urls)
    capsys.readouterr()
    assert main(["audit", "verify", str(path)]) == 1
    assert capsys.readouterr().out.startswith("FAILED at seq 7: hash does not match")


async def test_a_tail_cut_in_the_database_fails_against_checkpoints_kept_from_the_cli(
    owner: asyncpg.Connection,
    client: AsyncClient,
    runtime: Runtime,
    settings: Settings,
    urls: EngineUrls,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, _ = await audited_tenant(client)
    tenant_id = UUID(tenant.tenant_id)
    capsys.readouterr()
    assert await run(["audit", "checkpoint", "--tenant", tenant.slug], settings, urls) == 0
    kept = tmp_path / "checkpoints.ndjson"
    kept.write_text(capsys.readouterr().out)
    signed_seq = json.loads(kept.read_text())["seq"]
    key = tmp_path / "key.pem"
    key.write_bytes(public_pem(runtime.checkpoints.signer.public_key))

    async with tampering(owner):
        await owner.execute("DELETE FROM events WHERE tenant_id = $1 AND seq > 5", tenant_id)
        await owner.execute(
            "UPDATE ledger_heads SET seq = 5,"
            " hash = (SELECT hash FROM events WHERE tenant_id = $1 AND seq = 5)"
            " WHERE tenant_id = $1",
            tenant_id,
        )
    path = await exported(tenant, tmp_path / "ledger.ndjson", settings, urls)
    capsys.readouterr()
    argv = ["audit", "verify", str(path), "--checkpoints", str(kept), "--public-key", str(key)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert out.startswith("FAILED at seq 6: tail missing: the file ends at seq 5")
    assert f"vouches for seq {signed_seq}" in out


def test_verify_needs_no_database_and_no_service(tmp_path: Path) -> None:
    """Run as an auditor would, elsewhere: no DATABASE_URL, no NATS_URL, nothing listening."""
    path = tmp_path / "empty.ndjson"
    path.write_text("")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env["COMPLAINTS_DATA_DIR"] = str(tmp_path / "no-engines-here")
    done = subprocess.run(
        [sys.executable, "-m", "services.cli", "audit", "verify", str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK: 0 rows")
    assert not (tmp_path / "no-engines-here").exists()  # no engine was started
