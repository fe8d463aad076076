"""Use cases on a tenant's data keys: rotate them, and offboard the tenant, which destroys
them (crypto-shredding). The ledger keeps every byte and still verifies; what the keys sealed
reads as erased from then on."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from domain.tenant import Tenant
from services.store.data_keys import KeyProvider
from services.store.repository import NotFound, Repository

# Drops the tenant's notifications still on the bus; True when they were dropped.
PurgeNotifications = Callable[[UUID], Awaitable[bool]]


@dataclass(frozen=True)
class Offboarded:
    tenant_id: UUID
    offboarded_at: datetime
    seq: int | None  # of the Offboarded event; None when an earlier call recorded it
    notifications_purged: bool


class DataKeys:
    def __init__(
        self, repository: Repository, keys: KeyProvider, purge: PurgeNotifications
    ) -> None:
        self.repository = repository
        self.keys = keys
        self.purge = purge

    async def rotate(self, tenant_id: UUID) -> int:
        """A new current key for the tenant; returns its version. Old events keep theirs."""
        await self._tenant(tenant_id)
        return self.keys.rotate(tenant_id)

    async def offboard(self, tenant_id: UUID, *, reason: str, by: str, now: datetime) -> Offboarded:
        """Record the tenant's offboarding (no key authenticates after it), then destroy its
        keys and drop its notifications still on the bus. Safe to repeat: a call that died
        between the steps is finished by the next."""
        tenant = await self._tenant(tenant_id)
        seq = None
        if tenant.offboarded_at is None:
            tenant.offboard(reason=reason, by=by, at=now)
            seq = (
                await self.repository.ledger.append(tenant_id, self.repository.to_stored(tenant))
            )[-1]
        assert tenant.offboarded_at is not None
        # The event first: once the keys are gone the tenant takes no event, its own included.
        self.keys.destroy(tenant_id)
        return Offboarded(tenant_id, tenant.offboarded_at, seq, await self.purge(tenant_id))

    async def _tenant(self, tenant_id: UUID) -> Tenant:
        try:
            return await self.repository.load(tenant_id, tenant_id, Tenant)
        except NotFound:
            raise NotFound("tenant", tenant_id) from None
