"""Embedded engines: start from the wheels, answer, stop, and say clearly when they cannot;
let nobody in without a password; a nats-server that dies is started again, a PostgreSQL
that dies is reported. Every engine here is the test's own, on a free port."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import stat
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import nats
import pytest

from services.engines import (
    NATS_CONFIG,
    PG_OWNER,
    SERVICE_ROLES,
    EmbeddedNats,
    EmbeddedPostgres,
    EngineError,
    free_port,
    port_answers,
)
from services.runtime import role_url

# pg_hba.conf as initdb --auth=trust wrote it, which embedded clusters had before passwords
TRUSTING_HBA = """\
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
host    replication     all             ::1/128                 trust
"""


async def test_embedded_postgres_and_nats_start_answer_and_stop(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port()).start()
    bus = EmbeddedNats(tmp_path / "nats", free_port()).start()
    try:
        conn = await asyncpg.connect(pg.url)
        assert await conn.fetchval("SELECT 1") == 1
        await conn.close()
        client = await nats.connect(bus.url)
        info = await client.jetstream().account_info()
        assert info is not None  # JetStream is on
        await client.close()
        processes = [pg.process, bus.process]
    finally:
        pg.stop()
        bus.stop()
    assert all(p.poll() is not None for p in processes)


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        with pytest.raises(EngineError, match=f"port {port} is taken"):
            EmbeddedPostgres(tmp_path / "pg", port).start()
        with pytest.raises(EngineError, match=f"port {port} is taken"):
            EmbeddedNats(tmp_path / "nats", port).start()


async def test_embedded_postgres_lets_no_role_in_without_its_password(tmp_path: Path) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port()).start()
    try:
        assert stat.S_IMODE(pg.passfile.stat().st_mode) == 0o600
        assert "trust" not in hba_methods(pg)
        for role in (PG_OWNER, *SERVICE_ROLES):
            bare = f"postgresql://{role}@127.0.0.1:{pg.port}/postgres"
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(bare, passfile=str(tmp_path / "no-such-file"))
            with pytest.raises(asyncpg.InvalidPasswordError):
                await asyncpg.connect(bare, password="guessed")
        # the owner's URL carries its password; a role's URL made from it finds the role's
        for url in (pg.url, *(role_url(pg.url, None, role) for role in SERVICE_ROLES)):
            conn = await asyncpg.connect(url)
            assert await conn.fetchval("SELECT current_user") == urlsplit(url).username
            await conn.close()
    finally:
        pg.stop()


async def test_a_cluster_for_the_deploy_script_leaves_the_service_roles_to_it(
    tmp_path: Path,
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port(), roles=()).start()
    try:
        conn = await asyncpg.connect(pg.url)
        made = "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1)"
        assert await conn.fetchval(made, list(SERVICE_ROLES)) == 0
        await conn.close()
    finally:
        pg.stop()


async def test_a_cluster_made_with_trust_asks_for_passwords_from_its_next_start(
    tmp_path: Path,
) -> None:
    pg = EmbeddedPostgres(tmp_path / "pg", free_port()).start()
    try:
        conn = await asyncpg.connect(pg.url)
        await conn.execute("CREATE TABLE kept (note text); INSERT INTO kept VALUES ('before')")
        await conn.close()
    finally:
        pg.stop()
    (pg.data_dir / "pg_hba.conf").write_text(TRUSTING_HBA)
    pg.passfile.unlink()  # clusters made with trust had no passwords file
    pg.start()
    try:
        assert "trust" not in hba_methods(pg)
        with pytest.raises(asyncpg.InvalidPasswordError):
            bare = f"postgresql://{PG_OWNER}@127.0.0.1:{pg.port}/postgres"
            await asyncpg.connect(bare, passfile=str(tmp_path / "no-such-file"))
        conn = await asyncpg.connect(pg.url)
        assert await conn.fetchval("SELECT note FROM kept") == "before"
        await conn.close()
    finally:
        pg.stop()


def test_a_postgres_that_dies_is_reported(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="services.engines")
    pg = EmbeddedPostgres(tmp_path / "pg", free_port()).start()
    try:
        assert pg.process is not None and pg.alive
        postmaster = pg.process.pid
        os.kill(postmaster, signal.SIGKILL)
        eventually(lambda: not pg.alive)
        eventually(lambda: any("PostgreSQL" in r.getMessage() for r in caplog.records))
    finally:
        pg.stop()
    eventually(lambda: not session_members(postmaster))  # its backends follow it


async def test_a_killed_nats_server_is_started_again_with_its_messages(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="services.engines")
    bus = EmbeddedNats(tmp_path / "nats", free_port(), config=NATS_CONFIG).start()
    first = bus.process
    assert first is not None
    reconnected = asyncio.Event()

    async def on_reconnect() -> None:
        reconnected.set()

    client = await nats.connect(
        bus.url, max_reconnect_attempts=-1, reconnect_time_wait=0.2, reconnected_cb=on_reconnect
    )
    try:
        js = client.jetstream()
        await js.add_stream(name="KEPT", subjects=["kept.>"])
        for n in range(3):
            await js.publish(f"kept.{n}", f"message {n}".encode())
        first.send_signal(signal.SIGKILL)
        await asyncio.wait_for(reconnected.wait(), 30)
        assert bus.restarts == 1 and bus.process is not None and bus.process.pid != first.pid
        assert (await js.stream_info("KEPT")).state.messages == 3
        reader = await js.pull_subscribe("kept.>", durable="reader")
        got = await reader.fetch(3, timeout=5)
        assert [m.data for m in got] == [f"message {n}".encode() for n in range(3)]
        assert (await js.publish("kept.3", b"message 3")).seq == 4
        assert any("exited" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)
    finally:
        await client.close()
        latest = bus.process
        bus.stop()
    assert first.poll() is not None and latest is not None and latest.poll() is not None
    time.sleep(0.5)  # past the first restart pause: a stopped server stays stopped
    assert not port_answers(bus.port) and bus.process is None


def hba_methods(pg: EmbeddedPostgres) -> set[str]:
    lines = (pg.data_dir / "pg_hba.conf").read_text().splitlines()
    return {line.split()[-1] for line in lines if line.strip() and not line.startswith("#")}


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def session_members(session: int) -> list[int]:
    """The live processes of a session: an engine and every process it started."""
    members = []
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _ppid, _group, sid = stat_file.read_text().rsplit(")", 1)[1].split()[:4]
        except OSError:
            continue
        if int(sid) == session and state != "Z":
            members.append(int(stat_file.parent.name))
    return members
