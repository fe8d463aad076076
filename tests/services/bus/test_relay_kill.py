"""``complaints worker`` killed with SIGKILL halfway through publishing a batch, then started
again: the stream ends with every message once; the republished ones were dropped by the
server's duplicate window."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from uuid import UUID

import nats
import nats.js.errors
from nats.aio.client import Client as NatsClient

from services.bus.stream_config import STREAM
from services.engines import EmbeddedNats
from services.runtime import Runtime
from tests.services.bus.support import (
    create_tenant,
    eventually,
    expected_messages,
    file_and_escalate,
    read_all,
    relay_position,
)

ROOT = Path(__file__).parents[3]


def start_worker(database_url: str, nats_url: str, log: Path, keys: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "COMPLAINTS_KEY_DIR": str(keys),  # the runtime's: it opens what the runtime sealed
        "PYTHONPATH": str(ROOT),
    }
    with log.open("a") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "services.cli", "worker", "--no-watcher", "--no-webhooks",
             "--relay-batch-size", "50000"],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def test_a_relay_killed_mid_batch_leaves_no_gap_and_no_duplicate(
    own_runtime: Runtime, own_database: str, own_nats: EmbeddedNats, tmp_path: Path
) -> None:
    runtime = own_runtime
    tenant = await create_tenant(runtime)
    await file_and_escalate(runtime, tenant, 1000)  # one batch of 6,500 messages
    head = (await runtime.ledger.head(tenant.id))[0]
    wanted = await expected_messages(runtime, tenant.id)
    total = sum(len(ids) for ids in wanted.values())
    watcher = await nats.connect(own_nats.url)
    log = tmp_path / "worker.log"
    worker = start_worker(own_database, own_nats.url, log, runtime.settings.key_path)
    try:
        # Kill it once part of the batch is in the stream and none of it is marked sent.
        await eventually(lambda: _stored(watcher, 800), 30, "the relay publishes")
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        assert await relay_position(runtime, tenant.id) == 0, "the batch was marked sent"
        before = await _settled(watcher)  # what was on the wire still lands after the kill
        assert 800 <= before < total, log.read_text()

        worker = start_worker(own_database, own_nats.url, log, runtime.settings.key_path)
        await eventually(lambda: _at(runtime, tenant.id, head), 30, "the restarted relay")
        assert await _messages(watcher) == total  # no gap, nothing twice
        js = runtime.nats.jetstream()
        for role, ids in wanted.items():
            received: Counter[str] = await read_all(js, tenant.id, role)
            assert set(received) == ids and max(received.values()) == 1, role
        dropped = re.findall(r"(\d+) duplicates dropped by the server", log.read_text())
        assert [int(n) for n in dropped] == [before]
        print(f"\nkilled after {before} of {total} messages; {before} republished and dropped")
    finally:
        worker.kill()
        worker.wait(timeout=10)
        await watcher.close()


async def _messages(nc: NatsClient) -> int:
    return (await nc.jetstream().stream_info(STREAM)).state.messages


async def _settled(nc: NatsClient) -> int:
    count = await _messages(nc)
    for _ in range(100):  # bounded: the server drains its socket in a few seconds at most
        await asyncio.sleep(0.3)
        count, last = await _messages(nc), count
        if count == last:
            return count
    raise AssertionError("the stream kept growing after the relay was killed")


async def _stored(nc: NatsClient, at_least: int) -> bool:
    try:
        return await _messages(nc) >= at_least
    except nats.js.errors.NotFoundError:
        return False  # not created yet


async def _at(runtime: Runtime, tenant_id: UUID, head: int) -> bool:
    return await relay_position(runtime, tenant_id) == head
