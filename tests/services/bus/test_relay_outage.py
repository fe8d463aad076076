"""NATS away while cases are filed and escalated: the relay waits, and on its return every role
receives each of its messages exactly once."""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import nats.js.errors
from nats.js import JetStreamContext

from services.bus.consumers import role_consumer_config
from services.bus.relay import Relay
from services.bus.stream_config import STREAM
from services.engines import EmbeddedNats
from services.runtime import Runtime
from services.workers.start import relay_for
from tests.services.bus.support import (
    create_tenant,
    eventually,
    expected_messages,
    file_and_escalate,
    read_all,
    relay_position,
)


async def test_nats_down_while_500_cases_escalate_loses_and_repeats_nothing(
    own_runtime: Runtime, own_nats: EmbeddedNats
) -> None:
    runtime = own_runtime
    relay = relay_for(runtime)
    following = asyncio.create_task(relay.run())
    try:
        tenant = await create_tenant(runtime)
        js = runtime.nats.jetstream()
        await eventually(lambda: _stream_exists(js), 10, "the relay creates the stream")
        await eventually(lambda: _at(runtime, tenant.id, 1), 10, "the tenant's creation passes")
        roles = ["department_head", "head_nurse", "medical_affairs", "vice_president"]
        for role in roles:  # each role's durable consumer exists before the outage
            await js.add_consumer(STREAM, role_consumer_config(tenant.id, role))

        own_nats.stop()
        await file_and_escalate(runtime, tenant, 500)
        head = (await runtime.ledger.head(tenant.id))[0]
        await eventually(lambda: _failed(relay), 5, "the relay tries and fails")
        assert await relay_position(runtime, tenant.id) == 1  # nothing sent, nothing marked

        own_nats.start()
        started = time.perf_counter()
        await eventually(
            lambda: _at(runtime, tenant.id, head), 30, "the relay catches up after NATS returns"
        )
        caught_up = time.perf_counter() - started

        wanted = await expected_messages(runtime, tenant.id)
        assert set(wanted) == set(roles)
        for role in roles:
            received = await read_all(js, tenant.id, role)
            assert set(received) == wanted[role], role
            assert max(received.values()) == 1, f"{role} received a message twice"
        total = sum(len(ids) for ids in wanted.values())
        print(f"\n{total} messages for 500 cases relayed {caught_up:.2f}s after NATS came back")
    finally:
        following.cancel()
        await asyncio.gather(following, return_exceptions=True)


async def _stream_exists(js: JetStreamContext) -> bool:
    try:
        await js.stream_info(STREAM)
    except nats.js.errors.NotFoundError:
        return False
    return True


async def _failed(relay: Relay) -> bool:
    return relay.failures > 0


async def _at(runtime: Runtime, tenant_id: UUID, head: int) -> bool:
    return await relay_position(runtime, tenant_id) == head
