"""Tenant webhooks: where a role's notifications are pushed, how each push is signed, and the
log of every attempt. A webhook for a unit is pushed only the copies of cases in that unit or
below it (services/bus/webhook_dispatch.py).

Signatures follow the Standard Webhooks scheme (standardwebhooks.com), so receivers can use its
libraries: headers ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature: v1,<base64>``,
the HMAC-SHA256 under the secret's key of ``<id>.<timestamp>.<body>``. docs/bus.md has a
verification recipe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

from projections.runner import set_tenant
from services import standard_webhooks
from services.standard_webhooks import new_secret

CONTENT_TYPE = "application/cloudevents+json"


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """A delivery's headers: the CloudEvent signed the Standard Webhooks way."""
    return standard_webhooks.signed_headers(secret, message_id, timestamp, body, CONTENT_TYPE)


@dataclass(frozen=True)
class Webhook:
    tenant_id: UUID
    webhook_id: UUID
    role: str
    url: str
    secret: str
    created_at: datetime
    unit_id: str | None = None  # None: the whole tenant's copies


class WebhookStore:
    """The tables, read and written inside a transaction that names the tenant (RLS)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create(
        self, tenant_id: UUID, role: str, url: str, by: str, unit_id: str | None = None
    ) -> Webhook:
        async with self.pool.acquire() as conn, conn.transaction():
            await set_tenant(conn, tenant_id)
            row = await conn.fetchrow(
                "INSERT INTO webhooks (tenant_id, webhook_id, role, url, secret, created_by,"
                " unit_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *",
                tenant_id,
                uuid4(),
                role,
                url,
                new_secret(),
                by,
                unit_id,
            )
        return _webhook(row)

    async def listed(self, tenant_id: UUID) -> list[asyncpg.Record]:
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            await set_tenant(conn, tenant_id)
            return await conn.fetch(
                "SELECT webhook_id, role, unit_id AS unit, url, active, created_by, created_at"
                " FROM webhooks WHERE tenant_id = $1 ORDER BY created_at",
                tenant_id,
            )

    async def deactivate(self, tenant_id: UUID, webhook_id: UUID) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            await set_tenant(conn, tenant_id)
            status = await conn.execute(
                "UPDATE webhooks SET active = false WHERE tenant_id = $1 AND webhook_id = $2",
                tenant_id,
                webhook_id,
            )
        return status != "UPDATE 0"

    async def deliveries(
        self,
        tenant_id: UUID,
        webhook_id: UUID,
        limit: int,
        after: tuple[datetime, int, str] | None = None,
    ) -> list[asyncpg.Record]:
        """The newest first: by at, attempt, then message_id, all descending; ``after`` the
        (at, attempt, message_id) of the last row of the page before."""
        condition = ""
        args: list[object] = [tenant_id, webhook_id, limit]
        if after is not None:
            condition = " AND (at, attempt, message_id) < ($4, $5, $6)"
            args += after
        async with self.pool.acquire() as conn, conn.transaction(readonly=True):
            await set_tenant(conn, tenant_id)
            return await conn.fetch(
                "SELECT message_id, attempt, outcome, http_status, error, duration_ms, at"
                f"  FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2{condition}"
                " ORDER BY at DESC, attempt DESC, message_id DESC LIMIT $3",
                *args,
            )

    async def log(
        self,
        hook: Webhook,
        message_id: str,
        attempt: int,
        outcome: str,
        http_status: int | None,
        error: str | None,
        duration_ms: int,
    ) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            await set_tenant(conn, hook.tenant_id)
            # A redelivery after a crash may repeat an attempt number: keep the first record.
            await conn.execute(
                "INSERT INTO webhook_deliveries (tenant_id, webhook_id, message_id, attempt,"
                " outcome, http_status, error, duration_ms) VALUES ($1, $2, $3, $4, $5, $6,"
                " $7, $8) ON CONFLICT DO NOTHING",
                hook.tenant_id,
                hook.webhook_id,
                message_id,
                attempt,
                outcome,
                http_status,
                error,
                duration_ms,
            )

    async def active(self) -> list[Webhook]:
        """Every tenant's active webhooks, for the dispatcher."""
        return [_webhook(r) for r in await self.pool.fetch("SELECT * FROM bus_active_webhooks()")]


def _webhook(row: asyncpg.Record) -> Webhook:
    return Webhook(
        row["tenant_id"],
        row["webhook_id"],
        row["role"],
        row["url"],
        row["secret"],
        row["created_at"],
        row["unit_id"],
    )
