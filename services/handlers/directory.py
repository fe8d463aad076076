"""Tenants by id for every request, without reading a tenant's whole history each time."""

from __future__ import annotations

import asyncio
from uuid import UUID

from domain.tenant import Tenant
from services.store.repository import NotFound, Repository


class TenantDirectory:
    """Tenants by id, kept current by reading only the events recorded since the last look."""

    def __init__(self, repository: Repository) -> None:
        self.repository = repository
        self._tenants: dict[UUID, Tenant] = {}
        self._looking: dict[UUID, asyncio.Future[Tenant | None]] = {}

    async def get(self, tenant_id: UUID) -> Tenant | None:
        # Requests arriving while a look is under way share it rather than queue for their
        # own: one query per tenant at a time, however many requests wait on it.
        looking = self._looking.get(tenant_id)
        if looking is None:
            looking = asyncio.ensure_future(self._look(tenant_id))
            self._looking[tenant_id] = looking
            looking.add_done_callback(lambda _: self._looking.pop(tenant_id, None))
        return await asyncio.shield(looking)

    async def _look(self, tenant_id: UUID) -> Tenant | None:
        tenant = self._tenants.get(tenant_id)
        try:
            if tenant is None:
                tenant = await self.repository.load(tenant_id, tenant_id, Tenant)
            else:
                tenant = await self.repository.catch_up(tenant_id, tenant)
        except NotFound:
            return None
        self._tenants[tenant_id] = tenant
        return tenant
