"""What-if: re-decide a recorded case under another policy version, and write nothing.

Replay never asks a policy again (DESIGN.md); this is the separate, explicit operation. The
case's events are cut into steps, one a command: consecutive events written by the same
transaction (one command is one transaction) with the same ``by`` and ``at`` (the handler
stamps all events of one command with both). Each step's command is read
back from its first event: a fact event names its command (``NoteAdded`` is ``notes``); a
command the policy decides wholly (classify, escalate, incidents) is read from its first
decision, and accountability from all its penalties (each post's person and share). The
command then runs under the other policy against the case as
recorded just before it, with the actor's roles from the tenant's directory at that time
and the step's own ``at`` as the time, and its events are compared with the recorded ones.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import DomainError
from domain.handling import execute, file_complaint
from domain.policy import Policy
from domain.tenant import Tenant
from services.store.repository import NotFound, Repository
from services.store.tenant_rows import tenant_transaction

# The event that opens a step -> the command that recorded it.
OPENERS: dict[str, type[c.Command]] = {
    "Filed": c.File,
    "Acknowledged": c.Acknowledge,
    "Assigned": c.Assign,
    "OwnershipHandedOn": c.HandOn,
    "NoteAdded": c.AddNote,
    "HandoverAdded": c.AddHandover,
    "EvidenceAttached": c.AttachEvidence,
    "ResolutionProposed": c.ProposeResolution,
    "ComplainantResponded": c.RecordResponse,
    "Resolved": c.Resolve,
    "Closed": c.Close,
    "Reopened": c.Reopen,
    "ExternalContactRecorded": c.RecordContact,
    "WrittenReplyGiven": c.ReplyInWriting,
    "OutcomeRecorded": c.RecordOutcome,
    "IdentifyingFeaturesNoted": c.NoteFeatures,
    "LinkedToGroup": c.LinkToGroup,
    "SatisfactionRecorded": c.RecordSatisfaction,
    "DeadlineMet": c.MeetDeadline,
    "DeadlinePaused": c.PauseDeadline,
    "DeadlineResumed": c.ResumeDeadline,
    "DeadlineMissed": c.MissDeadline,
    # decided wholly by the policy: the command is read from its first decision
    "Classified": c.Classify,
    "Escalated": c.Escalate,
    "IncidentReported": c.ReportIncident,
    "PenaltyAssessed": c.AssessAccountability,
}
# Bookkeeping, or the policy's own name, which differs by construction.
NOT_COMPARED = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "by", "at", "policy"}
)

_MISSING = object()
# How a policy that holds people responsible by name writes the consequences their shares
# follow into each penalty's reason (the bank, B6): "<mishandling>; consequences: <...>".
CONSEQUENCES = "; consequences: "
# xmin: the transaction that wrote the row, so one command's events stay one step even when
# the same person acted twice within one clock tick.
CASE_EVENTS = """
SELECT seq, recorded_at, originator_version, topic, state, xmin::text::bigint AS batch
  FROM events WHERE tenant_id = $1 AND originator_id = $2 ORDER BY originator_version
"""

TenantAt = Callable[[datetime], Tenant]
Decided = tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]


@dataclass(frozen=True)
class Recorded:
    seq: int
    recorded_at: datetime
    event: Any  # a domain event of the case
    batch: int | None = None  # the writing transaction, where the store can tell


@dataclass(frozen=True)
class Difference:
    seq: int  # the step's first seq
    action: str
    by: str
    at: datetime
    recorded: list[str]
    alternative: list[str]


@dataclass(frozen=True)
class WhatIf:
    case_id: UUID
    recorded_policy: str
    policy: str
    steps: int
    differences: list[Difference]
    unread: list[int]  # first seqs of steps whose command could not be read back


def what_if(history: Sequence[Recorded], tenant_at: TenantAt, policy: Policy) -> WhatIf:
    case: Any = None
    differences: list[Difference] = []
    unread: list[int] = []
    steps = cut_steps(history)
    for step in steps:
        first = step[0]
        command = command_of([r.event for r in step])
        if command is None:
            unread.append(first.seq)
        else:
            tenant = tenant_at(first.recorded_at)
            recorded = decided(r.event for r in step)
            alternative = redecide(case, command, first.event, tenant, policy)
            if recorded != alternative:
                differences.append(difference(first, command, recorded, alternative))
        for item in step:
            case = item.event.mutate(case)
    assert isinstance(case, Complaint), "a case's history starts with Filed"
    return WhatIf(case.id, case.policy, policy.ref, len(steps), differences, unread)


def cut_steps(history: Sequence[Recorded]) -> list[list[Recorded]]:
    steps: list[list[Recorded]] = []
    for item in history:
        if steps and _stamp(steps[-1][-1]) == _stamp(item):
            steps[-1].append(item)
        else:
            steps.append([item])
    return steps


def _stamp(item: Recorded) -> tuple[Any, ...]:
    return (item.batch, getattr(item.event, "by", None), getattr(item.event, "at", None))


def command_of(events: list[Any]) -> c.Command | None:
    first, name = events[0], type(events[0]).__name__
    names = [type(e).__name__ for e in events]
    if name == "SatisfactionRecorded" and first.stage == "closure" and "Closed" in names:
        closed = events[names.index("Closed")]  # Close recorded its score first
        return c.Close(reason=closed.reason, satisfaction=first.score)
    command = OPENERS.get(name)
    if command is None:
        return None
    given = {f.name: getattr(first, f.name, _MISSING) for f in dataclasses.fields(command)}
    if command is c.File:
        # what the caller said at intake, as the policy recorded it
        given["category"] = next((e.category for e in events if _named(e, "Classified")), None)
        given["public_figure"] = any(
            _named(e, "Flagged") and e.flag == "public_figure" for e in events
        )
        given["complainant"] = dict(first.complainant)
    if command is c.AssessAccountability:
        return accountability_of([e for e in events if _named(e, "PenaltyAssessed")])
    try:
        return command(**{k: v for k, v in given.items() if v is not _MISSING})
    except TypeError:
        return None


def accountability_of(penalties: list[Any]) -> c.AssessAccountability:
    """The command behind a step's penalties. Where each names its person, the command named
    every post with its own share (B6) and the reason carries the consequences; otherwise
    it set one amount for all."""
    first = penalties[0]
    if not all(p.person for p in penalties):
        return c.AssessAccountability(first.reason, first.amount_fen, first.performance)
    reason, _, consequences = first.reason.partition(CONSEQUENCES)
    return c.AssessAccountability(
        reason,
        performance=first.performance,
        responsible={p.target_role: p.person for p in penalties},
        shares_fen={p.target_role: p.amount_fen for p in penalties},
        consequences=consequences,
    )


def redecide(
    before: Complaint | None, command: c.Command, opener: Any, tenant: Tenant, policy: Policy
) -> Decided | str:
    actor = actor_of(opener.by, tenant)
    try:
        if isinstance(command, c.File):
            case = file_complaint(
                opener.originator_id,
                tenant.id,
                command,
                actor,
                policy,
                opener.at,
                tenant.calendar,
                options=getattr(opener, "policy_options", None),
            )
        else:
            case = execute(
                copy.deepcopy(before), command, actor, policy, opener.at, tenant.calendar
            )
    except DomainError as error:
        return f"refused: {error}"
    return decided(case.collect_events())


def actor_of(person: str, tenant: Tenant) -> c.Actor:
    """The person's roles in the directory then; the key used may have held fewer."""
    if person == c.SYSTEM.person:
        return c.SYSTEM
    found = tenant.people.get(person)
    return c.Actor(person, frozenset(found.roles if found else ()))


def decided(events: Any) -> Decided:
    return tuple(
        (
            type(e).__name__,
            tuple(sorted((k, v) for k, v in vars(e).items() if k not in NOT_COMPARED)),
        )
        for e in events
    )


def difference(
    first: Recorded, command: c.Command, recorded: Decided, alternative: Decided | str
) -> Difference:
    return Difference(
        seq=first.seq,
        action=command.action,
        by=first.event.by,
        at=first.event.at,
        recorded=[describe(d) for d in recorded],
        alternative=[alternative]
        if isinstance(alternative, str)
        else [describe(d) for d in alternative],
    )


def describe(item: tuple[str, tuple[tuple[str, Any], ...]]) -> str:
    name, fields = item
    shown = ", ".join(f"{k}={_show(v)}" for k, v in fields)
    return f"{name}({shown})"


def _show(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else repr(value)


def _named(event: Any, name: str) -> bool:
    return type(event).__name__ == name


async def recorded_what_if(
    repository: Repository, tenant_id: UUID, case_id: UUID, policy: Policy
) -> WhatIf:
    """Read the case's and the tenant's events, then re-decide; reads only."""
    mapper = repository.mapper
    async with tenant_transaction(repository.ledger.pool, tenant_id) as conn:
        rows = await conn.fetch(CASE_EVENTS, tenant_id, case_id)
    if not rows:
        raise NotFound("complaint", case_id)
    tenant_events = await repository.ledger.originator_events(tenant_id, tenant_id)
    history = [
        Recorded(
            r["seq"],
            r["recorded_at"],
            mapper.decode(
                tenant_id, StoredEvent(case_id, r["originator_version"], r["topic"], r["state"])
            ),
            r["batch"],
        )
        for r in rows
    ]

    def tenant_at(moment: datetime) -> Tenant:
        # the directory and calendar as they stood when the step was recorded
        return repository.replay(tenant_id, [r for r in tenant_events if r.recorded_at <= moment])

    return what_if(history, tenant_at, policy)
