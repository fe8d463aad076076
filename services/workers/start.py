"""The workers that follow the ledger and the clock: the projection runner, the checkpoint
signer, the bus relay, the deadline watcher, webhook deliveries and the feedback sender.
``make run`` starts them inside the service (``in_process_workers``, from the API's
lifespan); ``complaints worker`` runs them as a process of their own, so API processes spend
their core on requests. Any number may run: runners, relays and senders split tenants by row
lock, watchers by advisory lock, dispatchers by consumer, and signers let the first signature
of a head stand."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from services.bus.destinations import Destinations
from services.bus.relay import Relay
from services.bus.webhook_dispatch import WebhookDispatcher
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.store.codec import envelope_decoder
from services.workers.feedback import FeedbackSender
from services.workers.watcher import DeadlineWatcher


def relay_for(runtime: Runtime, batch_size: int = 500) -> Relay:
    if runtime.worker_pool is None:
        raise RuntimeError("the relay follows every tenant: open the runtime with runs_workers")
    return Relay(
        runtime.worker_pool,
        runtime.nats,
        envelope_decoder(runtime.repository.mapper),
        runtime.bus_signer,
        replicas=runtime.settings.stream_replicas,
        policies=load_policy,  # plug-in policies too: their restricted fields, their texts
        batch_size=batch_size,
        metrics=runtime.metrics,
    )


def watcher_for(runtime: Runtime) -> DeadlineWatcher:
    return DeadlineWatcher(
        runtime.pool,
        runtime.cases,
        runtime.directory,
        runtime.clock,
        shards=runtime.settings.watcher_shards,
        metrics=runtime.metrics,
    )


def dispatcher_for(runtime: Runtime) -> WebhookDispatcher:
    return WebhookDispatcher(
        runtime.webhooks,
        runtime.nats,
        runtime.bus_signer,
        runtime.clock,
        destinations=Destinations(runtime.settings.webhook_allowed_networks),
        metrics=runtime.metrics,
    )


def sender_for(runtime: Runtime) -> FeedbackSender:
    if runtime.worker_pool is None:
        raise RuntimeError("the feedback sender follows every tenant: open with runs_workers")
    return FeedbackSender(
        runtime.worker_pool,
        runtime.cases,
        runtime.directory,
        envelope_decoder(runtime.repository.mapper),
        runtime.settings,
        runtime.clock,
        announcer=runtime.announcer,
    )


def start_workers(
    runtime: Runtime,
    projections: bool = True,
    checkpoints: bool = True,
    relay: bool = True,
    watcher: bool = True,
    webhooks: bool = True,
    relay_batch_size: int = 500,
    feedback: bool | None = None,  # None: as settings.send_feedback says
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
    if runtime.settings.send_feedback if feedback is None else feedback:
        tasks.append(asyncio.create_task(sender_for(runtime).run(), name="feedback sender"))
    return tasks


async def stop_workers(tasks: Sequence[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


@asynccontextmanager
async def in_process_workers(runtime: Runtime) -> AsyncIterator[list[asyncio.Task]]:
    """The workers this process runs beside its requests (``workers_in_process``), stopped
    on the way out."""
    tasks = []
    if runtime.settings.workers_in_process:
        tasks = start_workers(runtime, watcher=runtime.settings.watch_deadlines)
    try:
        yield tasks
    finally:
        await stop_workers(tasks)
