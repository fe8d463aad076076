"""Tenants, their people and API keys."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET, structs

from domain.policy import check_options
from domain.tenant import ADMIN_ROLE, DEFAULT_CLOSES, DEFAULT_OPENS, Tenant, hh_mm
from services.api.auth import Principal, platform_admin, tenant_admin, tenant_member
from services.api.deps import caller_tenant, write_once
from services.api.problems import FieldError
from services.api.read_models import (
    DeclaredOption,
    KeyRevoked,
    PersonRegistered,
    PolicyOptionsOut,
    PolicyOptionsSet,
    TenantKey,
    TenantOut,
    TenantPerson,
    WorkingHours,
)
from services.api.schemas import (
    CalendarIn,
    CalendarOut,
    DataKeyOut,
    KeyCreate,
    KeyOut,
    OffboardIn,
    OffboardOut,
    PersonIn,
    PolicyOptionsIn,
    TenantCreate,
    WorkingHoursIn,
)
from services.clock import Clock
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy
from services.handlers.tenancy import IssuedKey, Tenancy
from services.handlers.tenant_keys import DataKeys
from services.store.idempotency import Answer
from services.store.ledger import Ledger, UnitOfWork

Req = Request[Principal, Any, Any]


class TenantController(Controller):
    path = "/v1"
    tags = ["tenants"]

    @post("/tenants", guards=[platform_admin], operation_id="createTenant", status_code=201)
    async def create(
        self,
        request: Req,
        data: JSONBody[TenantCreate],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[KeyOut]:
        async def work(uow: UnitOfWork) -> Answer:
            issued = await tenancy.create(
                uow,
                slug=data.slug,
                name=data.name,
                country=data.country,
                timezone=data.timezone,
                language=data.language,
                policy=data.policy,
                admin_id=data.admin.person_id,
                admin_name=data.admin.name,
                by=request.user.person,
                now=clock.now(),
            )
            return issued_key(issued)

        return await write_once(request, ledger, work)

    @post(
        "/tenants/{tenant_id:uuid}/offboard",
        guards=[platform_admin],
        operation_id="offboardTenant",
        status_code=200,
    )
    async def offboard_tenant(
        self,
        request: Req,
        tenant_id: FromPath[UUID],
        data: JSONBody[OffboardIn],
        data_keys: NamedDependency[DataKeys],
        clock: NamedDependency[Clock],
    ) -> OffboardOut:
        """Close the tenant to every key and destroy its data keys: its ledger still verifies,
        its personal fields read as erased for good. Repeating it is harmless."""
        done = await data_keys.offboard(
            tenant_id, reason=data.reason, by=request.user.person, now=clock.now()
        )
        return OffboardOut(
            done.tenant_id, done.offboarded_at, done.seq, True, done.notifications_purged
        )

    @put(
        "/tenants/{tenant_id:uuid}/calendar",
        guards=[platform_admin],
        operation_id="moveCalendar",
        idempotent=True,
    )
    async def move_calendar(
        self,
        request: Req,
        tenant_id: FromPath[UUID],
        data: JSONBody[CalendarIn],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[CalendarOut]:
        """Where the tenant counts working days (its country's holidays), days (its time
        zone) and the working hours of a working day (``working_hours``, 09:00 to 17:00 when
        not given), which a working-day deadline's warnings count in. Deadlines already
        running keep their due dates and warnings; new ones count the new way."""
        hours = data.working_hours or WorkingHoursIn(opens=DEFAULT_OPENS, closes=DEFAULT_CLOSES)

        async def work(uow: UnitOfWork) -> Answer:
            seq = await tenancy.move_calendar(
                uow,
                tenant_id,
                data.country,
                data.timezone,
                request.user.person,
                clock.now(),
                working_hours=(hours.opens, hours.closes),
            )
            shown = WorkingHours(hours.opens, hours.closes)
            return Answer(200, CalendarOut(tenant_id, data.country, data.timezone, shown, seq))

        return await write_once(request, ledger, work)

    @post(
        "/tenants/{tenant_id:uuid}/data-key/rotate",
        guards=[platform_admin],
        operation_id="rotateDataKey",
        status_code=200,
    )
    async def rotate_data_key(
        self, tenant_id: FromPath[UUID], data_keys: NamedDependency[DataKeys]
    ) -> DataKeyOut:
        """A new key seals the tenant's personal data from now on; older events keep theirs."""
        return DataKeyOut(tenant_id, await data_keys.rotate(tenant_id))

    @get("/tenant", guards=[tenant_member], operation_id="getTenant")
    async def show(self, request: Req, directory: NamedDependency[TenantDirectory]) -> TenantOut:
        """The tenant and its people with their roles; its API keys to its administrator only."""
        tenant = await caller_tenant(directory, request.user)
        return TenantOut(
            id=tenant.id,
            slug=tenant.slug,
            name=tenant.name,
            policy=tenant.policy,
            country=tenant.country,
            timezone=tenant.timezone,
            working_hours=working_hours_out(tenant),
            language=tenant.language,
            policy_options=tenant.policy_options,
            people=[
                TenantPerson(
                    person_id=p.person_id,
                    name=p.name,
                    roles=list(p.roles),
                    units={unit: list(roles) for unit, roles in p.placements},
                )
                for p in tenant.people.values()
            ],
            version=tenant.version,
            # staff need the people and their roles, not who holds which key
            keys=keys_out(tenant) if ADMIN_ROLE in request.user.roles else UNSET,
        )

    @get("/tenant/policy-options", guards=[tenant_member], operation_id="getPolicyOptions")
    async def policy_options(
        self, request: Req, directory: NamedDependency[TenantDirectory]
    ) -> PolicyOptionsOut:
        return policy_options_out(await caller_tenant(directory, request.user))

    @put(
        "/tenant/policy-options",
        guards=[tenant_admin],
        operation_id="setPolicyOptions",
        idempotent=True,
    )
    async def set_policy_options(
        self,
        request: Req,
        data: JSONBody[PolicyOptionsIn],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[PolicyOptionsSet]:
        """Replace the options of the tenant's policy; cases filed from now on record the
        values in force, so a change never reaches a case in flight."""

        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            seq = await tenancy.set_policy_options(
                uow, tenant, data.options, request.user.person, clock.now()
            )
            shown = policy_options_out(tenant)
            return Answer(200, PolicyOptionsSet(**structs.asdict(shown), seq=seq))

        return await write_once(request, ledger, work)

    @post("/people", guards=[tenant_admin], operation_id="registerPerson", status_code=201)
    async def register_person(
        self,
        request: Req,
        data: JSONBody[PersonIn],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[PersonRegistered]:
        """A person with the roles they hold for the whole tenant, and ``units``: the roles
        they hold in each of those units (``PUT /v1/people/{person_id}/units/{unit_id}``
        changes them later)."""
        if not data.roles and not any(data.units.values()):
            raise FieldError("roles", "give at least one role, here or in units")

        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            seq = await tenancy.register_person(
                uow,
                tenant,
                data.person_id,
                data.name,
                data.roles,
                request.user.person,
                clock.now(),
                units=data.units,
            )
            person = tenant.people[data.person_id]
            units = {unit: list(roles) for unit, roles in person.placements}
            return Answer(201, PersonRegistered(data.person_id, list(person.roles), seq, units))

        return await write_once(request, ledger, work)

    @post("/keys", guards=[tenant_admin], operation_id="issueKey", status_code=201)
    async def issue_key(
        self,
        request: Req,
        data: JSONBody[KeyCreate],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[KeyOut]:
        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            person = tenant.people.get(data.person_id)
            if person is None:
                raise FieldError("person_id", f"no person {data.person_id} in the directory")
            # by default every role the person holds, tenant-wide or in a unit: each then
            # counts where it is held (domain/units.py)
            roles = sorted(set(data.roles) if data.roles else person.all_roles)
            issued = await tenancy.issue_key(
                uow, tenant, data.person_id, roles, request.user.person, clock.now()
            )
            return issued_key(issued)

        return await write_once(request, ledger, work)

    @delete("/keys/{key_id:str}", guards=[tenant_admin], operation_id="revokeKey", status_code=200)
    async def revoke_key(
        self,
        request: Req,
        key_id: FromPath[str],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> KeyRevoked:
        tenant = await tenancy.fresh(request.user.tenant_id)
        tenant.revoke_key(key_id=key_id, by=request.user.person, at=clock.now())
        async with ledger.unit_of_work() as uow:
            seq = await tenancy.save(uow, tenant)
        return KeyRevoked(key_id=key_id, revoked=True, seq=seq)


def issued_key(issued: IssuedKey) -> Answer:
    """The key for the caller; for a retry of the request, the same answer without it."""
    told = KeyOut(issued.tenant_id, issued.key_id, issued.key, issued.seq)
    return Answer(201, told, kept=KeyOut(issued.tenant_id, issued.key_id, None, issued.seq))


def working_hours_out(tenant: Tenant) -> WorkingHours:
    opens, closes = tenant.working_hours
    return WorkingHours(hh_mm(opens), hh_mm(closes))


def keys_out(tenant: Tenant) -> list[TenantKey]:
    return [
        TenantKey(key_id=k.key_id, person_id=k.person_id, roles=list(k.roles), revoked=k.revoked)
        for k in tenant.keys.values()
    ]


def policy_options_out(tenant: Tenant) -> PolicyOptionsOut:
    """What the bound policy declares, what the tenant set, and the values new cases get."""
    declared = getattr(load_policy(tenant.policy), "declared_options", {})
    return PolicyOptionsOut(
        policy=tenant.policy,
        declared={
            name: DeclaredOption(default=o.default, description=o.description, rule=o.rule)
            for name, o in declared.items()
        },
        options=tenant.policy_options,
        in_force=check_options(
            declared, {k: v for k, v in tenant.policy_options.items() if k in declared}
        ),
    )
