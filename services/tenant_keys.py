"""Use cases on a tenant's data keys: rotate them, and offboard the tenant, which destroys
them (crypto-shredding). The ledger keeps every byte and still verifies; what the keys sealed
reads as erased from then on."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from nats.aio.client import Client as NatsClient
from nats.errors import Error as NatsError

from domain.tenant import Tenant
from services.bus.stream_config import ROOT, STREAM
from services.keys import KeyProvider
from services.repository import NotFound, Repository

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Offboarded:
    tenant_id: UUID
    offboarded_at: datetime
    seq: int | None  # of the Offboarded event; None when an earlier call recorded it
    notifications_purged: bool


async def rotate(repository: Repository, keys: KeyProvider, tenant_id: UUID) -> int:
    """A new current key for the tenant; returns its version. Old events keep theirs."""
    await _tenant(repository, tenant_id)
    return keys.rotate(tenant_id)


async def offboard(
    repository: Repository,
    keys: KeyProvider,
    bus: NatsClient | None,
    tenant_id: UUID,
    *,
    reason: str,
    by: str,
    now: datetime,
) -> Offboarded:
    """Record the tenant's offboarding (no key authenticates after it), then destroy its keys
    and drop its notifications still on the bus. Safe to repeat: a call that died between the
    steps is finished by the next."""
    tenant = await _tenant(repository, tenant_id)
    seq = None
    if tenant.offboarded_at is None:
        tenant.offboard(reason=reason, by=by, at=now)
        seq = (await repository.ledger.append(tenant_id, repository.to_stored(tenant)))[-1]
    assert tenant.offboarded_at is not None
    # The event first: once the keys are gone the tenant takes no event, its own included.
    keys.destroy(tenant_id)
    return Offboarded(tenant_id, tenant.offboarded_at, seq, await _purge(bus, tenant_id))


async def _tenant(repository: Repository, tenant_id: UUID) -> Tenant:
    try:
        return await repository.load(tenant_id, tenant_id, Tenant)
    except NotFound:
        raise NotFound("tenant", tenant_id) from None


async def _purge(bus: NatsClient | None, tenant_id: UUID) -> bool:
    """JetStream keeps notifications (summaries, incident texts) for days: drop the tenant's.
    Best effort: with NATS away the stream's age limit removes them in the end."""
    if bus is None:
        return False
    try:
        return await bus.jetstream().purge_stream(STREAM, subject=f"{ROOT}.{tenant_id.hex}.>")
    except (NatsError, TimeoutError, OSError) as error:
        log.warning("notifications of offboarded tenant %s not purged: %s", tenant_id, error)
        return False
