"""The organisation's units (departments, branches, campuses) and who holds which role in
them: the staff read the tree, the tenant administrator builds it and places people."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import UNSET

from domain.tenant import Tenant
from domain.units import OrgUnit, path
from services.api.auth import Principal, tenant_admin, tenant_member
from services.api.deps import caller_tenant, write_once
from services.api.problems import FieldError
from services.api.read_models import PersonPlacement, UnitItem, UnitList, UnitSaved
from services.api.schemas import PlacementIn, UnitChange, UnitIn, UnitRetire
from services.clock import Clock
from services.handlers.directory import TenantDirectory
from services.handlers.tenancy import Keep, Tenancy, unit_in_path
from services.store.idempotency import Answer
from services.store.ledger import Ledger, UnitOfWork
from services.store.repository import NotFound

Req = Request[Principal, Any, Any]


class UnitController(Controller):
    path = "/v1"
    tags = ["units"]

    @get("/units", guards=[tenant_member], operation_id="listUnits")
    async def list_units(
        self, request: Req, directory: NamedDependency[TenantDirectory]
    ) -> UnitList:
        """Every unit of the tenant, retired ones included, each after the unit it is under."""
        tenant = await caller_tenant(directory, request.user)
        items = [unit_item(tenant, unit) for unit in tenant.units.values()]
        return UnitList(sorted(items, key=lambda item: item.path))

    @get("/units/{unit_id:str}", guards=[tenant_member], operation_id="getUnit")
    async def show_unit(
        self, request: Req, unit_id: FromPath[str], directory: NamedDependency[TenantDirectory]
    ) -> UnitItem:
        tenant = await caller_tenant(directory, request.user)
        return unit_item(tenant, unit_in_path(tenant, unit_id))

    @post(
        "/units",
        guards=[tenant_admin],
        operation_id="addUnit",
        status_code=201,
        location="/v1/units/{unit_id}",
    )
    async def add_unit(
        self,
        request: Req,
        data: JSONBody[UnitIn],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[UnitSaved]:
        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            seq = await tenancy.add_unit(
                uow,
                tenant,
                unit_id=data.unit_id,
                name=data.name,
                kind=data.kind,
                parent=data.parent,
                by=request.user.person,
                now=clock.now(),
            )
            return Answer(201, unit_saved(tenant, data.unit_id, seq))

        location = {"Location": f"/v1/units/{data.unit_id}"}
        return await write_once(request, ledger, work, headers=location)

    @patch(
        "/units/{unit_id:str}", guards=[tenant_admin], operation_id="changeUnit", idempotent=True
    )
    async def change_unit(
        self,
        request: Req,
        unit_id: FromPath[str],
        data: JSONBody[UnitChange],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[UnitSaved]:
        """Rename the unit, or put it under another (``parent: null``: under the tenant); its
        cases and people go with it."""

        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            if unit_id not in tenant.units:
                raise NotFound("unit", unit_id)  # before the body: whose unit is it at all
            if data.name is UNSET and data.parent is UNSET:
                raise FieldError("body", "give name or parent: nothing to change")
            seq = await tenancy.change_unit(
                uow,
                tenant,
                unit_id,
                name=None if data.name is UNSET else data.name,
                parent=Keep.PARENT if data.parent is UNSET else data.parent,
                by=request.user.person,
                now=clock.now(),
            )
            return Answer(200, unit_saved(tenant, unit_id, seq))

        return await write_once(request, ledger, work)

    @post(
        "/units/{unit_id:str}/retire",
        guards=[tenant_admin],
        operation_id="retireUnit",
        status_code=200,
    )
    async def retire_unit(
        self,
        request: Req,
        unit_id: FromPath[str],
        data: JSONBody[UnitRetire],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[UnitSaved]:
        """No case is filed in or moved to it any more, nobody is placed there; its cases stay
        until moved. Refused (409) while live units are under it."""

        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            seq = await tenancy.retire_unit(
                uow, tenant, unit_id, reason=data.reason, by=request.user.person, now=clock.now()
            )
            return Answer(200, unit_saved(tenant, unit_id, seq))

        return await write_once(request, ledger, work)

    @put(
        "/people/{person_id:str}/units/{unit_id:str}",
        guards=[tenant_admin],
        operation_id="placePerson",
        idempotent=True,
    )
    async def place_person(
        self,
        request: Req,
        person_id: FromPath[str],
        unit_id: FromPath[str],
        data: JSONBody[PlacementIn],
        tenancy: NamedDependency[Tenancy],
        ledger: NamedDependency[Ledger],
        clock: NamedDependency[Clock],
    ) -> Response[PersonPlacement]:
        """The roles the person holds in the unit, in place of those held there before;
        ``[]`` takes them out of it. A key's roles count where its holder holds them."""

        async def work(uow: UnitOfWork) -> Answer:
            tenant = await tenancy.fresh(request.user.tenant_id, uow)
            seq = await tenancy.place_person(
                uow,
                tenant,
                person_id,
                unit_id,
                data.roles,
                by=request.user.person,
                now=clock.now(),
            )
            held = tenant.people[person_id].units.get(unit_id, ())
            return Answer(200, PersonPlacement(person_id, unit_id, list(held), seq))

        return await write_once(request, ledger, work)


def unit_item(tenant: Tenant, unit: OrgUnit) -> UnitItem:
    return UnitItem(
        unit_id=unit.unit_id,
        name=unit.name,
        kind=unit.kind,
        parent=unit.parent,
        path=list(path(tenant.units, unit.unit_id)),
        retired=unit.retired,
    )


def unit_saved(tenant: Tenant, unit_id: str, seq: int) -> UnitSaved:
    item = unit_item(tenant, tenant.units[unit_id])
    return UnitSaved(
        item.unit_id, item.name, item.kind, item.parent, item.path, item.retired, seq=seq
    )
