"""Reading view tables: always inside a transaction that names the tenant, so row-level
security applies even to a query that forgets its tenant filter."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from projections.runner import set_tenant


@asynccontextmanager
async def reading(pool: asyncpg.Pool, tenant_id: UUID) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn, conn.transaction(readonly=True):
        await set_tenant(conn, tenant_id)
        yield conn
