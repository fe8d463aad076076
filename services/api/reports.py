"""``GET /v1/reports/period`` and ``GET /v1/reports/penalties``: a period's figures and the
month's penalty sheet (services/handlers/reports.py), as JSON, or as ``.csv`` / ``.xlsx``
files of the same sheets. A reader gets the cases their units cover; the penalty sheet is for
the posts that correct fines, the administrator and auditors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter
from litestar.response import Stream
from msgspec import Struct

from domain.tenant import Tenant
from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant
from services.api.problems import FieldError
from services.api.timestamps import plain_in_utc
from services.api.views import AfterSeq, Wait
from services.handlers.directory import TenantDirectory
from services.handlers.reports import (
    MEDIA_TYPES,
    InvalidPeriod,
    Period,
    Report,
    check_payroll_reader,
    csv_lines,
    penalty_report,
    period_report,
    report_units,
    xlsx_bytes,
)
from services.handlers.views import ViewReads

Req = Request[Principal, Any, Any]
# every view a report reads: a read after a write waits for each to hold it
REPORTED_VIEWS = ("case_list", "deadlines", "timeline", "stats")
From = Annotated[date, QueryParameter(name="from", description="first day, the tenant's calendar")]
To = Annotated[date, QueryParameter(name="to", description="last day, inclusive")]
Month = Annotated[str, QueryParameter(description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")]
UnitParam = Annotated[
    str | None, QueryParameter(description="this unit and the units below it", max_length=40)
]


class ReportTotals(Struct):
    cases: int
    open: int
    resolved: int
    closed: int
    reopened: int
    incidents: int
    reopen_rate: float | None


class ReportSla(Struct):
    rule: str
    kind: str
    met: int
    met_late: int  # of those met: after their due time, before the watcher recorded a miss
    missed: int
    cancelled: int
    running: int
    compliance: Decimal | None  # met / (met + missed)
    paused_seconds: float  # how long these deadlines were paused, in all


class ReportDurations(Struct):
    cases: int
    p50_seconds: float | None
    p90_seconds: float | None


class ReportVolume(Struct):
    value: str
    cases: int


class ReportSatisfaction(Struct):
    stage: str
    responses: int
    average: float | None


class ReportUnit(Struct):
    """One unit's own cases (null: the tenant's root), not those of the units below it."""

    unit: str | None
    name: str
    cases: int
    open: int
    resolved: int
    closed: int
    reopened: int
    reopen_rate: float
    incidents: int
    met: int
    met_late: int
    missed: int
    compliance: Decimal | None
    first_response_p50_seconds: float | None
    first_response_p90_seconds: float | None
    resolution_p50_seconds: float | None
    resolution_p90_seconds: float | None


class PeriodReportOut(Struct):
    from_: date = msgspec.field(name="from")
    to: date
    units: list[str] | None  # null: every case of the tenant
    totals: ReportTotals
    sla: list[ReportSla]
    first_response: ReportDurations
    resolution: ReportDurations
    by_category: list[ReportVolume]
    by_channel: list[ReportVolume]
    by_level: list[ReportVolume]
    satisfaction: list[ReportSatisfaction]
    by_unit: list[ReportUnit]


class PenaltyEntry(Struct):
    seq: int
    at: datetime
    person: str | None
    name: str
    target_role: str
    case_id: UUID
    unit: str | None
    rule: str
    kind: str  # penalty, or reversal (a correction: negative amount, names reverses_seq)
    amount_fen: int
    amount_yuan: Decimal
    performance: str | None
    reason: str
    reverses_seq: int | None


class PersonTotal(Struct):
    person: str
    name: str
    penalties: int
    reversals: int
    net_fen: int
    net_yuan: Decimal
    performance: list[str]  # the consequences still standing after reversals


class PenaltySheetOut(Struct):
    from_: date = msgspec.field(name="from")
    to: date
    units: list[str] | None
    penalties: list[PenaltyEntry]
    people: list[PersonTotal]


def period_of(first: date, last: date) -> Period:
    try:
        return Period(first, last)
    except InvalidPeriod as error:
        raise FieldError(error.field, error.reason) from None


def month_of(month: str) -> Period:
    try:
        return Period.month(month)
    except InvalidPeriod as error:
        raise FieldError(error.field, error.reason) from None


def units_of(tenant: Tenant, principal: Principal, unit: str | None) -> list[str] | None:
    return report_units(tenant, principal.scope, unit)  # an unknown unit: 422 naming it


async def caught_up_all(
    views: ViewReads, tenant: Tenant, after_seq: int | None, wait: float
) -> None:
    for view in REPORTED_VIEWS:
        await views.caught_up(view, tenant.id, after_seq, wait)


PENALTY_BATCH = 500


def penalty_json(body: dict[str, Any]) -> Iterator[bytes]:
    """The ``PenaltySheetOut`` document, its penalties written a batch at a time: a month of
    a large tenant's fines is never one string in memory."""
    encoder = msgspec.json.Encoder()

    def encode(value: msgspec.Struct) -> bytes:
        return encoder.encode(plain_in_utc(value))  # as every other answer's datetimes

    head = PenaltySheetOut(
        from_=body["from"],
        to=body["to"],
        units=body["units"],
        penalties=[],
        people=[msgspec.convert(p, PersonTotal, from_attributes=True) for p in body["people"]],
    )
    # the head's own encoding with its empty list opened up for the rows
    opening, closing = encode(head).split(b'"penalties":[]', 1)
    yield opening + b'"penalties":['
    entries = body["penalties"]
    for start in range(0, len(entries), PENALTY_BATCH):
        batch = entries[start : start + PENALTY_BATCH]
        rows = b",".join(encode(msgspec.convert(e, PenaltyEntry)) for e in batch)
        yield (b"," if start else b"") + rows
    yield b"]" + closing


def csv_file(report: Report) -> Stream:
    return Stream(
        csv_lines(report),
        media_type=MEDIA_TYPES["csv"],
        headers={"Content-Disposition": f'attachment; filename="{report.filename}.csv"'},
    )


def xlsx_file(report: Report) -> Response[bytes]:
    return Response(
        xlsx_bytes(report),
        media_type=MEDIA_TYPES["xlsx"],
        headers={"Content-Disposition": f'attachment; filename="{report.filename}.xlsx"'},
    )


async def the_period_report(
    request: Req,
    views: NamedDependency[ViewReads],
    directory: NamedDependency[TenantDirectory],
    first: From,
    last: To,
    unit: UnitParam = None,
    after_seq: AfterSeq = None,
    wait: Wait = 2.0,
) -> Report:
    """The period's report the query asks for, read once for each of its three forms."""
    tenant = await caller_tenant(directory, request.user)
    period = period_of(first, last)
    await caught_up_all(views, tenant, after_seq, wait)
    return await period_report(views, tenant, period, units_of(tenant, request.user, unit))


async def the_penalty_sheet(
    request: Req,
    views: NamedDependency[ViewReads],
    directory: NamedDependency[TenantDirectory],
    month: Month,
    unit: UnitParam = None,
    after_seq: AfterSeq = None,
    wait: Wait = 2.0,
) -> Report:
    """The month's penalty sheet, for the posts that correct fines, admins and auditors."""
    tenant = await caller_tenant(directory, request.user)
    check_payroll_reader(tenant, request.user.roles)
    period = month_of(month)
    await caught_up_all(views, tenant, after_seq, wait)
    return await penalty_report(views, tenant, period, units_of(tenant, request.user, unit))


class ReportController(Controller):
    path = "/v1/reports"
    guards = [tenant_member]
    tags = ["reports"]
    dependencies = {
        "period_report": Provide(the_period_report),
        "penalty_sheet": Provide(the_penalty_sheet),
    }

    @get("/period", operation_id="periodReport")
    async def period(self, period_report: NamedDependency[Report]) -> PeriodReportOut:
        """SLA compliance by rule and deadline kind, time to first response and to resolution
        (p50, p90), volumes by category, channel and level, satisfaction, reopen rate and
        incidents, for the cases received from ``from`` to ``to``, and per unit."""
        return msgspec.convert(period_report.body, PeriodReportOut, from_attributes=True)

    @get("/period.csv", operation_id="periodReportCsv", media_type=MEDIA_TYPES["csv"])
    async def period_csv(self, period_report: NamedDependency[Report]) -> Stream:
        return csv_file(period_report)

    @get("/period.xlsx", operation_id="periodReportXlsx", media_type=MEDIA_TYPES["xlsx"])
    async def period_xlsx(self, period_report: NamedDependency[Report]) -> Response[bytes]:
        return xlsx_file(period_report)

    @get(
        "/penalties",
        operation_id="penaltySheet",
        media_type=MEDIA_TYPES["json"],
        responses={200: ResponseSpec(PenaltySheetOut, description="the month's penalty sheet")},
    )
    async def penalties(self, penalty_sheet: NamedDependency[Report]) -> Stream:
        """The month's penalty sheet for payroll (S8, S11, B6): every penalty and reversal
        recorded in the month, with its case, rule, amount and ledger seq, and the totals
        per person. Streamed, a batch of penalties at a time."""
        return Stream(penalty_json(penalty_sheet.body), media_type=MEDIA_TYPES["json"])

    @get("/penalties.csv", operation_id="penaltySheetCsv", media_type=MEDIA_TYPES["csv"])
    async def penalties_csv(self, penalty_sheet: NamedDependency[Report]) -> Stream:
        return csv_file(penalty_sheet)

    @get("/penalties.xlsx", operation_id="penaltySheetXlsx", media_type=MEDIA_TYPES["xlsx"])
    async def penalties_xlsx(self, penalty_sheet: NamedDependency[Report]) -> Response[bytes]:
        return xlsx_file(penalty_sheet)
