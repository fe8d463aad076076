"""B13: the report pack for the originating bank: the whole event and its outcome, from the
ledger, for the roles the case's policy names."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from domain.complaint import Complaint
from domain.errors import Refused
from domain.tenant import Tenant
from services.handlers.cases import Cases
from services.handlers.policies import load_policy
from services.store.ledger import RecordedEvent
from services.store.repository import NotFound

REPORT_DEADLINE = "originating_bank_report"


@dataclass(frozen=True)
class ReportPack:
    case: Complaint
    history: list[tuple[RecordedEvent, Any]]  # every recorded event, with its domain event
    policy: Any
    head: tuple[int, bytes] | None  # the tenant's ledger head when the pack was made

    @property
    def handled(self) -> bool:
        return self.case.resolution is not None or self.case.closed_at is not None


async def originating_report(
    cases: Cases, tenant: Tenant, case: Complaint, roles: Iterable[str] | None
) -> ReportPack:
    """One of ``tenant``'s cases, as loaded, as its pack: NotFound where the case's
    procedure sends none (every policy but the bank's); Refused (B13) for a role the policy
    does not let read it. ``roles`` None is the operator at the command line."""
    policy = load_policy(case.policy)
    readers = getattr(policy, "originating_report_roles", None)
    if not readers:
        raise NotFound("originating-bank report of complaint", case.id)
    if roles is not None and not readers & set(roles):
        raise Refused("B13", f"the originating bank's report is read by {sorted(readers)}")
    history = await cases.recorded(tenant.id, case.id)
    return ReportPack(case, history, policy, await cases.ledger.head(tenant.id))
