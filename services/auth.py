"""API keys: ``ck.<tenant>.<key id>.<secret>``. The tenant comes from the key alone.

Only the secret's SHA-256 is stored (in the Tenant aggregate). Each request checks the
tenant's latest events, so a revoked key stops working on the next request.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
from dataclasses import dataclass, field
from uuid import UUID

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.commands import Actor
from domain.tenant import ADMIN_ROLE, Tenant
from services.repository import NotFound, Repository

PLATFORM_ADMIN = "platform-admin"


@dataclass(frozen=True)
class Principal:
    person: str
    roles: frozenset[str]
    tenant_id: UUID | None = None
    key_id: str | None = None
    # the tenant as authentication found it, so a handler need not look it up again
    tenant: Tenant | None = field(default=None, compare=False, repr=False)

    @property
    def actor(self) -> Actor:
        return Actor(self.person, self.roles)

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles


def new_key(tenant_id: UUID) -> tuple[str, str, str]:
    """A fresh (key id, secret, full key)."""
    key_id, secret = secrets.token_hex(4), secrets.token_hex(32)
    return key_id, secret, f"ck.{tenant_id.hex}.{key_id}.{secret}"


def parse_key(key: str) -> tuple[UUID, str, str] | None:
    parts = key.split(".")
    if len(parts) != 4 or parts[0] != "ck":
        return None
    try:
        return UUID(hex=parts[1]), parts[2], parts[3]
    except ValueError:
        return None


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


class ApiKeyAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        scheme, _, key = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise NotAuthorizedException("send Authorization: Bearer <API key>")
        runtime = connection.app.state.runtime
        if hmac.compare_digest(key.encode(), runtime.settings.platform_admin_key.encode()):
            principal = Principal("platform", frozenset({PLATFORM_ADMIN}))
            return AuthenticationResult(user=principal, auth=key)
        principal = await self._tenant_principal(runtime.directory, key)
        if principal is None:
            raise NotAuthorizedException("unknown or revoked API key")
        return AuthenticationResult(user=principal, auth=key)

    @staticmethod
    async def _tenant_principal(directory: TenantDirectory, key: str) -> Principal | None:
        parsed = parse_key(key)
        if parsed is None:
            return None
        tenant_id, key_id, secret = parsed
        tenant = await directory.get(tenant_id)
        api_key = tenant.authenticate(key_id, secret) if tenant else None
        if api_key is None:
            return None
        return Principal(api_key.person_id, frozenset(api_key.roles), tenant_id, key_id, tenant)


async def platform_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not connection.user.is_platform_admin:
        raise PermissionDeniedException("only the platform administrator may do this")


async def tenant_member(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.user.tenant_id is None:
        raise PermissionDeniedException("this needs a tenant's API key")


async def tenant_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    await tenant_member(connection, handler)
    if ADMIN_ROLE not in connection.user.roles:
        raise PermissionDeniedException("only the tenant administrator may do this")
