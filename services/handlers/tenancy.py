"""Use cases on tenants: create one with its first administrator, people and keys, and the
organisation's units and who holds which role in them."""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from domain.policy import check_options, configured
from domain.tenant import ADMIN_ROLE, DEFAULT_CLOSES, DEFAULT_OPENS, Tenant, tenant_id_for
from domain.units import InvalidUnit, OrgUnit, UnknownUnit
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


class Keep(enum.Enum):
    """A change that leaves a unit where it is (``parent`` not given, unlike ``None``: the
    tenant's root)."""

    PARENT = "keep"


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
        units: Mapping[str, Sequence[str]] | None = None,
    ) -> int:
        """Add a person with roles of the tenant's policy (``UnknownRoles`` otherwise), held
        for the whole tenant, and ``units``' roles held in those units: PersonRegistered,
        then a PersonPlaced for each unit, in one write."""
        units = units or {}
        self.check_roles(tenant, [*roles, *(r for held in units.values() for r in held)])
        for unit_id in units:  # all checked before any event, so a refusal writes nothing
            if unit_id not in tenant.units:
                raise InvalidUnit("units", f"no unit {unit_id}")
            if tenant.units[unit_id].retired:
                raise InvalidUnit("units", f"unit {unit_id!r} is retired")
        tenant.register_person(
            person_id=person_id, name=name, roles=sorted(set(roles)), by=by, at=now
        )
        for unit_id, held in units.items():
            tenant.place_person(
                person_id=person_id, unit_id=unit_id, roles=list(held), by=by, at=now
            )
        return await self.save(uow, tenant)

    def check_roles(self, tenant: Tenant, roles: Sequence[str]) -> None:
        unknown = sorted(set(roles) - self.valid_roles(tenant))
        if unknown:
            raise UnknownRoles(tenant.policy, unknown)

    # --- the organisation (domain/units.py): a unit named in the path is NotFound, one
    # named in the body (a parent, a person's units) a field error

    async def add_unit(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        *,
        unit_id: str,
        name: str,
        kind: str,
        parent: str | None,
        by: str,
        now: datetime,
    ) -> int:
        with unknown_unit_as_field("parent"):
            tenant.add_unit(unit_id=unit_id, name=name, kind=kind, parent=parent, by=by, at=now)
        return await self.save(uow, tenant)

    async def change_unit(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        unit_id: str,
        *,
        name: str | None = None,
        parent: str | Keep | None = Keep.PARENT,
        by: str,
        now: datetime,
    ) -> int:
        """Rename the unit and/or put it under another (``None``: directly under the tenant);
        what is not given stays as it is."""
        unit = unit_in_path(tenant, unit_id)
        with unknown_unit_as_field("parent"):
            tenant.change_unit(
                unit_id=unit_id,
                name=unit.name if name is None else name,
                parent=unit.parent if isinstance(parent, Keep) else parent,
                by=by,
                at=now,
            )
        return await self.save(uow, tenant)

    async def retire_unit(
        self, uow: UnitOfWork, tenant: Tenant, unit_id: str, *, reason: str, by: str, now: datetime
    ) -> int:
        unit_in_path(tenant, unit_id)
        tenant.retire_unit(unit_id=unit_id, reason=reason, by=by, at=now)
        return await self.save(uow, tenant)

    async def place_person(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        person_id: str,
        unit_id: str,
        roles: Sequence[str],
        *,
        by: str,
        now: datetime,
    ) -> int:
        """The roles ``person_id`` holds in ``unit_id`` from now on, in place of those held
        there before; none takes them out of the unit."""
        if person_id not in tenant.people:
            raise NotFound("person", person_id)
        unit_in_path(tenant, unit_id)
        self.check_roles(tenant, roles)
        tenant.place_person(person_id=person_id, unit_id=unit_id, roles=list(roles), by=by, at=now)
        return await self.save(uow, tenant)

    async def move_calendar(
        self,
        uow: UnitOfWork,
        tenant_id: UUID,
        country: str,
        timezone: str,
        by: str,
        now: datetime,
        working_hours: tuple[str, str] = (DEFAULT_OPENS, DEFAULT_CLOSES),
    ) -> int:
        """The platform administrator corrects where a tenant counts its working days, and
        the hours of its working day (opens, closes; HH:MM local time)."""
        try:
            tenant = await self.fresh(tenant_id, uow)
        except NotFound:
            raise NotFound("tenant", tenant_id) from None
        opens, closes = working_hours
        tenant.move_calendar(
            country=country, timezone=timezone, opens=opens, closes=closes, by=by, at=now
        )
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


def unit_in_path(tenant: Tenant, unit_id: str) -> OrgUnit:
    unit = tenant.units.get(unit_id)
    if unit is None:
        raise NotFound("unit", unit_id)
    return unit


@contextmanager
def unknown_unit_as_field(field: str) -> Iterator[None]:
    """An unknown unit the request's body named (a parent): the field is wrong, not the path."""
    try:
        yield
    except UnknownUnit as unknown:
        raise InvalidUnit(field, f"no unit {unknown.unit_id}") from None
