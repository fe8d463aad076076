"""A database or bus that cannot be reached stops a command with one line naming
DATABASE_URL or NATS_URL (its password hidden) and exit 2; Ctrl-C is exit 130. No
traceback either way."""

from __future__ import annotations

import asyncio
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from services.cli.errors import INTERRUPTED, OPERATOR_ERROR
from services.engines import free_port
from tests.services.cli.cli_support import ROOT, cli_env, closed_nats_url, complaints

SECRET = "s3cret-not-for-logs"


def test_an_unreachable_database_names_database_url_without_its_password(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = cli_env(
        tmp_path,
        DATABASE_URL=f"postgresql://owner:{SECRET}@127.0.0.1:{port}/complaints",
        NATS_URL=closed_nats_url(),
    )
    for argv in (["migrate"], ["audit", "export", "--tenant", "t", "-o", "-"]):
        done = complaints(*argv, env=env)
        assert done.returncode == OPERATOR_ERROR
        assert done.stderr.startswith(
            f"error: cannot reach the database at postgresql://owner:***@127.0.0.1:{port}"
            "/complaints (DATABASE_URL): "
        )
        assert done.stderr.count("\n") == 1 and SECRET not in done.stderr


@pytest.mark.parametrize("argv", [["worker"], ["serve", "--port", "{port}"]], ids=lambda a: a[0])
async def test_an_unreachable_bus_names_nats_url_instead_of_waiting_for_ever(
    argv: list[str], database_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = cli_env(
        tmp_path,
        DATABASE_URL=database_url,
        NATS_URL=f"nats://relay:{SECRET}@127.0.0.1:{port}",
        COMPLAINTS_PLATFORM_ADMIN_KEY="a-platform-key-of-at-least-32-characters",
    )
    argv = [arg.format(port=free_port()) for arg in argv]  # serve would listen there
    done = await asyncio.to_thread(complaints, *argv, env=env)
    assert done.returncode == OPERATOR_ERROR
    assert done.stderr.startswith(
        f"error: cannot reach the bus at nats://relay:***@127.0.0.1:{port} (NATS_URL): "
    )
    assert done.stderr.count("\n") == 1 and SECRET not in done.stderr


def test_ctrl_c_while_waiting_on_the_database_exits_130(tmp_path: Path) -> None:
    with socket.socket() as silent:  # takes the connection and never answers it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(60)
        port = silent.getsockname()[1]
        env = cli_env(tmp_path, DATABASE_URL=f"postgresql://owner@127.0.0.1:{port}/complaints")
        command = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "migrate"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            connection, _ = silent.accept()  # the command waits on the database now
            command.send_signal(signal.SIGINT)
            _, stderr = command.communicate(timeout=30)
            connection.close()
        finally:
            if command.poll() is None:
                command.kill()
                command.wait()
    assert (command.returncode, stderr) == (INTERRUPTED, "interrupted\n")
