"""``complaints reports period|penalties``: a period's figures or the month's penalty sheet
(services/handlers/reports.py) as JSON, CSV or XLSX, on stdout or in a file, with progress on
a terminal."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path
from typing import Any

from domain.units import UnknownUnit
from services.cli.errors import OK, OperatorError
from services.cli.output import deliver
from services.cli.progress import progress
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.handlers.reports import (
    FORMATS,
    InvalidPeriod,
    Period,
    Report,
    csv_lines,
    penalty_report,
    period_report,
    report_units,
    xlsx_bytes,
)
from services.settings import Settings

STEPS = 2  # reading the views, writing the sheets


def register(commands: Any) -> None:
    reports = commands.add_parser("reports", help="reports for a period, the penalty sheet")
    kinds = reports.add_subparsers(dest="report", required=True)
    period = kinds.add_parser("period", help="SLA, response and resolution times, volumes")
    period.add_argument("--from", dest="first", required=True, type=date.fromisoformat)
    period.add_argument("--to", dest="last", required=True, type=date.fromisoformat)
    penalties = kinds.add_parser("penalties", help="the month's penalty sheet for payroll")
    penalties.add_argument("--month", required=True, help="YYYY-MM")
    for parser in (period, penalties):
        parser.add_argument("--tenant", required=True, help="tenant slug or id")
        parser.add_argument("--unit", help="this unit and the units below it")
        parser.add_argument("--format", choices=FORMATS, default="json")
        parser.add_argument("--out", type=Path, help="write the report here instead of stdout")
        parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
        parser.set_defaults(run=report_cmd, needs_bus=False)


async def report_cmd(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    if args.format == "xlsx" and args.out is None:
        raise OperatorError("an XLSX report is written to a file: give --out")
    runtime = await open_runtime(settings, urls)
    try:
        tenant = await runtime.directory.get(await known_tenant(runtime, args.tenant))
        if tenant is None:
            raise OperatorError(f"no tenant {args.tenant}")
        with progress(quiet=args.quiet) as bar:
            task = bar.add_task(f"{args.report} report", total=STEPS)

            def step(description: str) -> None:
                bar.update(task, description=description)
                bar.advance(task)

            try:
                units = report_units(tenant, None, args.unit)
                if args.report == "period":
                    period = Period(args.first, args.last)
                    report = await period_report(runtime.views, tenant, period, units, step)
                else:
                    report = await penalty_report(
                        runtime.views, tenant, Period.month(args.month), units, step
                    )
            except InvalidPeriod as error:
                raise OperatorError(f"--{error.field}: {error.reason}") from None
            except UnknownUnit as error:
                raise OperatorError(f"--unit: {error}") from None
    finally:
        await runtime.close()
    write(report, args.format, args.out)
    return OK


def write(report: Report, form: str, out: Path | None) -> None:
    if form == "xlsx":
        assert out is not None
        content: bytes | str = xlsx_bytes(report)
    elif form == "csv":
        content = "".join(csv_lines(report))
    else:
        content = json.dumps(report.body, ensure_ascii=False, indent=2, default=str) + "\n"
    deliver(content, out, f"{report.kind} report")
