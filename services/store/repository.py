"""Load aggregates from the ledger and turn their pending events into stored events."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar
from uuid import UUID

import asyncpg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from services.store.codec import TenantMapper, tenant_of
from services.store.ledger import Ledger, RecordedEvent

A = TypeVar("A", bound=Aggregate)


class NotFound(Exception):
    def __init__(self, kind: str, ident: UUID | str) -> None:
        super().__init__(f"no {kind} {ident}")
        self.kind = kind
        self.ident = ident


class Repository:
    def __init__(self, ledger: Ledger, mapper: TenantMapper) -> None:
        self.ledger = ledger
        self.mapper = mapper

    async def load(
        self,
        tenant_id: UUID,
        aggregate_id: UUID,
        cls: type[A],
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> A:
        recorded = await self.ledger.originator_events(
            tenant_id, aggregate_id, as_of=as_of, conn=conn
        )
        aggregate = self.replay(tenant_id, recorded)
        if not isinstance(aggregate, cls):
            raise NotFound(cls.__name__.lower(), aggregate_id)
        return aggregate

    async def catch_up(self, tenant_id: UUID, aggregate: A) -> A:
        """Apply whatever was recorded after ``aggregate.version``."""
        recorded = await self.ledger.originator_events(tenant_id, aggregate.id, aggregate.version)
        return self.replay(tenant_id, recorded, aggregate)

    def replay(
        self, tenant_id: UUID, recorded: list[RecordedEvent], aggregate: A | None = None
    ) -> A | None:
        for item in recorded:
            aggregate = self.mapper.decode(tenant_id, item.stored).mutate(aggregate)
        return aggregate

    def to_stored(self, *aggregates: Aggregate) -> list[StoredEvent]:
        """Each aggregate's pending events, its personal fields sealed with its tenant's key."""
        return [self.mapper.encode(tenant_of(a), e) for a in aggregates for e in a.collect_events()]
