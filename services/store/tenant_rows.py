"""One tenant's rows: row-level security admits a transaction to the tenant it names
(migration 041). The hot statements name it themselves (the ledger's functions); the rest
run in a transaction opened here."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from projections.runner import set_tenant

__all__ = ["set_tenant", "tenant_transaction"]


@asynccontextmanager
async def tenant_transaction(
    pool: asyncpg.Pool, tenant_id: UUID
) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn, conn.transaction():
        await set_tenant(conn, tenant_id)
        yield conn
