"""The Complaint aggregate: one case, from intake to closure.

Every method records an event in the business's words. Each event carries who did it
(``by``) and when (``at``, passed in by the caller: the domain never reads the clock).
Policy decisions also carry the policy (``name@version``) and the rule that made them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.calendar import Unit
from domain.errors import InvalidTransition


class Status(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class DeadlineState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"


@dataclass(frozen=True)
class Deadline:
    deadline_id: str
    kind: str
    rule: str
    started_at: datetime
    due_at: datetime
    roles: tuple[str, ...]
    state: DeadlineState = DeadlineState.OPEN
    paused_at: datetime | None = None
    # How it was counted, so a pause gives back the time left in that unit; None on
    # deadlines recorded before units were (their pauses move them by the elapsed time).
    unit: Unit | None = None
    extensions: int = 0

    @property
    def is_running(self) -> bool:
        return self.state is DeadlineState.OPEN

    @property
    def is_pending(self) -> bool:
        return self.state in (DeadlineState.OPEN, DeadlineState.PAUSED)


class Complaint(Aggregate):
    @event("Filed")
    def __init__(
        self,
        *,
        tenant_id: UUID,
        policy: str,
        received_at: datetime,
        channel: str,
        summary: str,
        details: str,
        complainant: dict[str, Any],
        site: str | None,
        by: str,
        at: datetime,
        policy_options: dict[str, Any] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.policy = policy
        # The tenant's policy options in force at filing: later changes never reach this case.
        self.policy_options: dict[str, Any] = dict(policy_options or {})
        self.received_at = received_at
        self.channel = channel
        self.summary = summary
        self.details = details
        self.complainant = complainant
        self.site = site
        self.filed_by = by
        self.filed_at = at
        self.owner = by  # S1: the first person to receive a complaint owns it
        self.status = Status.OPEN
        self.category: str | None = None
        self.level = 0
        self.rung: str | None = None
        self.acknowledged_at: datetime | None = None
        self.handlers: dict[str, str] = {}
        self.notes: list[dict[str, Any]] = []
        self.evidence: list[dict[str, Any]] = []
        self.proposals: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.incidents: list[dict[str, Any]] = []
        self.deadlines: dict[str, Deadline] = {}
        self.penalties: list[dict[str, Any]] = []
        self.notifications: list[dict[str, Any]] = []
        self.written_replies: list[dict[str, Any]] = []
        self.contacts: list[dict[str, Any]] = []
        self.outcomes: list[dict[str, Any]] = []
        self.restricted: dict[str, Any] = {}
        self.flags: list[str] = []
        self.group: str | None = None
        self.satisfaction: list[dict[str, Any]] = []
        self.resolution: str | None = None
        self.closed_at: datetime | None = None
        self.reopen_count = 0

    # --- checks -------------------------------------------------------------------------

    def check_open(self, action: str) -> None:
        if self.status is Status.CLOSED:
            raise InvalidTransition(f"a closed case accepts only reopen, not {action}")

    def check_closed(self) -> None:
        if self.status is not Status.CLOSED:
            raise InvalidTransition("only a closed case can be reopened")

    def check_deadline(self, deadline_id: str, *states: DeadlineState) -> Deadline:
        deadline = self.deadlines.get(deadline_id)
        if deadline is None:
            raise InvalidTransition(f"no deadline {deadline_id!r} on this case")
        if deadline.state not in states:
            raise InvalidTransition(f"deadline {deadline_id!r} is {deadline.state}")
        return deadline

    # --- handling -----------------------------------------------------------------------

    @event("Classified")
    def classify(
        self,
        *,
        category: str,
        level: int,
        rung: str,
        reason: str,
        rule: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> None:
        self.category = category
        self.level = level
        self.rung = rung

    @event("Acknowledged")
    def acknowledge(self, *, by: str, at: datetime) -> None:
        self.acknowledged_at = at

    @event("Assigned")
    def assign(self, *, person: str, slot: str, by: str, at: datetime) -> None:
        self.handlers[slot] = person

    @event("OwnershipHandedOn")
    def hand_on(self, *, to_person: str, reason: str, by: str, at: datetime) -> None:
        self.owner = to_person

    @event("Escalated")
    def escalate(
        self,
        *,
        to_level: int,
        rung: str,
        reason: str,
        rule: str,
        policy: str,
        notify: list[str],
        by: str,
        at: datetime,
    ) -> None:
        self.level = to_level
        self.rung = rung

    @event("NoteAdded")
    def add_note(self, *, text: str, by: str, at: datetime) -> None:
        self.notes.append({"kind": "note", "text": text, "by": by, "at": at})

    @event("HandoverAdded")
    def add_handover(self, *, text: str, by: str, at: datetime) -> None:
        self.notes.append({"kind": "handover", "text": text, "by": by, "at": at})

    @event("EvidenceAttached")
    def attach_evidence(
        self,
        *,
        description: str,
        reference: str | None,
        sha256: str | None,
        by: str,
        at: datetime,
    ) -> None:
        self.evidence.append(
            {"description": description, "reference": reference, "sha256": sha256, "by": by}
        )

    @event("ResolutionProposed")
    def propose_resolution(
        self, *, text: str, compensation_fen: int | None, by: str, at: datetime
    ) -> None:
        self.proposals.append({"text": text, "compensation_fen": compensation_fen, "by": by})

    @event("ComplainantResponded")
    def record_response(self, *, accepted: bool, text: str, by: str, at: datetime) -> None:
        # The rung it was given at: a policy passes a case up only past a rung whose answer
        # the complainant declined (H6, H13).
        self.responses.append({"accepted": accepted, "text": text, "at": at, "level": self.level})

    @event("Resolved")
    def resolve(self, *, outcome: str, by: str, at: datetime) -> None:
        self.status = Status.RESOLVED
        self.resolution = outcome

    @event("Closed")
    def close(self, *, reason: str, by: str, at: datetime) -> None:
        self.status = Status.CLOSED
        self.closed_at = at

    @event("Reopened")
    def reopen(self, *, reason: str, by: str, at: datetime) -> None:
        self.status = Status.OPEN
        self.closed_at = None
        self.reopen_count += 1

    @event("IncidentReported")
    def report_incident(
        self,
        *,
        kind: str,
        description: str,
        police_called: bool,
        notify: list[str],
        rule: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> None:
        self.incidents.append(
            {"kind": kind, "description": description, "police_called": police_called, "at": at}
        )

    @event("RolesNotified")
    def notify(
        self, *, roles: list[str], reason: str, rule: str, policy: str, by: str, at: datetime
    ) -> None:
        self.notifications.append({"roles": roles, "reason": reason, "rule": rule, "at": at})

    @event("WrittenReplyGiven")
    def reply_in_writing(self, *, text: str, by: str, at: datetime) -> None:
        self.written_replies.append({"text": text, "by": by, "at": at})

    @event("ExternalContactRecorded")
    def record_contact(
        self, *, kind: str, name: str, organisation: str, purpose: str, by: str, at: datetime
    ) -> None:
        self.contacts.append(
            {"kind": kind, "name": name, "organisation": organisation, "purpose": purpose}
        )

    @event("OutcomeRecorded")
    def record_outcome(
        self, *, authority: str, target: str, opinion: str, by: str, at: datetime
    ) -> None:
        self.outcomes.append({"authority": authority, "target": target, "opinion": opinion})

    @event("IdentifyingFeaturesNoted")
    def note_features(self, *, features: dict[str, str], by: str, at: datetime) -> None:
        self.restricted.update(features)

    @event("Flagged")
    def flag(self, *, flag: str, rule: str, by: str, at: datetime) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    @event("LinkedToGroup")
    def link(self, *, group: str, by: str, at: datetime) -> None:
        self.group = group

    @event("SatisfactionRecorded")
    def record_satisfaction(self, *, score: int, stage: str, by: str, at: datetime) -> None:
        self.satisfaction.append({"score": score, "stage": stage, "at": at})

    # --- deadlines and consequences -----------------------------------------------------

    @event("DeadlineStarted")
    def start_deadline(
        self,
        *,
        deadline_id: str,
        kind: str,
        rule: str,
        due_at: datetime,
        roles: list[str],
        policy: str,
        by: str,
        at: datetime,
        unit: str | None = None,
    ) -> None:
        self.deadlines[deadline_id] = Deadline(
            deadline_id,
            kind,
            rule,
            started_at=at,
            due_at=due_at,
            roles=tuple(roles),
            unit=Unit(unit) if unit else None,
        )

    @event("DeadlineMet")
    def meet_deadline(self, *, deadline_id: str, by: str, at: datetime) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.MET)

    @event("DeadlineMissed")
    def miss_deadline(self, *, deadline_id: str, by: str, at: datetime) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.MISSED)

    @event("DeadlinePaused")
    def pause_deadline(self, *, deadline_id: str, reason: str, by: str, at: datetime) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.PAUSED, paused_at=at)

    @event("DeadlineResumed")
    def resume_deadline(
        self,
        *,
        deadline_id: str,
        paused_for_seconds: float,
        due_at: datetime,
        by: str,
        at: datetime,
    ) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.OPEN, paused_at=None, due_at=due_at)

    @event("DeadlineExtended")
    def extend_deadline(
        self,
        *,
        deadline_id: str,
        due_at: datetime,
        reason: str,
        approved_by: str,
        rule: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> None:
        extensions = self.deadlines[deadline_id].extensions + 1
        self._set_deadline(deadline_id, due_at=due_at, extensions=extensions)

    @event("PenaltyAssessed")
    def assess_penalty(
        self,
        *,
        target_role: str,
        person: str | None,
        amount_fen: int,
        performance: str | None,
        reason: str,
        rule: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> None:
        self.penalties.append(
            {
                "target_role": target_role,
                "person": person,
                "amount_fen": amount_fen,
                "performance": performance,
                "reason": reason,
                "rule": rule,
            }
        )

    def _set_deadline(self, deadline_id: str, **changes: Any) -> None:
        self.deadlines[deadline_id] = replace(self.deadlines[deadline_id], **changes)
