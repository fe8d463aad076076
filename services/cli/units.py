"""``complaints units list|add|change|retire`` and ``complaints people place``: the tenant
administrator's organisation (domain/units.py) from the command line, refused for the same
reasons as over HTTP (a bad id or kind, an unknown or looping parent, a taken id, a unit
with live units under it, roles the tenant's policy lacks)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.tenant import Tenant
from domain.units import KINDS, path
from services.cli.errors import OK, OperatorError
from services.cli.session import known_tenant, open_runtime
from services.cli.tenants import refuse_unknown_roles
from services.engines import EngineUrls
from services.handlers.tenancy import Keep, Tenancy
from services.settings import Settings
from services.store.ledger import UnitOfWork

BY = "cli"
T = TypeVar("T")


def register(commands: Any) -> None:
    units = commands.add_parser("units", help="a tenant's departments, branches and campuses")
    sub = units.add_subparsers(required=True, dest="units_command", metavar="command")

    listing = sub.add_parser("list", help="list the tenant's units, each under its parent")
    listing.add_argument("--tenant", required=True, help="tenant slug or id")
    listing.set_defaults(run=units_list, needs_bus=False)

    add = sub.add_parser("add", help="add a unit, under the tenant or under another unit")
    add.add_argument("--tenant", required=True, help="tenant slug or id")
    add.add_argument("--unit", required=True, help="its id: lower-case letters, digits, '-'")
    add.add_argument("--name", required=True)
    add.add_argument("--kind", required=True, choices=KINDS)
    add.add_argument("--parent", help="the unit it is under (default: the tenant itself)")
    add.set_defaults(run=units_add, needs_bus=False)

    change = sub.add_parser("change", help="rename a unit or put it under another")
    change.add_argument("--tenant", required=True, help="tenant slug or id")
    change.add_argument("--unit", required=True)
    change.add_argument("--name", help="its new name")
    moving = change.add_mutually_exclusive_group()
    moving.add_argument("--parent", help="the unit to put it under")
    moving.add_argument("--top", action="store_true", help="put it directly under the tenant")
    change.set_defaults(run=units_change, needs_bus=False)

    retire = sub.add_parser("retire", help="retire a unit: no new case or person goes there")
    retire.add_argument("--tenant", required=True, help="tenant slug or id")
    retire.add_argument("--unit", required=True)
    retire.add_argument("--reason", required=True)
    retire.set_defaults(run=units_retire, needs_bus=False)

    people = commands.add_parser("people", help="where a tenant's people hold their roles")
    people_sub = people.add_subparsers(required=True, dest="people_command", metavar="command")
    place = people_sub.add_parser(
        "place", help="set the roles a person holds in a unit (none: take them out of it)"
    )
    place.add_argument("--tenant", required=True, help="tenant slug or id")
    place.add_argument("--person", required=True)
    place.add_argument("--unit", required=True)
    place.add_argument(
        "--roles", required=True, help='comma-separated roles; "" takes the person out'
    )
    place.set_defaults(run=people_place, needs_bus=False)


async def units_list(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await open_runtime(settings, urls)
    try:
        tenant = await runtime.tenancy.fresh(await known_tenant(runtime, args.tenant))
    finally:
        await runtime.close()
    print(units_table(tenant))
    return OK


def units_table(tenant: Tenant) -> str:
    """One line a unit, indented under its parent: id, kind, name, and whether retired."""
    if not tenant.units:
        return f"no units in tenant {tenant.slug}"
    lines = []
    for unit_path in sorted(path(tenant.units, unit_id) for unit_id in tenant.units):
        unit = tenant.units[unit_path[-1]]
        retired = "  (retired)" if unit.retired else ""
        indent = "  " * (len(unit_path) - 1)
        lines.append(f"{indent}{unit.unit_id}  {unit.kind}  {unit.name}{retired}")
    return "\n".join(lines)


async def units_add(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    async def add(uow: UnitOfWork, tenancy: Tenancy, tenant: Tenant) -> int:
        return await tenancy.add_unit(
            uow,
            tenant,
            unit_id=args.unit,
            name=args.name,
            kind=args.kind,
            parent=args.parent,
            by=BY,
            now=datetime.now(UTC),
        )

    seq = await with_tenant(settings, urls, args.tenant, add)
    print(f"unit {args.unit} added (seq {seq})")
    return OK


async def units_change(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    if args.name is None and args.parent is None and not args.top:
        raise OperatorError("give --name, --parent or --top: nothing to change")
    parent: str | Keep | None = None if args.top else args.parent or Keep.PARENT

    async def change(uow: UnitOfWork, tenancy: Tenancy, tenant: Tenant) -> int:
        return await tenancy.change_unit(
            uow, tenant, args.unit, name=args.name, parent=parent, by=BY, now=datetime.now(UTC)
        )

    seq = await with_tenant(settings, urls, args.tenant, change)
    print(f"unit {args.unit} changed (seq {seq})")
    return OK


async def units_retire(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    async def retire(uow: UnitOfWork, tenancy: Tenancy, tenant: Tenant) -> int:
        return await tenancy.retire_unit(
            uow, tenant, args.unit, reason=args.reason, by=BY, now=datetime.now(UTC)
        )

    seq = await with_tenant(settings, urls, args.tenant, retire)
    print(f"unit {args.unit} retired (seq {seq})")
    return OK


async def people_place(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    roles = sorted({r.strip() for r in args.roles.split(",") if r.strip()})

    async def place(uow: UnitOfWork, tenancy: Tenancy, tenant: Tenant) -> int:
        refuse_unknown_roles(tenant.policy, roles, tenancy.valid_roles(tenant))
        return await tenancy.place_person(
            uow, tenant, args.person, args.unit, roles, by=BY, now=datetime.now(UTC)
        )

    seq = await with_tenant(settings, urls, args.tenant, place)
    held = ", ".join(roles) if roles else "no role"
    print(f"{args.person} holds {held} in unit {args.unit} (seq {seq})")
    return OK


async def with_tenant(
    settings: Settings,
    urls: EngineUrls,
    named: str,
    work: Callable[[UnitOfWork, Tenancy, Tenant], Awaitable[T]],
) -> T:
    """``work`` on the tenant ``named`` as the ledger has it, in one unit of work."""
    runtime = await open_runtime(settings, urls)
    try:
        tenant_id = await known_tenant(runtime, named)
        async with runtime.ledger.unit_of_work() as uow:
            tenant = await runtime.tenancy.fresh(tenant_id, uow)
            return await work(uow, runtime.tenancy, tenant)
    finally:
        await runtime.close()
