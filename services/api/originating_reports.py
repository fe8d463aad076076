"""``GET /v1/complaints/{id}/originating-bank-report``: the report pack of B13, the whole
event and its outcome from the ledger (services/handlers/originating_reports.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Struct

from services.api.auth import Principal, tenant_member
from services.api.complaints import complaint_out, history_item
from services.api.deps import caller_tenant, readable_case, roles_on
from services.api.schemas import ComplaintOut, DeadlineOut, HistoryItem
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.handlers.originating_reports import REPORT_DEADLINE, ReportPack, originating_report

Req = Request[Principal, Any, Any]


class ReportOutcome(Struct):
    status: str
    handled: bool  # resolved or closed: B13's three days run from then
    resolution: str | None
    closed_at: datetime | None
    level_reached: int
    rung: str | None
    incidents: list[dict[str, Any]]
    accountability: list[dict[str, Any]]  # B6: each post held responsible, by name and share
    contacts: list[dict[str, Any]]  # mediators (B11), the originating bank itself (B13) ...


class LedgerAnchor(Struct):
    """Where the pack sits in the tenant's hash chain: check it with the ledger export."""

    head_seq: int
    head_hash: str
    last_seq: int  # the case's last recorded event


class OriginatingBankReport(Struct):
    rule: str
    tenant: str
    case: ComplaintOut
    outcome: ReportOutcome
    report_deadline: DeadlineOut | None  # B13's own: 3 days from handling
    history: list[HistoryItem]
    ledger: LedgerAnchor


def report_out(tenant_name: str, pack: ReportPack, roles: frozenset[str]) -> OriginatingBankReport:
    case = pack.case
    shown = complaint_out(case, roles)
    head_seq, head_hash = pack.head or (0, b"")
    return OriginatingBankReport(
        rule="B13",
        tenant=tenant_name,
        case=shown,
        outcome=ReportOutcome(
            status=str(case.status),
            handled=pack.handled,
            resolution=case.resolution,
            closed_at=case.closed_at,
            level_reached=max(
                [case.level, *(e.to_level for _, e in pack.history if hasattr(e, "to_level"))]
            ),
            rung=case.rung,
            incidents=shown.incidents,
            accountability=[p for p in case.penalties if p["rule"] == "B6"],
            contacts=case.contacts,
        ),
        report_deadline=next((d for d in shown.deadlines if d.kind == REPORT_DEADLINE), None),
        history=[
            history_item(r.seq, r.recorded_at, e, pack.policy, roles) for r, e in pack.history
        ],
        ledger=LedgerAnchor(head_seq, head_hash.hex(), pack.history[-1][0].seq),
    )


class OriginatingReportController(Controller):
    path = "/v1/complaints"
    guards = [tenant_member]
    tags = ["complaints"]

    @get("/{case_id:uuid}/originating-bank-report", operation_id="getOriginatingBankReport")
    async def originating_bank_report(
        self,
        request: Req,
        case_id: FromPath[UUID],
        cases: NamedDependency[Cases],
        directory: NamedDependency[TenantDirectory],
    ) -> OriginatingBankReport:
        """B13: the whole event and its outcome, every recorded step with its ledger seq, for
        the general department to send to the originating bank within 3 days of handling;
        what the policy restricts (B9) withheld from readers it does not name."""
        tenant = await caller_tenant(directory, request.user)
        case = await readable_case(cases, request.user, case_id)
        roles = roles_on(request.user, case)
        pack = await originating_report(cases, tenant, case, roles)
        return report_out(tenant.name, pack, roles)
