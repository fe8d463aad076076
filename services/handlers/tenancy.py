"""Use cases on tenants: create one with its first administrator, people and keys."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.policy import check_options, configured
from domain.tenant import ADMIN_ROLE, Tenant, tenant_id_for
from services.handlers.api_keys import new_key
from services.handlers.policies import load_policy
from services.store.ledger import Conflict, UnitOfWork
from services.store.repository import NotFound, Repository

STAFF_ROLES = frozenset({ADMIN_ROLE, "auditor"})


@dataclass(frozen=True)
class IssuedKey:
    tenant_id: UUID
    key_id: str
    key: str
    seq: int


class TenantExists(Conflict):
    pass


class UnknownRoles(ValueError):
    """Roles the tenant's policy does not know."""

    def __init__(self, policy: str, roles: list[str]) -> None:
        super().__init__(f"not roles of policy {policy}: {roles}")
        self.roles = roles


class Tenancy:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    async def create(
        self,
        uow: UnitOfWork,
        *,
        slug: str,
        name: str,
        country: str,
        timezone: str,
        language: str,
        policy: str,
        admin_id: str,
        admin_name: str,
        by: str,
        now: datetime,
    ) -> IssuedKey:
        load_policy(policy)  # refuse a binding to a policy that is not installed
        tenant = Tenant.create(
            slug=slug,
            name=name,
            country=country,
            timezone=timezone,
            language=language,
            policy=policy,
            by=by,
            at=now,
        )
        tenant.register_person(
            person_id=admin_id, name=admin_name, roles=[ADMIN_ROLE], by=by, at=now
        )
        key_id, secret, key = new_key(tenant.id)
        tenant.issue_key(
            key_id=key_id, person_id=admin_id, roles=[ADMIN_ROLE], secret=secret, by=by, at=now
        )
        try:
            seqs = await uow.append(tenant.id, self.repository.to_stored(tenant))
        except Conflict:
            raise TenantExists(f"a tenant with slug {slug!r} exists") from None
        return IssuedKey(tenant_id_for(slug), key_id, key, seqs[-1])

    async def fresh(self, tenant_id: UUID, uow: UnitOfWork | None = None) -> Tenant:
        """The tenant as the ledger has it, never the shared cache, so a write that fails
        leaves no trace in memory."""
        conn = uow.conn if uow else None
        return await self.repository.load(tenant_id, tenant_id, Tenant, conn=conn)

    async def register_person(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        person_id: str,
        name: str,
        roles: Sequence[str],
        by: str,
        now: datetime,
    ) -> int:
        """Add a person with roles of the tenant's policy (``UnknownRoles`` otherwise)."""
        unknown = sorted(set(roles) - self.valid_roles(tenant))
        if unknown:
            raise UnknownRoles(tenant.policy, unknown)
        tenant.register_person(
            person_id=person_id, name=name, roles=sorted(set(roles)), by=by, at=now
        )
        return await self.save(uow, tenant)

    async def move_calendar(
        self, uow: UnitOfWork, tenant_id: UUID, country: str, timezone: str, by: str, now: datetime
    ) -> int:
        """The platform administrator corrects where a tenant counts its working days."""
        try:
            tenant = await self.fresh(tenant_id, uow)
        except NotFound:
            raise NotFound("tenant", tenant_id) from None
        tenant.move_calendar(country=country, timezone=timezone, by=by, at=now)
        return await self.save(uow, tenant)

    def valid_roles(self, tenant: Tenant) -> frozenset[str]:
        return frozenset(load_policy(tenant.policy).roles) | STAFF_ROLES

    async def save(self, uow: UnitOfWork, tenant: Tenant) -> int:
        seqs = await uow.append(tenant.id, self.repository.to_stored(tenant))
        return seqs[-1]

    async def set_policy_options(
        self, uow: UnitOfWork, tenant: Tenant, options: Mapping[str, Any], by: str, now: datetime
    ) -> int:
        """Replace the tenant's options, checked against those its bound policy declares
        and by the policy itself (``InvalidPolicyOption`` otherwise); cases filed from now
        on record them."""
        policy = load_policy(tenant.policy)
        check_options(getattr(policy, "declared_options", {}), options)  # names and types
        # The policy built with them checks what only it knows (the bank's at_once_hours is
        # 1 to 24), so a value every filing would refuse is never stored.
        configured(policy, options)
        tenant.set_policy_options(options=dict(options), by=by, at=now)
        return await self.save(uow, tenant)

    async def issue_key(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        person_id: str,
        roles: list[str],
        by: str,
        now: datetime,
    ) -> IssuedKey:
        key_id, secret, key = new_key(tenant.id)
        tenant.issue_key(
            key_id=key_id, person_id=person_id, roles=roles, secret=secret, by=by, at=now
        )
        return IssuedKey(tenant.id, key_id, key, await self.save(uow, tenant))
