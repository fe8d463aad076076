"""``complaints projections rebuild [--tenant T] [--view V] [--jobs N] [--processes P]``:
rebuild views from zero while the service keeps serving (each tenant's rebuild is one
transaction; ``--jobs`` tenants at a time in each of ``--processes`` processes)."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from projections.runner import REBUILD_JOBS, VIEWS
from services.cli.errors import OK
from services.cli.progress import progress
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.runtime import role_url
from services.settings import WORKER_ROLE, Settings
from services.workers.rebuild_processes import rebuild_in_processes


def register(commands: Any) -> None:
    group = commands.add_parser("projections", help="rebuild the read views from the ledger")
    sub = group.add_subparsers(required=True, dest="proj_command", metavar="command")
    rebuild = sub.add_parser("rebuild", help="rebuild read views from the ledger")
    rebuild.add_argument("--tenant", help="tenant slug or id (default: every tenant)")
    rebuild.add_argument(
        "--view",
        action="append",
        choices=[v.name for v in VIEWS],
        help="a view to rebuild (repeatable; default: all)",
    )
    rebuild.add_argument(
        "--jobs",
        type=int,
        default=REBUILD_JOBS,
        help=f"tenants rebuilt at once, each in its own transaction (default {REBUILD_JOBS})",
    )
    rebuild.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processes sharing the tenants, each with --jobs tenants at a time (default 1)",
    )
    rebuild.set_defaults(run=rebuild_views, needs_bus=False)


async def rebuild_views(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    # the runner follows every tenant: it writes the views with the workers' role
    runtime = await open_runtime(settings, urls, runs_workers=True)
    try:
        runner = runtime.projections
        tenants = (
            [await known_tenant(runtime, args.tenant)] if args.tenant else await runner.tenants()
        )
        with progress() as shown:
            task = shown.add_task("rebuilding views", total=len(tenants))

            def done(tenant_id: UUID, applied: int, took: float) -> None:
                print(f"{tenant_id}: {applied} events in {took:.2f}s", flush=True)
                shown.advance(task)

            if args.processes > 1:
                await rebuild_in_processes(
                    role_url(urls.database_url, settings.worker_db_password, WORKER_ROLE),
                    settings.key_path,
                    tenants,
                    args.view,
                    args.jobs,
                    args.processes,
                    done,
                )
            else:
                await runner.rebuild_many(tenants, args.view, args.jobs, done)
    finally:
        await runtime.close()
    return OK
