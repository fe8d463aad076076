"""A runtime closes within seconds when its bus is gone: nats-py's drain waits for a server
that no longer answers (up to its own 30 s), and refuses while the client reconnects (for
ever, as ours do), which left the client reconnecting after close."""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import pytest

from services.engines import EmbeddedNats, free_port
from services.runtime import BUS_CLOSE_TIMEOUT_S, Runtime
from services.settings import Settings


@pytest.mark.parametrize(
    ("death", "noticed"),
    [(signal.SIGKILL, False), (signal.SIGKILL, True), (signal.SIGSTOP, False)],
    ids=["killed", "killed-client-reconnecting", "frozen"],
)
async def test_a_runtime_whose_bus_is_gone_closes_within_seconds(
    database_url: str, tmp_path: Path, death: signal.Signals, noticed: bool
) -> None:
    bus = EmbeddedNats(tmp_path / "nats", free_port(), restart=False).start()
    try:
        settings = Settings(data_dir=tmp_path / "data", workers_in_process=False)
        runtime = await Runtime(settings, database_url, bus.url).open()
        await runtime.nats.subscribe("complaints.>")  # something for a drain to wait on
        assert bus.process is not None
        bus.process.send_signal(death)
        while noticed and runtime.nats.is_connected:
            await asyncio.sleep(0.05)
        began = time.monotonic()
        await asyncio.wait_for(runtime.close(), 30)
        assert time.monotonic() - began < BUS_CLOSE_TIMEOUT_S + 2
        assert runtime.nats.is_closed  # no reconnecting left behind
    finally:
        bus.kill()  # SIGKILL: a frozen server takes no other signal
