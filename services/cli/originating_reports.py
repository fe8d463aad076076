"""``complaints originating-bank-report --tenant T --case ID [--out FILE]``: B13's report pack
of a bank case, the whole event and its outcome from the ledger, printed as JSON or written
to a file for the general department to send."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from uuid import UUID

import msgspec

from services.api.originating_reports import report_out
from services.cli.errors import OK, OperatorError
from services.cli.output import deliver
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.handlers.originating_reports import originating_report
from services.settings import Settings


def register(commands: Any) -> None:
    report = commands.add_parser(
        "originating-bank-report",
        help="the report pack of a bank case for the originating bank (B13)",
    )
    report.add_argument("--tenant", required=True, help="tenant slug or id")
    report.add_argument("--case", required=True, type=UUID)
    report.add_argument("--out", type=Path, help="write the JSON here instead of stdout")
    report.set_defaults(run=originating_report_cmd, needs_bus=False)


async def originating_report_cmd(
    args: argparse.Namespace, settings: Settings, urls: EngineUrls
) -> int:
    runtime = await open_runtime(settings, urls)
    try:
        tenant = await runtime.directory.get(await known_tenant(runtime, args.tenant))
        if tenant is None:
            raise OperatorError(f"no tenant {args.tenant}")
        case = await runtime.cases.get(tenant.id, args.case)
        pack = await originating_report(runtime.cases, tenant, case, roles=None)
    finally:
        await runtime.close()
    # the operator holds the database, and so every field: nothing is withheld
    every_role = frozenset(getattr(pack.policy, "roles", ()))
    body = msgspec.to_builtins(report_out(tenant.name, pack, every_role))
    text = json.dumps(body, ensure_ascii=False, indent=2, default=str) + "\n"
    deliver(text, args.out, f"originating-bank report of {args.case}")
    return OK
