"""``complaints tenant create`` and ``complaints key create``: what the platform and tenant
administrators do over HTTP, refused for the same reasons (a taken slug, a policy that is
not installed, roles the tenant's policy lacks)."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from typing import Any

from services.cli.errors import OK, OperatorError
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.settings import Settings


def register(commands: Any) -> None:
    tenant = commands.add_parser("tenant", help="create tenants")
    tenant_sub = tenant.add_subparsers(required=True, dest="tenant_command", metavar="command")
    create = tenant_sub.add_parser("create", help="create a tenant and print its admin key")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--policy", required=True, help="name@version, e.g. school@1")
    create.add_argument("--country", default="CN")
    create.add_argument("--timezone", default="Asia/Shanghai")
    create.add_argument("--language", default="zh-CN", choices=["zh-CN", "en"])
    create.add_argument("--admin-id", default="admin")
    create.add_argument("--admin-name", default="Administrator")
    create.set_defaults(run=tenant_create, needs_bus=False)

    key = commands.add_parser("key", help="issue API keys to a tenant's people")
    key_sub = key.add_subparsers(required=True, dest="key_command", metavar="command")
    key_create = key_sub.add_parser("create", help="issue an API key to a person of a tenant")
    key_create.add_argument("--tenant", required=True, help="tenant slug or id")
    key_create.add_argument("--person", required=True)
    key_create.add_argument("--name", help="register the person with this name first")
    key_create.add_argument("--roles", required=True, help="comma-separated roles")
    key_create.set_defaults(run=key_create_cmd, needs_bus=False)


async def tenant_create(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await open_runtime(settings, urls)
    try:
        async with runtime.ledger.unit_of_work() as uow:
            issued = await runtime.tenancy.create(
                uow,
                slug=args.slug,
                name=args.name,
                country=args.country,
                timezone=args.timezone,
                language=args.language,
                policy=args.policy,
                admin_id=args.admin_id,
                admin_name=args.admin_name,
                by="cli",
                now=datetime.now(UTC),
            )
    finally:
        await runtime.close()
    print(f"tenant {args.slug} ({issued.tenant_id})\nadmin key: {issued.key}")
    return OK


async def key_create_cmd(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    roles = sorted({r.strip() for r in args.roles.split(",") if r.strip()})
    if not roles:
        raise OperatorError("--roles names no role")
    runtime = await open_runtime(settings, urls)
    try:
        tenant_id = await known_tenant(runtime, args.tenant)
        now = datetime.now(UTC)
        async with runtime.ledger.unit_of_work() as uow:
            tenant = await runtime.tenancy.fresh(tenant_id, uow)
            refuse_unknown_roles(tenant.policy, roles, runtime.tenancy.valid_roles(tenant))
            if not args.name and args.person not in tenant.people:
                raise OperatorError(
                    f"no person {args.person} in tenant {args.tenant}: give --name to register them"
                )
            if args.name:
                await runtime.tenancy.register_person(
                    uow, tenant, args.person, args.name, roles, "cli", now
                )
            issued = await runtime.tenancy.issue_key(uow, tenant, args.person, roles, "cli", now)
    finally:
        await runtime.close()
    print(f"key for {args.person} of {args.tenant}: {issued.key}")
    return OK


def refuse_unknown_roles(policy: str, roles: list[str], valid: frozenset[str]) -> None:
    """Refuse, as the API does, roles the tenant's policy does not have, naming those it has."""
    unknown = sorted(set(roles) - valid)
    if unknown:
        raise OperatorError(
            f"not roles of policy {policy}: {', '.join(unknown)}"
            f" (its roles: {', '.join(sorted(valid))})"
        )
