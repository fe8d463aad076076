"""Reports for a period and the month's penalty sheet, as JSON, CSV and XLSX.

Each report is read once from the views (projections/reports.py) into sheets, tables of
named columns; JSON, CSV and the workbook are three ways of writing the same sheets, so
their figures cannot disagree. Amounts are in fen in JSON (integers, as everywhere in the
API) and in yuan, two decimals, in the sheet columns people read.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from domain.errors import DomainError, Refused
from domain.tenant import ADMIN_ROLE, Tenant
from domain.units import Scope, units_seen
from projections import reports
from services.handlers.policies import load_policy
from services.handlers.views import ViewReads

AUDITOR_ROLE = "auditor"
FORMATS = ("json", "csv", "xlsx")
MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_DAYS = 366


class InvalidPeriod(DomainError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


# The years a report may cover: the product's records start long after 1970, and the ends of
# the calendar (year 1, year 9999) have no midnight after them in every time zone.
YEARS = range(1970, 3000)


@dataclass(frozen=True)
class Period:
    """Whole days of the tenant's calendar, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    def __post_init__(self) -> None:
        for field, day in (("from", self.first), ("to", self.last)):
            if day.year not in YEARS:
                raise InvalidPeriod(field, f"a day from {YEARS.start} to {YEARS.stop - 1}")
        if self.last < self.first:
            raise InvalidPeriod("to", "must not be before from")
        if (self.last - self.first).days >= MAX_DAYS:
            raise InvalidPeriod("to", f"a report covers at most {MAX_DAYS} days")

    @classmethod
    def month(cls, value: str) -> Period:
        try:
            first = date.fromisoformat(f"{value}-01")
        except ValueError:
            raise InvalidPeriod("month", "a month as YYYY-MM") from None
        if first.year not in YEARS:
            raise InvalidPeriod("month", f"a month from {YEARS.start} to {YEARS.stop - 1}")
        following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
        return cls(first, following - timedelta(days=1))

    def bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[start, end) in the tenant's time zone: midnight to the midnight after ``last``."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first, time(), zone)
        return start, datetime.combine(self.last + timedelta(days=1), time(), zone)

    @property
    def name(self) -> str:
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True)
class Report:
    kind: str
    period: Period
    units: list[str] | None  # None: every case of the tenant
    body: dict[str, Any]  # the JSON answer
    sheets: list[Sheet]

    @property
    def filename(self) -> str:
        return f"{self.kind}_{self.period.name}"


def yuan(fen: int | None) -> Decimal | None:
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


# --- who reads what ------------------------------------------------------------------------


def report_units(tenant: Tenant, scope: Scope | None, unit: str | None) -> list[str] | None:
    """The units a report counts (domain.units.units_seen), in order; None: every case."""
    seen = units_seen(tenant.units, scope, unit)
    return None if seen is None else sorted(seen)


def payroll_readers(tenant: Tenant) -> frozenset[str]:
    """Who reads the penalty sheet: the posts that may take a fine back under the tenant's
    policy (S11, B6), the tenant's administrator and auditors."""
    permissions = getattr(load_policy(tenant.policy), "permissions", {})
    return frozenset(permissions.get("penalty-reversals", ())) | {ADMIN_ROLE, AUDITOR_ROLE}


def check_payroll_reader(tenant: Tenant, roles: Iterable[str] | None) -> None:
    if roles is None:
        return  # the operator at the command line
    readers = payroll_readers(tenant)
    if not readers & set(roles):
        refusals = getattr(load_policy(tenant.policy), "refusals", {})
        rule = refusals.get("penalty-reversals", ("C2", ""))[0]
        raise Refused(rule, f"the penalty sheet is read by {', '.join(sorted(readers))}")


# --- the reports ---------------------------------------------------------------------------

Progress = Callable[[str], None]
Query = Callable[..., Awaitable[Any]]  # (conn, tenant_id, start, end, units) -> rows


async def read(
    views: ViewReads,
    tenant: Tenant,
    period: Period,
    units: list[str] | None,
    query: Query,
    progress: Progress,
) -> Any:
    """``query`` over the tenant's views for the period's days in its time zone."""
    start, end = period.bounds(tenant.timezone)
    async with views.reading(tenant.id) as conn:
        progress("reading the views")
        return await query(conn, tenant.id, start, end, units)


def heading(period: Period, units: list[str] | None) -> dict[str, Any]:
    return {"from": period.first, "to": period.last, "units": units}


async def period_report(
    views: ViewReads,
    tenant: Tenant,
    period: Period,
    units: list[str] | None,
    progress: Progress = lambda step: None,
) -> Report:
    figures = await read(views, tenant, period, units, reports.period, progress)
    progress("writing the sheets")
    for row in figures["by_unit"]:
        held = tenant.units.get(row["unit"] or "")
        row["name"] = held.name if held else ""  # "": the tenant's root
    body = heading(period, units) | figures
    return Report("period", period, units, body, period_sheets(body))


def period_sheets(body: dict[str, Any]) -> list[Sheet]:
    totals = body["totals"]
    durations = [
        (what, body[what]["cases"], body[what]["p50_seconds"], body[what]["p90_seconds"])
        for what in ("first_response", "resolution")
    ]
    sla = (
        "rule", "kind", "met", "met_late", "missed", "cancelled", "running", "compliance",
        "paused_seconds",
    )  # fmt: skip

    def volume(title: str, key: str) -> Sheet:
        return Sheet(title, (title, "cases"), [(r["value"], r["cases"]) for r in body[key]])

    return [
        Sheet("totals", tuple(totals), [tuple(totals.values())]),
        Sheet("sla", sla, [tuple(r[c] for c in sla) for r in body["sla"]]),
        Sheet("durations", ("measure", "cases", "p50_seconds", "p90_seconds"), durations),
        volume("category", "by_category"),
        volume("channel", "by_channel"),
        volume("level", "by_level"),
        Sheet(
            "satisfaction",
            ("stage", "responses", "average"),
            [(r["stage"], r["responses"], r["average"]) for r in body["satisfaction"]],
        ),
        Sheet("unit", UNIT_COLUMNS, [tuple(r[c] for c in UNIT_COLUMNS) for r in body["by_unit"]]),
    ]


UNIT_COLUMNS = (
    "unit", "name", "cases", "open", "resolved", "closed", "reopened", "reopen_rate",
    "incidents", "met", "met_late", "missed", "compliance", "first_response_p50_seconds",
    "first_response_p90_seconds", "resolution_p50_seconds", "resolution_p90_seconds",
)  # fmt: skip


PENALTY_COLUMNS = (
    "seq",
    "at",
    "person",
    "name",
    "target_role",
    "case_id",
    "unit",
    "rule",
    "kind",
    "amount_yuan",
    "performance",
    "reason",
    "reverses_seq",
)
TOTAL_COLUMNS = ("person", "name", "penalties", "reversals", "net_yuan", "performance")


async def penalty_report(
    views: ViewReads,
    tenant: Tenant,
    period: Period,
    units: list[str] | None,
    progress: Progress = lambda step: None,
) -> Report:
    rows = await read(views, tenant, period, units, reports.penalty_sheet, progress)
    progress("totalling per person")
    names = {p.person_id: p.name for p in tenant.people.values()}
    entries = [penalty_entry(row, names) for row in rows]
    people = person_totals(entries)
    body = heading(period, units) | {"penalties": entries, "people": people}
    sheets = [
        Sheet("penalties", PENALTY_COLUMNS, [sheet_row(e, PENALTY_COLUMNS) for e in entries]),
        Sheet("per_person", TOTAL_COLUMNS, [sheet_row(p, TOTAL_COLUMNS) for p in people]),
    ]
    return Report("penalties", period, units, body, sheets)


def penalty_entry(row: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    person = row["person"]
    return {
        "seq": row["seq"],
        "at": row["at"],
        "person": person,
        "name": names.get(person or "", ""),
        "target_role": row["target_role"],
        "case_id": row["case_id"],
        "unit": row["unit"],
        "rule": row["rule"],
        "kind": "penalty" if row["reverses_seq"] is None else "reversal",
        "amount_fen": row["amount_fen"],
        "amount_yuan": yuan(row["amount_fen"]),
        "performance": row["performance"],
        "reason": row["reason"] or "",
        "reverses_seq": row["reverses_seq"],
    }


def person_totals(entries: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per person (or per post, where the penalty names nobody): the month's net amount and
    the performance consequences still standing once reversals are taken off."""
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    reversed_seqs = {e["reverses_seq"] for e in entries if e["kind"] == "reversal"}
    for e in entries:
        key = (e["person"] or "", e["target_role"] if not e["person"] else "")
        held = totals.setdefault(
            key,
            {
                "person": e["person"] or f"[{e['target_role']}]",
                "name": e["name"],
                "penalties": 0,
                "reversals": 0,
                "net_fen": 0,
                "performance": [],
            },
        )
        held["penalties" if e["kind"] == "penalty" else "reversals"] += 1
        held["net_fen"] += e["amount_fen"]
        standing = e["kind"] == "penalty" and e["seq"] not in reversed_seqs
        if standing and e["performance"] and e["performance"] not in held["performance"]:
            held["performance"].append(e["performance"])
    people = sorted(totals.values(), key=lambda p: p["person"])
    for p in people:
        p["net_yuan"] = yuan(p["net_fen"])
    return people


def sheet_row(entry: dict[str, Any], columns: Sequence[str]) -> tuple[Any, ...]:
    return tuple(cell(entry[c]) for c in columns)


def cell(value: Any) -> Any:
    """What a spreadsheet cell holds: text for ids and lists, a naive UTC time for a moment
    (a workbook has no time zones), the value itself otherwise."""
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, list):
        return "; ".join(map(str, value))
    if isinstance(value, datetime):
        return value.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)
    return value


# --- the formats ---------------------------------------------------------------------------


def csv_lines(report: Report) -> Iterator[str]:
    """One CSV document: each sheet's rows under a header naming the sheet, a blank line
    between sheets. Written line by line, so a long sheet streams."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for n, sheet in enumerate(report.sheets):
        if n:
            writer.writerow([])
        writer.writerow(["sheet", *sheet.columns])
        for row in sheet.rows:
            writer.writerow([sheet.title, *(csv_cell(v) for v in row)])
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


def csv_cell(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    return "" if value is None else value


def xlsx_bytes(report: Report) -> bytes:
    """A workbook with one worksheet per sheet, amounts as numbers with two decimals."""
    book = Workbook(write_only=True)
    for sheet in report.sheets:
        page = book.create_sheet(sheet.title)
        page.append(list(sheet.columns))
        for row in sheet.rows:
            page.append([amount_cell(page, v) if isinstance(v, Decimal) else v for v in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def amount_cell(page: Any, value: Decimal) -> WriteOnlyCell:
    written = WriteOnlyCell(page, value=float(value))
    written.number_format = "0.00"
    return written
