"""Export, rebuild, what-if and verify show their progress on stderr when it is a terminal,
and print nothing of it into a pipe or a file."""

from __future__ import annotations

import asyncio
import os
import pty
import subprocess
import sys
import threading
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx import AsyncClient

from services.audit.chain import ZERO_HASH, LedgerRow, row_hash
from services.audit.format import encode_line
from services.audit.verify import PROGRESS_EVERY, last_seq, verify_file
from services.settings import Settings
from tests.services.audit_support import audited_tenant
from tests.services.cli.cli_support import ROOT, cli_env, closed_nats_url, complaints
from tests.services.support import complaint_body


@pytest.fixture
def env(database_url: str, settings: Settings) -> dict[str, str]:
    return cli_env(
        settings.data_dir, DATABASE_URL=database_url, NATS_URL=closed_nats_url(), TERM="xterm"
    )


def on_a_terminal(argv: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stderr on a pseudo-terminal; its exit code and what the terminal showed."""
    terminal, stderr = pty.openpty()
    command = subprocess.Popen(
        [sys.executable, "-m", "services.cli", *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
    )
    os.close(stderr)
    shown = bytearray()

    def read() -> None:
        while True:
            try:
                part = os.read(terminal, 4096)
            except OSError:  # EIO: the command closed its end
                return
            if not part:
                return
            shown.extend(part)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        code = command.wait(timeout=60)
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
        reader.join(timeout=10)
        os.close(terminal)
    return code, shown.decode(errors="replace")


async def test_long_commands_draw_progress_on_a_terminal_and_nothing_into_a_pipe(
    client: AsyncClient, env: dict[str, str], tmp_path: Path
) -> None:
    tenant, _ = await audited_tenant(client)
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(category="service_complaint")
    )
    export = tmp_path / "ledger.ndjson"
    runs = {
        "exporting": ["audit", "export", "--tenant", tenant.slug, "-o", str(export)],
        "rebuilding views": ["projections", "rebuild", "--tenant", tenant.slug],
        "re-deciding case": ["audit", "what-if", "--tenant", tenant.slug,
                             "--case", filed.json()["id"], "--policy", "hospital@1"],
    }  # fmt: skip
    for shown_as, argv in runs.items():
        code, shown = await asyncio.to_thread(on_a_terminal, argv, env)
        assert code == 0, shown
        assert shown_as in shown
        piped = await asyncio.to_thread(complaints, *argv, env=env)
        assert piped.returncode == 0, piped.stderr
        assert shown_as not in piped.stderr and "\x1b" not in piped.stderr
        if argv[:2] == ["audit", "export"]:  # its own line, alone
            rows = export.read_text().count("\n")
            assert piped.stderr == f"exported {rows} rows to {export}\n"


def chained_ledger(path: Path, rows: int) -> Path:
    """An export of ``rows`` rows whose chain holds, written without a database."""
    tenant, case = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 3, 1, tzinfo=UTC)
    prev = ZERO_HASH
    with path.open("wb") as out:
        for seq in range(1, rows + 1):
            row = LedgerRow(tenant, seq, case, seq, "domain.test:Noted", b"{}", at, prev, prev)
            row = LedgerRow(**{**row.__dict__, "hash": row_hash(prev, row)})
            out.write(encode_line(row))
            prev = row.hash
    return path


def test_verify_reports_the_seq_reached_once_a_batch_and_at_the_end(tmp_path: Path) -> None:
    rows = 2 * PROGRESS_EVERY + 5
    ledger = chained_ledger(tmp_path / "ledger.ndjson", rows)
    reached: list[int] = []
    assert verify_file(ledger, on_progress=reached.append).ok
    assert reached == [PROGRESS_EVERY, 2 * PROGRESS_EVERY, rows]
    assert last_seq(ledger) == rows
    with ledger.open("ab") as out:  # blank lines after the last row change nothing
        out.write(b"\n  \n")
    assert last_seq(ledger) == rows
    with ledger.open("ab") as out:  # a last line that is no row: a bar with no end
        out.write(b"not a row\n")
    assert last_seq(ledger) is None


def test_verify_draws_a_bar_up_to_the_files_head_and_nothing_into_a_pipe(
    tmp_path: Path,
) -> None:
    rows = PROGRESS_EVERY + 1
    ledger = chained_ledger(tmp_path / "ledger.ndjson", rows)
    # offline: no database, no bus; a terminal wide enough for the path and the counts
    env = cli_env(tmp_path / "data", TERM="xterm", COLUMNS="240")
    argv = ["audit", "verify", str(ledger)]
    code, shown = on_a_terminal(argv, env)
    assert code == 0, shown
    assert "verifying" in shown and f"{rows}/{rows}" in shown, shown
    piped = complaints(*argv, env=env)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == "" and piped.stdout.startswith(f"OK: {rows} rows")
