"""The workers that follow the ledger and the clock: the projection runner, the checkpoint
signer, the bus relay, the deadline watcher and webhook deliveries. ``make run`` starts them
inside the service (Runtime.start_background); ``complaints worker`` runs them as a process
of their own, so API processes spend their core on requests. Any number may run: runners and
relays split tenants by row lock, watchers by advisory lock, dispatchers by consumer, and
signers let the first signature of a head stand."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from services.bus.relay import Relay
from services.bus.webhook_dispatch import WebhookDispatcher
from services.bus.webhooks import WebhookStore
from services.codec import envelope_decoder
from services.watcher import DeadlineWatcher

if TYPE_CHECKING:
    from services.runtime import Runtime


def relay_for(runtime: Runtime, batch_size: int = 500) -> Relay:
    assert runtime.pool is not None and runtime.nats is not None
    return Relay(
        runtime.pool,
        runtime.nats,
        envelope_decoder(runtime.repository.mapper),
        replicas=runtime.settings.stream_replicas,
        batch_size=batch_size,
    )


def watcher_for(runtime: Runtime) -> DeadlineWatcher:
    assert runtime.pool is not None
    return DeadlineWatcher(
        runtime.pool,
        runtime.ledger,
        runtime.repository,
        runtime.directory,
        runtime.clock,
        shards=runtime.settings.watcher_shards,
    )


def dispatcher_for(runtime: Runtime) -> WebhookDispatcher:
    assert runtime.pool is not None and runtime.nats is not None
    return WebhookDispatcher(WebhookStore(runtime.pool), runtime.nats, runtime.clock)


def start_workers(
    runtime: Runtime,
    projections: bool = True,
    checkpoints: bool = True,
    relay: bool = True,
    watcher: bool = True,
    webhooks: bool = True,
    relay_batch_size: int = 500,
) -> list[asyncio.Task]:
    tasks = []
    if projections:
        tasks.append(asyncio.create_task(runtime.projections.run(), name="projections"))
    if checkpoints:
        signing = runtime.checkpoints.run(runtime.settings.checkpoint_interval_seconds)
        tasks.append(asyncio.create_task(signing, name="checkpoints"))
    if relay:
        tasks.append(asyncio.create_task(relay_for(runtime, relay_batch_size).run(), name="relay"))
    if watcher:
        tasks.append(asyncio.create_task(watcher_for(runtime).run(), name="deadline watcher"))
    if webhooks:
        tasks.append(asyncio.create_task(dispatcher_for(runtime).run(), name="webhooks"))
    return tasks
