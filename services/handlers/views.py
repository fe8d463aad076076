"""Reads of the view tables, with read-your-writes: ``after_seq`` (from a command's answer)
waits, at most ``wait`` seconds, until the view has applied the tenant's seq."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from projections.read import reading
from projections.runner import ProjectionRunner
from services.store.ledger import Ledger


class ViewReads:
    def __init__(self, pool: asyncpg.Pool, ledger: Ledger, projections: ProjectionRunner) -> None:
        self.pool = pool
        self.ledger = ledger
        self.projections = projections

    async def caught_up(
        self, view: str, tenant_id: UUID, after_seq: int | None, wait: float
    ) -> int | None:
        """The seq the view has reached once it holds ``after_seq`` or ``wait`` ran out;
        None when nothing was asked."""
        if after_seq is None:
            return None
        head = await self.ledger.head(tenant_id)
        if head is None or after_seq > head[0]:
            wait = 0  # no write gave out this seq: waiting for it would only hold a connection
        return await self.projections.wait_for(view, tenant_id, after_seq, wait)

    @asynccontextmanager
    async def reading(self, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
        """A connection that sees the tenant's view rows only (row-level security)."""
        async with reading(self.pool, tenant_id) as conn:
            yield conn
