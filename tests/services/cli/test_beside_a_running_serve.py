"""A command run beside ``make run`` uses the embedded engines the running ``serve`` started
on the same data dir, instead of trying to start its own on their ports, and leaves them
running; a port held by anything else is still a clear error."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import nats
import pytest

from services.engines import (
    EmbeddedNats,
    EmbeddedPostgres,
    EngineError,
    engines,
    free_port,
    secured_nats_config,
)
from services.settings import Settings
from tests.services.cli.cli_support import ROOT, cli_env, complaints


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """Outside pytest's temporary root, which another pytest run on this machine may close
    to other users (0700) while the engine's unprivileged user writes in it."""
    with tempfile.TemporaryDirectory(prefix="complaints-beside-") as made:
        yield Path(made)


async def test_engines_of_the_data_dir_running_elsewhere_are_used_and_left_running(
    data_dir: Path,
) -> None:
    settings = Settings(
        data_dir=data_dir, embedded_pg_port=free_port(), embedded_nats_port=free_port()
    )
    pg = EmbeddedPostgres(data_dir / "pg", settings.embedded_pg_port).start()
    bus = EmbeddedNats(
        data_dir / "nats", settings.embedded_nats_port, config=secured_nats_config(data_dir)
    ).start()
    try:
        with engines(settings) as urls:
            conn = await asyncpg.connect(urls.database_url)
            assert await conn.fetchval("SELECT current_setting('port')::int") == pg.port
            await conn.close()
            assert urls.nats_url == bus.url
        assert pg.alive and bus.process is not None and bus.process.poll() is None
        # the data dir's logins still open the bus: its config was not written anew
        passwords = json.loads((data_dir / "nats-users.json").read_text())
        client = await nats.connect(bus.url, user="reader", password=passwords["reader"])
        await client.close()
    finally:
        pg.stop()
        bus.stop()


def test_a_port_held_by_another_program_is_still_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        settings = Settings(database_url="unused", data_dir=tmp_path, embedded_nats_port=port)
        with pytest.raises(EngineError, match=f"port {port} is taken"), engines(settings):
            pass


def test_a_stopped_serve_s_pid_files_are_not_taken_for_running_engines(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port())
    bus = EmbeddedNats(tmp_path / "nats", free_port())
    (tmp_path / "pg").mkdir()
    (tmp_path / "nats").mkdir()
    # what a server killed with SIGKILL leaves: its pid, now no one's, and its port
    dead = subprocess.Popen(["true"])
    dead.wait()
    (pg.data_dir / "postmaster.pid").write_text(f"{dead.pid}\n{pg.data_dir}\n0\n{pg.port}\n")
    bus.pid_path.write_text(f'{{"pid": {dead.pid}, "port": {bus.port}}}')
    assert pg.running_port() is None and bus.running_port() is None


def test_commands_beside_a_running_serve_use_its_engines(data_dir: Path, tmp_path: Path) -> None:
    env = cli_env(
        data_dir / "var",
        COMPLAINTS_PORT=str(free_port()),
        COMPLAINTS_EMBEDDED_PG_PORT=str(free_port()),
        COMPLAINTS_EMBEDDED_NATS_PORT=str(free_port()),
    )
    base = f"http://127.0.0.1:{env['COMPLAINTS_PORT']}"
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        serve = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--demo"],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(base, serve, log)
        export = tmp_path / "ledger.ndjson"
        for argv in (
            ["migrate"],
            ["tenant", "create", "--slug", "beside", "--name", "Beside", "--policy", "school@1"],
            ["audit", "export", "--tenant", "demo-school", "-o", str(export)],
        ):
            done = complaints(*argv, env=env)
            assert done.returncode == 0, f"{argv}: {done.stderr}"
        assert export.read_text().count("\n") > 0
        # its engines outlived the commands: the service still reaches both
        assert httpx.get(f"{base}/ready", timeout=10).status_code == 200
    finally:
        serve.send_signal(signal.SIGINT)
        try:
            serve.wait(timeout=30)
        except subprocess.TimeoutExpired:
            serve.kill()
            serve.wait()


def wait_until_serving(base: str, serve: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        assert serve.poll() is None, log.read_text()
        if "File a first complaint" in log.read_text():  # the demo tenants exist
            return
        time.sleep(0.2)
    raise AssertionError(f"serve --demo did not come up:\n{log.read_text()}")
