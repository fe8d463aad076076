"""The ``complaints`` command: serve, migrate, tenant create, key create, units, people place,
data-key rotate, projections rebuild, worker, case-study, policies docs, audit (export, verify,
what-if, checkpoint).

Exit codes: 0 done, 1 a check found a problem, 2 an operator error, 130 interrupted
(services/cli/errors.py)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

import asyncpg
import uvicorn

from domain.errors import DomainError
from services.api.app import create_app
from services.cli import case_studies as cli_case_studies
from services.cli import keys as cli_keys
from services.cli import originating_reports as cli_originating_reports
from services.cli import projections as cli_projections
from services.cli import reports as cli_reports
from services.cli import tenants as cli_tenants
from services.cli import units as cli_units
from services.cli import worker as cli_worker
from services.cli.audit import add_audit_commands
from services.cli.demo import DemoTenant, seed_demo
from services.cli.errors import FAILED, INTERRUPTED, OK, OPERATOR_ERROR, OperatorError
from services.cli.policy_docs import documented_policies, sync
from services.cli.session import check_bus, database_unreachable, migrated
from services.engines import READER, RELAY, EngineError, EngineUrls, engines
from services.handlers.tenancy import TenantExists, UnknownRoles
from services.logs import log_config
from services.runtime import Runtime
from services.settings import Settings
from services.store.repository import NotFound

# What a command refuses for what the operator asked: the domain's refusals (an unknown
# policy, person or calendar), no such tenant or case, a taken slug, roles the policy lacks.
REFUSALS = (DomainError, NotFound, TenantExists, UnknownRoles)
# Seconds requests in flight get to finish once serve is told to stop: with the bus drained
# (at most 3 s, services/runtime.py) serve stops within 5 s.
SHUTDOWN_GRACE_S = 1.5
# The database going away while a command works with it
DATABASE_LOST = (asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError)


def main(argv: Sequence[str] | None = None) -> int:
    args: argparse.Namespace | None = None
    try:
        args = parser().parse_args(argv)
        return run(args)
    except SystemExit as exit_:  # argparse after --help, --version or a bad argument
        return exit_.code if isinstance(exit_.code, int) else OPERATOR_ERROR
    except (OperatorError, *REFUSALS) as error:
        print(f"error: {error}", file=sys.stderr)
        return OPERATOR_ERROR
    except KeyboardInterrupt:
        # asyncio reports what the interrupted work left unfinished (a connection cancelled
        # mid-handshake) as it is collected, after this: noise once the operator stopped it
        logging.getLogger("asyncio").setLevel(logging.CRITICAL)
        if getattr(args, "run", None) not in (serve, cli_worker.run_worker):
            # a server's output is its JSON log lines, which already say it stopped
            print("interrupted", file=sys.stderr)
        return INTERRUPTED


def run(args: argparse.Namespace) -> int:
    if not getattr(args, "needs_engines", True):
        return args.run(args)
    try:
        settings = Settings.from_env()
    except ValueError as error:
        raise OperatorError(f"a setting cannot be read: {error}") from None
    if getattr(args, "port", None):
        settings = replace(settings, port=args.port)
    if args.run is serve and not args.demo and (problem := settings.platform_key_problem()):
        raise OperatorError(f"not serving: {problem}")
    try:
        with engines(settings, bus=getattr(args, "needs_bus", True)) as urls:
            try:
                return asyncio.run(args.run(args, settings, urls))
            except DATABASE_LOST as error:
                raise database_unreachable(settings, urls, error) from None
    except EngineError as error:
        raise OperatorError(str(error)) from None


class CommandParser(argparse.ArgumentParser):
    """One line for a bad argument, as for every other operator error."""

    def error(self, message: str) -> NoReturn:
        self.exit(OPERATOR_ERROR, f"error: {message} (see {self.prog} --help)\n")


DESCRIPTION = "The complaint desk's command line: the API, its database, tenants and keys, audits."
EPILOG = (
    "Exit codes: 0 done; 1 a check found a problem, or serve or worker stopped on a fault;"
    " 2 an operator error (a bad argument or setting, an unknown tenant or case, a refused"
    " role, a database or bus that cannot be reached); 130 interrupted."
)


def parser() -> argparse.ArgumentParser:
    root = CommandParser(prog="complaints", description=DESCRIPTION, epilog=EPILOG)
    root.add_argument("--version", action="version", version=f"%(prog)s {version('complaints')}")
    commands = root.add_subparsers(required=True, dest="command", metavar="command")

    serve_cmd = commands.add_parser("serve", help="run the HTTP API")
    serve_cmd.add_argument("--port", type=int)
    serve_cmd.add_argument("--demo", action="store_true", help="create the demo tenants")
    serve_cmd.set_defaults(run=serve)

    migrate_cmd = commands.add_parser("migrate", help="apply schema migrations")
    migrate_cmd.set_defaults(run=run_migrate, needs_bus=False)

    cli_tenants.register(commands)
    cli_units.register(commands)
    cli_projections.register(commands)
    cli_keys.register(commands)
    cli_worker.register(commands)
    cli_case_studies.register(commands)
    cli_reports.register(commands)
    cli_originating_reports.register(commands)

    policies = commands.add_parser("policies", help="the built-in policies' documentation")
    policies_sub = policies.add_subparsers(
        required=True, dest="policies_command", metavar="command"
    )
    docs = policies_sub.add_parser(
        "docs", help="regenerate the diagrams in docs/policies/<name>.md"
    )
    docs.add_argument("--check", action="store_true", help="fail if a page is out of date")
    docs.add_argument("--dir", type=Path, default=Path("docs/policies"))
    docs.set_defaults(run=policies_docs, needs_engines=False)

    add_audit_commands(commands)
    return root


def policies_docs(args: argparse.Namespace) -> int:
    if not args.dir.is_dir():
        raise OperatorError(f"no directory {args.dir}; run from the repository root")
    stale = sync(args.dir, documented_policies(), check=args.check)
    for path in stale:
        print(f"{'out of date' if args.check else 'wrote'}: {path}")
    return FAILED if args.check and stale else OK


async def run_migrate(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    applied = await migrated(settings, urls)
    print("applied: " + (", ".join(applied) if applied else "nothing, schema is current"))
    return OK


async def serve(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    await migrated(settings, urls)
    # with the workers in process this process runs the relay, the one bus user that publishes
    bus_user = RELAY if settings.workers_in_process else READER
    await check_bus(settings, urls, bus_user)
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
        # On SIGTERM requests in flight get this long to finish; event streams never do,
        # and are then cut (their clients reconnect elsewhere with Last-Event-ID).
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if args.demo and server.started:
        await print_demo(settings)
    await serving
    return OK if server.started else FAILED


async def print_demo(settings: Settings) -> None:
    base = f"http://{settings.host}:{settings.port}"
    console = f"{base}/console/"
    tenants = await seed_demo(base, settings.platform_admin_key)
    print(f"\nComplaints API on {base}  (OpenAPI: {base}/schema)")
    print(f"Staff console on {console}  (sign in with a staff key below)\n")
    for tenant in tenants:
        print_demo_tenant(tenant)
    school = tenants[-1]
    print(
        "\nFile a first complaint:\n"
        f"  curl -s -X POST {base}/v1/complaints"
        f" -H 'Authorization: Bearer {school.admin_key or '<admin key>'}'"
        ' -H \'Content-Type: application/json\' -d \'{"summary": "Teacher missed class",'
        ' "channel": "phone", "complainant": {"name": "Li Wei"}}\'\n'
        f"or handle one in the browser: open {console} and sign in with a staff key above\n",
        flush=True,
    )


def print_demo_tenant(tenant: DemoTenant) -> None:
    staff = tenant.plan.staff
    head, indent = f"  {tenant.slug:<14} {tenant.policy:<11}  ", " " * 30
    if tenant.admin_key is None:  # seeded by an earlier run, which printed its keys once
        print(f"{head}seeded before; for {staff.person_id}'s key:")
        print(
            f"{indent}complaints key create --tenant {tenant.slug}"
            f" --person {staff.person_id} --roles {','.join(staff.roles)}"
        )
        return
    print(f"{head}admin key: {tenant.admin_key}")
    print(f"{indent}staff key: {tenant.staff_key}  ({staff.person_id}: {', '.join(staff.roles)})")
    print(f"{indent}to closure: {tenant.plan.walk}")
