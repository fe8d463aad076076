"""The ``complaints`` command: serve, migrate, tenant create, key create, data-key rotate,
policies docs, audit (export, verify, what-if, checkpoint)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import uvicorn

from services.api.app import create_app
from services.cli import keys as cli_keys
from services.cli import projections as cli_projections
from services.cli import worker as cli_worker
from services.cli.audit import add_audit_commands
from services.cli.demo import seed_demo
from services.cli.policy_docs import documented_policies, sync
from services.engines import READER, RELAY, EngineError, EngineUrls, engines
from services.logs import log_config
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not getattr(args, "needs_engines", True):
        return args.run(args)
    settings = Settings.from_env()
    if getattr(args, "port", None):
        settings = replace(settings, port=args.port)
    if args.run is serve and not args.demo and (problem := settings.platform_key_problem()):
        print(f"error: not serving: {problem}", file=sys.stderr)
        return 2
    try:
        with engines(settings) as urls:
            return asyncio.run(args.run(args, settings, urls))
    except EngineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="complaints", description=__doc__)
    commands = root.add_subparsers(required=True, dest="command")

    serve_cmd = commands.add_parser("serve", help="run the HTTP API")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--demo", action="store_true", help="create the demo tenants")
    serve_cmd.set_defaults(run=serve)

    commands.add_parser("migrate", help="apply schema migrations").set_defaults(run=run_migrate)

    tenant = commands.add_parser("tenant").add_subparsers(required=True, dest="tenant_command")
    create = tenant.add_parser("create", help="create a tenant and print its admin key")
    create.add_argument("--slug", required=True)
    create.add_argument("--name", required=True)
    create.add_argument("--policy", required=True, help="name@version, e.g. school@1")
    create.add_argument("--country", default="CN")
    create.add_argument("--timezone", default="Asia/Shanghai")
    create.add_argument("--language", default="zh-CN", choices=["zh-CN", "en"])
    create.add_argument("--admin-id", default="admin")
    create.add_argument("--admin-name", default="Administrator")
    create.set_defaults(run=tenant_create)

    key = commands.add_parser("key").add_subparsers(required=True, dest="key_command")
    key_create = key.add_parser("create", help="issue an API key to a person of a tenant")
    key_create.add_argument("--tenant", required=True, help="tenant slug")
    key_create.add_argument("--person", required=True)
    key_create.add_argument("--name", help="register the person with this name first")
    key_create.add_argument("--roles", required=True, help="comma-separated roles")
    key_create.set_defaults(run=key_create_cmd)

    cli_projections.register(commands)
    cli_keys.register(commands)
    cli_worker.register(commands)

    policies = commands.add_parser("policies").add_subparsers(
        required=True, dest="policies_command"
    )
    docs = policies.add_parser("docs", help="regenerate the diagrams in docs/policies/<name>.md")
    docs.add_argument("--check", action="store_true", help="fail if a page is out of date")
    docs.add_argument("--dir", type=Path, default=Path("docs/policies"))
    docs.set_defaults(run=policies_docs, needs_engines=False)

    add_audit_commands(commands)
    return root


def policies_docs(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        print(f"error: no directory {args.dir}; run from the repository root", file=sys.stderr)
        return 2
    stale = sync(args.dir, documented_policies(), check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


async def run_migrate(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    applied = await migrate(
        urls.database_url, settings.app_db_password, settings.worker_db_password
    )
    print("applied: " + (", ".join(applied) if applied else "nothing, schema is current"))
    return 0


async def serve(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    await migrate(urls.database_url, settings.app_db_password, settings.worker_db_password)
    # with the workers in process this process runs the relay, the one bus user that publishes
    bus_user = RELAY if settings.workers_in_process else READER
    runtime = Runtime(
        settings,
        urls.database_url,
        urls.nats_url,
        bus_user=bus_user,
        runs_workers=settings.workers_in_process,
    )
    config = uvicorn.Config(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=log_config(),  # JSON lines; services/api/request_context.py logs requests
        access_log=False,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if args.demo and server.started:
        await print_demo(settings)
    await serving
    return 0 if server.started else 1


async def print_demo(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    tenants = await seed_demo(base, settings.platform_admin_key)
    print(f"\nComplaints API on {base}  (OpenAPI: {base}/schema)\n")
    for tenant in tenants:
        print(f"  {tenant.slug:<14} {tenant.policy:<11} admin key: {tenant.admin_key}")
    school = tenants[-1]
    print(
        "\nFile a first complaint:\n"
        f"  curl -s -X POST {base}/v1/complaints -H 'Authorization: Bearer {school.admin_key}'"
        ' -H \'Content-Type: application/json\' -d \'{"summary": "Teacher missed class",'
        ' "channel": "phone", "complainant": {"name": "Li Wei"}}\'\n',
        flush=True,
    )


async def _runtime(settings: Settings, urls: EngineUrls) -> Runtime:
    await migrate(urls.database_url, settings.app_db_password, settings.worker_db_password)
    return await Runtime(settings, urls.database_url, urls.nats_url, runs_workers=False).open()


async def tenant_create(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    from services.handlers.tenancy import Tenancy

    runtime = await _runtime(settings, urls)
    try:
        async with runtime.ledger.unit_of_work() as uow:
            issued = await Tenancy(runtime.repository).create(
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
    return 0


async def key_create_cmd(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    from domain.tenant import Tenant, tenant_id_for
    from services.handlers.tenancy import Tenancy

    runtime = await _runtime(settings, urls)
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    try:
        tenant_id = tenant_id_for(args.tenant)
        tenant = await runtime.repository.load(tenant_id, tenant_id, Tenant)
        now = datetime.now(UTC)
        if args.name:
            tenant.register_person(
                person_id=args.person, name=args.name, roles=roles, by="cli", at=now
            )
        async with runtime.ledger.unit_of_work() as uow:
            issued = await Tenancy(runtime.repository).issue_key(
                uow, tenant, args.person, roles, "cli", now
            )
    finally:
        await runtime.close()
    print(f"key for {args.person} of {args.tenant}: {issued.key}")
    return 0
