"""Dropping a tenant's notifications from the stream (offboarding: crypto-shredding)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from uuid import UUID

from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError

from services.bus.stream_config import ROOT, STREAM

log = logging.getLogger(__name__)


def notification_purger(bus: NatsClient | None) -> Callable[[UUID], Awaitable[bool]]:
    async def purge(tenant_id: UUID) -> bool:
        """JetStream keeps notifications (summaries, incident texts) for days: drop the
        tenant's. Best effort: with NATS away the stream's age limit removes them in the end."""
        if bus is None:
            return False
        try:
            return await bus.jetstream().purge_stream(STREAM, subject=f"{ROOT}.{tenant_id.hex}.>")
        except (NatsError, TimeoutError, OSError) as error:
            log.warning("notifications of offboarded tenant %s not purged: %s", tenant_id, error)
            return False

    return purge
