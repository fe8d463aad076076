"""``complaints case-study --tenant T --case ID [--out FILE]``: a closed case of a bank tenant
as anonymised training material (B14), printed as JSON or written to a file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any
from uuid import UUID

from services.cli.errors import OK, OperatorError
from services.cli.output import deliver
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.handlers.case_studies import case_study_of
from services.settings import Settings


def register(commands: Any) -> None:
    study = commands.add_parser(
        "case-study", help="export a closed case as an anonymised case study (bank, B14)"
    )
    study.add_argument("--tenant", required=True, help="tenant slug or id")
    study.add_argument("--case", required=True, type=UUID)
    study.add_argument("--out", type=Path, help="write the JSON here instead of stdout")
    study.set_defaults(run=case_study_cmd, needs_bus=False)


async def case_study_cmd(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await open_runtime(settings, urls)
    try:
        tenant_id = await known_tenant(runtime, args.tenant)
        tenant = await runtime.directory.get(tenant_id)
        if tenant is None:
            raise OperatorError(f"no tenant {args.tenant}")
        study = await case_study_of(runtime.cases, tenant, args.case, roles=None)
    finally:
        await runtime.close()
    text = json.dumps(study, ensure_ascii=False, indent=2) + "\n"
    deliver(text, args.out, f"case study of {args.case}")
    return OK
