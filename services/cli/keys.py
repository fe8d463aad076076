"""``complaints data-key rotate --tenant T``: a new key seals the tenant's personal data from
now on; events sealed before keep theirs (services/keys.py)."""

from __future__ import annotations

import argparse
from typing import Any

from services.cli.errors import OK
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.settings import Settings


def register(commands: Any) -> None:
    group = commands.add_parser("data-key", help="manage a tenant's personal-data key")
    sub = group.add_subparsers(required=True, dest="key_command", metavar="command")
    rotating = sub.add_parser("rotate", help="rotate a tenant's personal-data key")
    rotating.add_argument("--tenant", required=True, help="tenant slug or id")
    rotating.set_defaults(run=rotate_key, needs_bus=False)


async def rotate_key(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await open_runtime(settings, urls)
    try:
        tenant_id = await known_tenant(runtime, args.tenant)
        version = await runtime.data_keys.rotate(tenant_id)
    finally:
        await runtime.close()
    print(f"tenant {tenant_id}: personal data now sealed with key {version}")
    return OK
