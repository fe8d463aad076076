"""Browser sessions: a tenant's API key, signed in once, becomes a token the browser keeps in
an HttpOnly cookie, so no key sits in a page's script.

A token is ``<tenant id hex>.<secret>``: the tenant names the one tenant whose rows its lookup
may read (row-level security, migration 043), and the secret, 256 random bits, is kept only
as its SHA-256. The CSRF token is an HMAC of the token, so it is not stored either, and only
a holder of the cookie can compute it.

A session acts as its key: each use looks the key up in the tenant as it stands now, so the
session has the key's roles and ends when the key is revoked or the tenant offboarded.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from domain.tenant import Tenant
from services.clock import Clock
from services.handlers.api_keys import KeyAuthenticator, Principal, principal_of
from services.handlers.directory import TenantDirectory
from services.store.tenant_rows import tenant_transaction

MAX_SECRET = 64  # characters: a longer cookie is none we gave out
CSRF_CONTEXT = b"complaints-csrf/1"


@dataclass(frozen=True)
class Session:
    token: str = field(repr=False)  # the cookie's value: never logged, never stored
    principal: Principal
    idle_expires_at: datetime
    expires_at: datetime

    @property
    def csrf_token(self) -> str:
        return csrf_token_for(self.token)


def csrf_token_for(token: str) -> str:
    return hmac.new(token.encode(), CSRF_CONTEXT, hashlib.sha256).hexdigest()


def parse_token(token: str) -> tuple[UUID, str] | None:
    tenant_hex, _, secret = token.partition(".")
    if not secret or len(secret) > MAX_SECRET:
        return None
    try:
        return UUID(hex=tenant_hex), secret
    except ValueError:
        return None


def secret_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def key_principal(tenant: Tenant, key_id: str) -> Principal | None:
    """Who the tenant's key ``key_id`` acts for now; None once it is revoked or the tenant
    is offboarded (what ``Tenant.authenticate`` refuses, the secret aside)."""
    key = tenant.keys.get(key_id)
    if key is None or key.revoked or tenant.offboarded_at is not None:
        return None
    return principal_of(tenant, key)


class Sessions:
    def __init__(
        self,
        pool: asyncpg.Pool,
        authenticator: KeyAuthenticator,
        directory: TenantDirectory,
        clock: Clock,
        idle: timedelta,
        lifetime: timedelta,
    ) -> None:
        self.pool = pool
        self.authenticator = authenticator
        self.directory = directory
        self.clock = clock
        self.idle = idle
        self.lifetime = lifetime

    async def open(self, key: str) -> Session | None:
        """A new session acting as ``key``; None unless it is a tenant's key in force (the
        platform administrator's key is sent with each request, never kept in a browser)."""
        principal = await self.authenticator.principal(key)
        if principal is None or principal.tenant_id is None or principal.key_id is None:
            return None
        now = self.clock.now()
        ends = now + self.lifetime
        idle_ends = min(now + self.idle, ends)
        secret = secrets.token_urlsafe(32)
        async with tenant_transaction(self.pool, principal.tenant_id) as conn:
            # the tenant's ended sessions are forgotten as new ones begin
            await conn.execute(
                "DELETE FROM sessions WHERE tenant_id = $1"
                " AND (idle_expires_at <= $2 OR expires_at <= $2)",
                principal.tenant_id,
                now,
            )
            await conn.execute(
                "INSERT INTO sessions (tenant_id, token_sha256, key_id, created_at,"
                " idle_expires_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
                principal.tenant_id,
                secret_digest(secret),
                principal.key_id,
                now,
                idle_ends,
                ends,
            )
        return Session(f"{principal.tenant_id.hex}.{secret}", principal, idle_ends, ends)

    async def use(self, token: str) -> Session | None:
        """The live session ``token`` names, its idle expiry moved on; None once it has ended
        (unused too long, too old, signed out) or its key no longer authenticates."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        tenant_id, secret = parsed
        row = await self.pool.fetchrow(
            "SELECT * FROM session_use($1, $2, $3, $4)",
            tenant_id,
            secret_digest(secret),
            self.clock.now(),
            self.idle,
        )
        if row is None:
            return None
        tenant = await self.directory.get(tenant_id)
        principal = key_principal(tenant, row["used_key_id"]) if tenant else None
        if principal is None:
            await self.close(token)  # the key was revoked: its sessions go with it
            return None
        return Session(token, principal, row["used_idle_expires_at"], row["used_expires_at"])

    async def close(self, token: str) -> None:
        """Sign out: the session ends now, whatever its expiry."""
        parsed = parse_token(token)
        if parsed is None:
            return
        tenant_id, secret = parsed
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "DELETE FROM sessions WHERE tenant_id = $1 AND token_sha256 = $2",
                tenant_id,
                secret_digest(secret),
            )
