"""Record each read made with an auditor's key in the tenant's ledger, before answering it.

One trail aggregate per tenant takes every read, so two readers (in this process or another)
may race for the same version. A loser catches up on what the winner wrote and tries again:
a read is never refused because another was recorded at the same moment.
"""

from __future__ import annotations

import asyncio
import copy
import random
from datetime import datetime
from uuid import UUID

from domain.audit import AuditTrail, audit_trail_id
from services.store.ledger import Conflict
from services.store.repository import NotFound, Repository

ATTEMPTS = 10
BACKOFF_SECONDS = 0.002  # doubled each lost race, jittered so racers drift apart


class ReadNotRecorded(Exception):
    """Every attempt lost a race: the read is refused rather than left unrecorded."""


class ReadLog:
    def __init__(self, repository: Repository, attempts: int = ATTEMPTS) -> None:
        self.repository = repository
        self.attempts = attempts
        self._trails: dict[UUID, AuditTrail | None] = {}
        self._locks: dict[UUID, asyncio.Lock] = {}

    async def record(
        self, tenant_id: UUID, *, by: str, key_id: str | None, what: str, at: datetime
    ) -> int:
        """Append the read; returns its seq."""
        # In-process readers queue here instead of racing each other for the version.
        async with self._locks.setdefault(tenant_id, asyncio.Lock()):
            for attempt in range(self.attempts):
                trail = await self._known(tenant_id)
                # Work on a copy: a lost race must leave the cached trail as stored.
                draft = copy.deepcopy(trail) if trail else AuditTrail.start(tenant_id, at)
                draft.record_read(by=by, key_id=key_id, what=what, at=at)
                try:
                    seqs = await self.repository.ledger.append(
                        tenant_id, self.repository.to_stored(draft)
                    )
                except Conflict:
                    await asyncio.sleep(random.uniform(0, BACKOFF_SECONDS * 2**attempt))
                    self._trails[tenant_id] = await self._caught_up(tenant_id, trail)
                    continue
                self._trails[tenant_id] = draft
                return seqs[-1]
        raise ReadNotRecorded(f"could not record a read of tenant {tenant_id}; try again")

    async def _known(self, tenant_id: UUID) -> AuditTrail | None:
        if tenant_id not in self._trails:
            self._trails[tenant_id] = await self._caught_up(tenant_id, None)
        return self._trails[tenant_id]

    async def _caught_up(self, tenant_id: UUID, trail: AuditTrail | None) -> AuditTrail | None:
        if trail is not None:
            return await self.repository.catch_up(tenant_id, trail)
        try:
            return await self.repository.load(tenant_id, audit_trail_id(tenant_id), AuditTrail)
        except NotFound:
            return None
