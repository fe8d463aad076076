"""Embedded engines: start from the wheels, answer, stop, and say clearly when they cannot."""

from __future__ import annotations

import socket
from pathlib import Path

import asyncpg
import nats
import pytest

from services.engines import EmbeddedNats, EmbeddedPostgres, EngineError, free_port


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
