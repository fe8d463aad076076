"""``complaints projections rebuild [--tenant T] [--view V] [--jobs N]``: rebuild views from
zero while the service keeps serving (each tenant's rebuild is one transaction; ``--jobs``
tenants at a time)."""

from __future__ import annotations

import argparse
from typing import Any
from uuid import UUID

from domain.tenant import tenant_id_for
from projections.runner import REBUILD_JOBS, VIEWS
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate


def register(commands: Any) -> None:
    group = commands.add_parser("projections").add_subparsers(required=True, dest="proj_command")
    rebuild = group.add_parser("rebuild", help="rebuild read views from the ledger")
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
    rebuild.set_defaults(run=rebuild_views)


def tenant_ref(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        return tenant_id_for(value)


async def rebuild_views(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    await migrate(urls.database_url, settings.app_db_password, settings.worker_db_password)
    runtime = await Runtime(settings, urls.database_url, urls.nats_url).open()
    try:
        runner = runtime.projections
        tenants = [tenant_ref(args.tenant)] if args.tenant else await runner.tenants()

        def done(tenant_id: UUID, applied: int, took: float) -> None:
            print(f"{tenant_id}: {applied} events in {took:.2f}s", flush=True)

        await runner.rebuild_many(tenants, args.view, args.jobs, done)
    finally:
        await runtime.close()
    return 0
