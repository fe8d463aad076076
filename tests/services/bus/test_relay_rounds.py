"""The relay works every woken tenant in one round, and one tenant's bad event holds up only
that tenant."""

from __future__ import annotations

from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from services.bus.consumers import role_consumer_config
from services.bus.stream_config import STREAM
from services.runtime import Runtime
from services.workers.start import relay_for
from tests.services.bus.support import (
    create_tenant,
    expected_messages,
    file_and_escalate,
    read_all,
    relay_position,
)


async def test_one_round_relays_every_tenant_once_and_moves_each_position(
    own_runtime: Runtime,
) -> None:
    runtime = own_runtime
    tenants = [await create_tenant(runtime) for _ in range(5)]
    for n, tenant in enumerate(tenants):
        await file_and_escalate(runtime, tenant, 3 + n)
    relay = relay_for(runtime, batch_size=4)  # smaller than a tenant's backlog: several rounds

    relayed = await relay.catch_up_many([t.id for t in tenants])

    js = runtime.nats.jetstream()
    total = 0
    for tenant in tenants:
        head = (await runtime.ledger.head(tenant.id))[0]
        assert await relay_position(runtime, tenant.id) == head
        for role, ids in (await expected_messages(runtime, tenant.id)).items():
            await js.add_consumer(STREAM, role_consumer_config(tenant.id, role))
            received = await read_all(js, tenant.id, role)
            assert set(received) == ids, role
            assert max(received.values()) == 1
            total += len(ids)
    assert relayed.messages == total
    assert relayed.duplicates == 0


async def test_a_tenant_with_an_undecodable_event_does_not_hold_up_the_others(
    own_runtime: Runtime,
) -> None:
    runtime = own_runtime
    good, bad = await create_tenant(runtime), await create_tenant(runtime)
    await file_and_escalate(runtime, good, 2)
    await runtime.ledger.append(
        bad.id, [StoredEvent(uuid4(), 1, "nowhere:Gone.Missing", b"{not json")]
    )
    relay = relay_for(runtime)

    await relay._work([good.id, bad.id])  # what the follower calls with the woken tenants

    assert await relay_position(runtime, good.id) == (await runtime.ledger.head(good.id))[0]
    assert await relay_position(runtime, bad.id) < (await runtime.ledger.head(bad.id))[0]
