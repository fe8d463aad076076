"""``complaints data-key rotate --tenant T``: a new key seals the tenant's personal data from
now on; events sealed before keep theirs (services/keys.py)."""

from __future__ import annotations

import argparse
from typing import Any

from services.cli.projections import tenant_ref
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate
from services.store.repository import NotFound


def register(commands: Any) -> None:
    group = commands.add_parser("data-key").add_subparsers(required=True, dest="key_command")
    rotating = group.add_parser("rotate", help="rotate a tenant's personal-data key")
    rotating.add_argument("--tenant", required=True, help="tenant slug or id")
    rotating.set_defaults(run=rotate_key)


async def rotate_key(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    await migrate(urls.database_url, settings.app_db_password, settings.worker_db_password)
    runtime = await Runtime(settings, urls.database_url, urls.nats_url, runs_workers=False).open()
    tenant_id = tenant_ref(args.tenant)
    try:
        version = await runtime.data_keys.rotate(tenant_id)
    except NotFound:
        print(f"error: no tenant {args.tenant}")
        return 1
    finally:
        await runtime.close()
    print(f"tenant {tenant_id}: personal data now sealed with key {version}")
    return 0
