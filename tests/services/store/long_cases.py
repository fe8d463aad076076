"""Long cases for the snapshot and replay tests: made by the real domain (policy
``hospital@1``), sealed with the tenant's key and appended straight to the ledger, in one
append or several (each append is its own transaction, so its own ``recorded_at``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import DomainError
from domain.handling import execute
from domain.tenant import Tenant
from services.handlers.policies import load_policy
from services.runtime import Runtime

POLICY = "hospital@1"
NAME, CONTACT = "Li Wei", "13800000000"
SUMMARY = "Dressing changed four hours late on ward 3"
NOTE = "called Li Wei back on 13800000000"
FILING = c.File(
    received_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    channel="phone",
    summary=SUMMARY,
    details="The family asked twice.",
    complainant={"name": NAME, "contact": CONTACT},
    category="medical_dispute",
)


def _notes(n: int, case: Complaint) -> c.Command:
    return c.AddNote(f"{NOTE} ({n})")


def _worked(n: int, case: Complaint) -> c.Command:
    """Notes, handovers, deadlines paused and resumed, escalations, resolution, closing and
    reopening, evidence, incidents: most of what a case's state holds."""
    pending = sorted(d for d, held in case.deadlines.items() if held.is_pending)
    cycle: list[c.Command] = [
        c.AddNote(f"{NOTE} ({n})"),
        c.AddHandover(f"handover {n}: {NAME} waits for a call"),
        c.Acknowledge(),
        c.AttachEvidence(f"photo {n}", reference=f"img-{n}"),
        c.PauseDeadline(pending[0], "waiting for records") if pending else c.AddNote("no"),
        c.ResumeDeadline(pending[0]) if pending else c.AddNote("none"),
        c.Escalate("not settled"),
        c.ProposeResolution("an apology", compensation_fen=100 * n),
        c.RecordResponse(accepted=n % 3 == 0, text=f"{NAME} says no"),
        c.ReportIncident("disorder", f"{NAME} shouted at the counter"),
        c.Resolve("apologised"),
        c.Close("done", satisfaction=4),
        c.Reopen("came back"),
        c.RecordSatisfaction(score=3),
    ]
    return cycle[n % len(cycle)]


SHAPES: dict[str, Callable[[int, Complaint], c.Command]] = {"notes": _notes, "worked": _worked}


def grow(tenant: Tenant, case: Complaint, events: int, shape: str = "notes") -> None:
    """Add commands to the case (in memory) until it has ``events`` events."""
    policy = load_policy(POLICY)
    actor = c.Actor("dr.li", frozenset(policy.roles))
    at = datetime.now(UTC) - timedelta(days=2)
    n = 0
    while case.version < events:
        command = SHAPES[shape](n, case)
        n += 1
        try:
            execute(case, command, actor, policy, at + timedelta(minutes=n), tenant.calendar)
        except DomainError:
            continue


async def file_long_case(
    runtime: Runtime,
    tenant: Tenant,
    events: int,
    shape: str = "notes",
    batches: Sequence[int] = (),
) -> UUID:
    """A case of ``events`` events; ``batches``: the versions after which one append ends and
    the next begins (e.g. ``(100,)``: events 1-100 in one append, the rest in another)."""
    policy = load_policy(POLICY)
    actor = c.Actor("dr.li", frozenset(policy.roles))
    case = runtime.cases.filed(tenant, FILING, actor, datetime.now(UTC) - timedelta(days=3))
    for end in [*batches, events]:
        grow(tenant, case, end, shape)
        await runtime.ledger.append(tenant.id, runtime.repository.to_stored(case))
    return case.id


def typed(value: Any) -> Any:
    """A value with every type in it spelled out, so equality also means the same types (an
    enum is not its string, a tuple not a list, one offset not another)."""
    if isinstance(value, Complaint):
        return ("Complaint", typed({k: v for k, v in vars(value).items()}))
    if isinstance(value, dict):
        return ("dict", sorted(((typed(k), typed(v)) for k, v in value.items()), key=repr))
    if isinstance(value, list | tuple):
        return (type(value).__name__, [typed(v) for v in value])
    if isinstance(value, set | frozenset):
        return (type(value).__name__, sorted(repr(typed(v)) for v in value))
    if isinstance(value, datetime):
        return ("datetime", value.isoformat(), repr(value.tzinfo))
    if hasattr(value, "__dataclass_fields__"):
        return (type(value).__qualname__, typed(dict(vars(value))))
    return (type(value).__qualname__, repr(value))
