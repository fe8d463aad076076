"""What callers ask of a case. Each command's ``action`` is its URL segment and permission name."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from domain.units import Scope


@dataclass(frozen=True)
class Actor:
    person: str
    roles: frozenset[str]
    # where the roles count (domain/units.py); None: everywhere in the tenant
    scope: Scope | None = field(default=None, compare=False)

    def holds(self, roles: frozenset[str] | set[str]) -> bool:
        return bool(self.roles & roles)

    def sees(self, unit_id: str | None) -> bool:
        """Whether a case of ``unit_id`` is this actor's to read and act on."""
        return self.scope is None or self.scope.sees(unit_id)

    def on(self, unit_id: str | None) -> Actor:
        """The actor on a case of ``unit_id``: only the roles that count there."""
        if self.scope is None:
            return self
        return Actor(self.person, self.scope.roles_for(unit_id) & self.roles, self.scope)


SYSTEM = Actor("system", frozenset({"system"}))
# The person who complained, acting on their own case through its secret link or tracking
# number (an actor kind of its own: their answers are recorded as theirs, never as staff's).
COMPLAINANT_ROLE = "complainant"
COMPLAINANT = Actor("complainant", frozenset({COMPLAINANT_ROLE}))


@dataclass(frozen=True)
class Command:
    action: ClassVar[str]


@dataclass(frozen=True)
class File(Command):
    action: ClassVar[str] = "file"
    received_at: datetime
    channel: str
    summary: str
    details: str = ""
    complainant: dict[str, Any] = field(default_factory=dict)
    site: str | None = None
    category: str | None = None
    public_figure: bool = False
    # the tenant's unit the case belongs to (domain/units.py); None: the tenant's root
    unit: str | None = None
    # given by the service at intake: the case's tracking number and its link's secret's hash
    tracking: str | None = None
    access_sha256: str | None = None


@dataclass(frozen=True)
class Classify(Command):
    action: ClassVar[str] = "classify"
    category: str
    reason: str = ""


@dataclass(frozen=True)
class Acknowledge(Command):
    action: ClassVar[str] = "acknowledge"


@dataclass(frozen=True)
class Assign(Command):
    action: ClassVar[str] = "assign"
    person: str
    slot: str = "handler"
    # The days the assignee has to handle it, where the policy lets the assigner choose them
    # (the school's receipt form: 1, 3 or 7, S10); None elsewhere.
    handling_days: int | None = None


@dataclass(frozen=True)
class HandOn(Command):
    action: ClassVar[str] = "hand-on"
    to_person: str
    reason: str = ""


@dataclass(frozen=True)
class Escalate(Command):
    action: ClassVar[str] = "escalate"
    reason: str


@dataclass(frozen=True)
class AddNote(Command):
    action: ClassVar[str] = "notes"
    text: str


@dataclass(frozen=True)
class AddHandover(Command):
    action: ClassVar[str] = "handovers"
    text: str


@dataclass(frozen=True)
class AttachEvidence(Command):
    action: ClassVar[str] = "evidence"
    description: str
    reference: str | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class ProposeResolution(Command):
    action: ClassVar[str] = "propose-resolution"
    text: str
    compensation_fen: int | None = None


@dataclass(frozen=True)
class RecordResponse(Command):
    action: ClassVar[str] = "complainant-response"
    accepted: bool
    text: str = ""
    # How the answer reached staff who record it ("phone", "visit", "letter" ...); None when
    # the complainant gave it themselves (the event's ``by`` is then the complainant).
    via: str | None = None


@dataclass(frozen=True)
class Resolve(Command):
    action: ClassVar[str] = "resolve"
    outcome: str


@dataclass(frozen=True)
class Close(Command):
    action: ClassVar[str] = "close"
    reason: str = ""
    satisfaction: int | None = None


@dataclass(frozen=True)
class Reopen(Command):
    action: ClassVar[str] = "reopen"
    reason: str
    # The complaint's fault happened again after it was handled (the school fines it, S11),
    # as opposed to a reopening that corrects or completes the record.
    recurrence: bool = False


@dataclass(frozen=True)
class ReportIncident(Command):
    action: ClassVar[str] = "incidents"
    kind: str
    description: str
    police_called: bool = False


@dataclass(frozen=True)
class RecordContact(Command):
    action: ClassVar[str] = "contacts"
    kind: str  # media, inspection, government
    name: str
    organisation: str
    purpose: str


@dataclass(frozen=True)
class ReplyInWriting(Command):
    action: ClassVar[str] = "written-replies"
    text: str


@dataclass(frozen=True)
class RecordOutcome(Command):
    action: ClassVar[str] = "outcomes"
    authority: str
    target: str
    opinion: str


@dataclass(frozen=True)
class NoteFeatures(Command):
    action: ClassVar[str] = "identifying-features"
    features: dict[str, str]


@dataclass(frozen=True)
class MoveToUnit(Command):
    """The case belongs to another unit from now on (None: the tenant's root); the tenant
    checks the unit exists, the policy who may move it."""

    action: ClassVar[str] = "move"
    unit: str | None
    reason: str


@dataclass(frozen=True)
class LinkToGroup(Command):
    action: ClassVar[str] = "group"
    group: str


@dataclass(frozen=True)
class RecordSatisfaction(Command):
    action: ClassVar[str] = "satisfaction"
    score: int
    stage: str = "follow-up"
    comment: str = ""  # what the complainant said with it (S10 回访反馈)


@dataclass(frozen=True)
class ReversePenalty(Command):
    """Take back a penalty recorded on the case (the nth, from 1, in the order the case lists
    them), with the reason: the payroll sheet shows it as a correction of the month it is
    recorded in, beside the penalty it reverses."""

    action: ClassVar[str] = "penalty-reversals"
    penalty: int
    reason: str


@dataclass(frozen=True)
class AssessAccountability(Command):
    """Hold the roles the policy names responsible for mishandling that made things worse (B6)."""

    action: ClassVar[str] = "accountability"
    reason: str
    amount_fen: int = 0
    performance: str | None = None
    # Where a policy holds people responsible by name, each with their own share: post ->
    # person, post -> amount in fen, and the consequences the shares are measured by.
    responsible: dict[str, str] = field(default_factory=dict)
    shares_fen: dict[str, int] = field(default_factory=dict)
    consequences: str = ""


@dataclass(frozen=True)
class MeetDeadline(Command):
    action: ClassVar[str] = "deadline-met"
    deadline_id: str


@dataclass(frozen=True)
class PauseDeadline(Command):
    action: ClassVar[str] = "deadline-paused"
    deadline_id: str
    reason: str


@dataclass(frozen=True)
class ResumeDeadline(Command):
    action: ClassVar[str] = "deadline-resumed"
    deadline_id: str


@dataclass(frozen=True)
class ExtendDeadline(Command):
    """Move a deadline later where the policy allows it, with the internal approval recorded."""

    action: ClassVar[str] = "deadline-extended"
    deadline_id: str
    reason: str
    approved_by: str = ""


@dataclass(frozen=True)
class RecordDelivery(Command):
    """Issued by the feedback sender: what became of one message to the complainant (a
    reply, the closing feedback, the follow-up survey) on one channel, attempt by attempt."""

    action: ClassVar[str] = "deliveries"
    delivery: str  # the message's id: the ledger seq it answers and its step, e.g. "412:reply"
    step: str
    channel: str
    attempt: int
    sent: bool
    error: str = ""
    retry_at: datetime | None = None  # when it is tried again; None: sent, or given up


@dataclass(frozen=True)
class RemindDeadline(Command):
    """Issued by the deadline watcher when a warning before the deadline is due."""

    action: ClassVar[str] = "deadline-reminders"
    deadline_id: str


@dataclass(frozen=True)
class MissDeadline(Command):
    """Issued by the deadline watcher, never by a person."""

    action: ClassVar[str] = "deadline-missed"
    deadline_id: str
