"""API keys: ``ck.<tenant>.<key id>.<secret>``. The tenant comes from the key alone.

Only the secret's SHA-256 is stored (in the Tenant aggregate). Each request checks the
tenant's latest events, so a revoked key stops working on the next request.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from uuid import UUID

from domain.commands import Actor
from domain.tenant import ApiKey, Tenant
from domain.units import Scope
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy

PLATFORM_ADMIN = "platform-admin"


@dataclass(frozen=True)
class Principal:
    person: str
    roles: frozenset[str]
    tenant_id: UUID | None = None
    key_id: str | None = None
    # the tenant as authentication found it, so a handler need not look it up again
    tenant: Tenant | None = field(default=None, compare=False, repr=False)
    # where the roles count: the units the person holds them in (domain/units.py); None
    # for the platform, whose roles are nobody's in a tenant
    scope: Scope | None = field(default=None, compare=False)

    @property
    def actor(self) -> Actor:
        return Actor(self.person, self.roles, self.scope)

    @property
    def is_platform_admin(self) -> bool:
        return PLATFORM_ADMIN in self.roles


PLATFORM = Principal("platform", frozenset({PLATFORM_ADMIN}))


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


class KeyAuthenticator:
    """Who a key belongs to: the platform administrator, a tenant's person, or nobody."""

    def __init__(self, directory: TenantDirectory, platform_admin_key: str) -> None:
        self.directory = directory
        self._platform_admin_key = platform_admin_key.encode()

    async def principal(self, key: str) -> Principal | None:
        if hmac.compare_digest(key.encode(), self._platform_admin_key):
            return PLATFORM
        parsed = parse_key(key)
        if parsed is None:
            return None
        tenant_id, key_id, secret = parsed
        tenant = await self.directory.get(tenant_id)
        api_key = tenant.authenticate(key_id, secret) if tenant else None
        if api_key is None:
            return None
        return principal_of(tenant, api_key)


def principal_of(tenant: Tenant, key: ApiKey) -> Principal:
    """Who ``key`` speaks for: its roles, each where the person holds it now under the
    tenant's policy, so a move to another unit counts from the next request."""
    unit_roles = getattr(load_policy(tenant.policy), "unit_roles", frozenset())
    scope = tenant.scope_of(key.person_id, key.roles, unit_roles)
    return Principal(key.person_id, frozenset(key.roles), tenant.id, key.key_id, tenant, scope)
