"""Load aggregates from the ledger and turn their pending events into stored events.

A long aggregate loads from its latest snapshot and the events after it
(services/store/snapshots.py); any other loads by replaying its events. Replays yield to the
event loop every ``YIELD_EVERY`` events, so a long one never holds other requests up for
longer than one such stretch.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TypeVar
from uuid import UUID

import asyncpg
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from services.store.codec import TenantMapper, tenant_of
from services.store.ledger import Ledger, RecordedEvent
from services.store.snapshots import Row, Snapshots

A = TypeVar("A", bound=Aggregate)
YIELD_EVERY = 200  # events applied between two yields to the loop (~5-10 ms of decoding)


class NotFound(Exception):
    def __init__(self, kind: str, ident: UUID | str) -> None:
        super().__init__(f"no {kind} {ident}")
        self.kind = kind
        self.ident = ident


class Repository:
    def __init__(
        self, ledger: Ledger, mapper: TenantMapper, snapshots: Snapshots | None = None
    ) -> None:
        self.ledger = ledger
        self.mapper = mapper
        self.snapshots = snapshots

    async def load(
        self,
        tenant_id: UUID,
        aggregate_id: UUID,
        cls: type[A],
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> A:
        if self.snapshots is not None and self.snapshots.covers(cls):
            aggregate = await self._load_snapshotted(tenant_id, aggregate_id, cls, as_of, conn)
        else:
            recorded = await self.ledger.originator_events(
                tenant_id, aggregate_id, as_of=as_of, conn=conn
            )
            aggregate = await self.replay_yielding(tenant_id, recorded)
        if not isinstance(aggregate, cls):
            raise NotFound(cls.__name__.lower(), aggregate_id)
        return aggregate

    async def _load_snapshotted(
        self,
        tenant_id: UUID,
        aggregate_id: UUID,
        cls: type[A],
        as_of: datetime | None,
        conn: asyncpg.Connection | None,
    ) -> Aggregate | None:
        snapshots = self.snapshots
        assert snapshots is not None
        fetched = await snapshots.fetch(tenant_id, aggregate_id, cls, as_of, conn)
        aggregate: Aggregate | None = None
        rows: list[Row] = fetched.rows
        if fetched.snapshot is not None:
            aggregate = snapshots.open(
                tenant_id, aggregate_id, cls, fetched.snapshot, rows[0] if rows else None
            )
            if aggregate is None:  # unusable: the events alone, from the start
                rows = await snapshots.events(tenant_id, aggregate_id, as_of, conn)
            else:
                rows = rows[1:]  # the snapshot's own event is in it already
        aggregate = await self.replay_yielding(tenant_id, [r.recorded for r in rows], aggregate)
        # What was loaded is committed (read outside any unit of work, up to the head): a
        # load that had to apply many events leaves a snapshot for the next one.
        if (
            rows
            and as_of is None
            and conn is None
            and len(rows) >= snapshots.every
            and isinstance(aggregate, cls)
        ):
            taken = snapshots.take(tenant_id, aggregate, rows[-1].hash)
            if taken is not None:
                snapshots.save_later(taken)
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

    async def replay_yielding(
        self, tenant_id: UUID, recorded: list[RecordedEvent], aggregate: A | None = None
    ) -> A | None:
        """``replay``, giving the event loop its turn every ``YIELD_EVERY`` events."""
        decode = self.mapper.decode
        for start in range(0, len(recorded), YIELD_EVERY):
            if start:
                await asyncio.sleep(0)
            for item in recorded[start : start + YIELD_EVERY]:
                aggregate = decode(tenant_id, item.stored).mutate(aggregate)
        return aggregate

    def to_stored(self, *aggregates: Aggregate) -> list[StoredEvent]:
        """Each aggregate's pending events, its personal fields sealed with its tenant's key."""
        return [self.mapper.encode(tenant_of(a), e) for a in aggregates for e in a.collect_events()]
