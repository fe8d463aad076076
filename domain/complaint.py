"""The Complaint aggregate: one case, from intake to closure.

Every method records an event in the business's words. Each event carries who did it (``by``)
and when (``at``): :class:`Complaint.Event` takes them from the ``acting(person, now)`` block
the event is recorded in (domain/acting.py), so no method takes them; the domain never reads
the clock. Policy decisions also carry the policy (``name@version``) and the rule that made
them.

A method that only records is an ``@event`` method. One that must check the case first, or
work something out, checks and computes, then calls a private ``@event`` method that applies.
An event whose effect needs who or when (a note keeps its author, closing keeps the time) is a
class whose ``apply`` reads the event's ``by`` and ``at``, so a replay applies what was
recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.acting import acting_at, acting_by, current
from domain.calendar import Unit, WorkingCalendar
from domain.errors import InvalidTransition, ReceiptOutOfRange
from domain.reminders import NO_REMINDERS, Schedule


class Status(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"


class DeadlineState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    MET = "met"
    MISSED = "missed"
    # Ended without its work, which is no longer wanted (the complainant accepted, the track
    # changed): neither met nor missed, and the event says why.
    CANCELLED = "cancelled"


# Not yet ended: running, or paused while the case waits on someone.
PENDING = (DeadlineState.OPEN, DeadlineState.PAUSED)


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
    # How many of ``unit`` it was set for (None where recorded before amounts were).
    amount: int | None = None
    # The warnings still to send, soonest first (domain/reminders.py), and those sent.
    reminders: tuple[tuple[str, datetime], ...] = ()
    reminded: tuple[str, ...] = ()

    def reminder_due(self, now: datetime) -> str | None:
        """The first reminder whose moment has come, while the deadline runs."""
        if not self.is_running or not self.reminders or self.reminders[0][1] > now:
            return None
        return self.reminders[0][0]

    @property
    def is_running(self) -> bool:
        return self.state is DeadlineState.OPEN

    @property
    def is_pending(self) -> bool:
        return self.state in PENDING


def recorded(moments: list[dict[str, object]]) -> list[dict[str, str]]:
    """Reminder moments as an event stores them: names and ISO times."""
    # in UTC with Z, the one form every answer gives a moment in (docs/api.md, "Time")
    return [
        {"name": str(m["name"]), "at": m["at"].astimezone(UTC).strftime(UTC_FORM)}  # type: ignore[attr-defined]
        for m in moments
    ]


def pending(stored: list[dict[str, str]] | None) -> tuple[tuple[str, datetime], ...]:
    return tuple((r["name"], datetime.fromisoformat(r["at"])) for r in stored or ())


UTC_FORM = "%Y-%m-%dT%H:%M:%S.%fZ"
EARLIEST_RECEIPT = datetime(2000, 1, 1, tzinfo=UTC)
RECEIPT_AHEAD = timedelta(days=1)  # clocks of the intake desk and ours disagree a little


class Complaint(Aggregate):
    class Event(Aggregate.Event):
        """Every event of a case: ``by`` and ``at`` are who was acting, and when, as the
        event was created (:func:`domain.acting.acting`); a stored event keeps its own."""

        by: str = field(default_factory=acting_by, init=False)
        at: datetime = field(default_factory=acting_at, init=False)

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
        unit_id: str | None = None,  # the tenant's unit; None: its root (domain/units.py)
        # what the complainant follows their case by: a number for people (HOSP-2026-000123)
        # and the hash of the secret in their link (the secret itself is never stored)
        tracking: str | None = None,
        access_sha256: str | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.unit_id = unit_id
        self.tracking = tracking
        self.access_sha256 = access_sha256
        self.deliveries: dict[str, dict[str, Any]] = {}
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

    @staticmethod
    def check_received_at(received_at: datetime, now: datetime) -> None:
        """A complaint was received in this century and not tomorrow: a date outside that
        is a typing error, and one past year 9999 in UTC cannot even be read back."""
        latest = now + RECEIPT_AHEAD
        try:
            in_range = EARLIEST_RECEIPT <= received_at <= latest
        except OverflowError:  # year 1 or 9999 with an offset: past what a datetime holds
            in_range = False
        if not in_range:
            raise ReceiptOutOfRange(
                f"must be between {EARLIEST_RECEIPT.date()} and a day after now "
                f"({latest.isoformat(timespec='seconds')})"
            )

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
        self, *, category: str, level: int, rung: str, reason: str, rule: str, policy: str
    ) -> None:
        self.category = category
        self.level = level
        self.rung = rung

    class Acknowledged(Event):
        def apply(self, case: Complaint) -> None:
            case.acknowledged_at = self.at

    def acknowledge(self) -> None:
        self.trigger_event(self.Acknowledged)

    def assign(self, *, person: str, slot: str, handling_days: int | None = None) -> None:
        self._assign(person=person, slot=slot, handling_days=handling_days)

    # The default reads back events stored before the field was.
    @event("Assigned")
    def _assign(self, *, person: str, slot: str, handling_days: int | None = None) -> None:
        self.handlers[slot] = person

    @event("MovedToUnit")
    def move_to_unit(self, *, unit_id: str | None, reason: str) -> None:
        self.unit_id = unit_id

    @event("OwnershipHandedOn")
    def hand_on(self, *, to_person: str, reason: str) -> None:
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
        unit_id: str | None = None,
    ) -> None:
        self.level = to_level
        self.rung = rung

    class NoteAdded(Event):
        text: str

        def apply(self, case: Complaint) -> None:
            case.notes.append({"kind": "note", "text": self.text, "by": self.by, "at": self.at})

    def add_note(self, *, text: str) -> None:
        self.trigger_event(self.NoteAdded, text=text)

    class HandoverAdded(Event):
        text: str

        def apply(self, case: Complaint) -> None:
            handover = {"kind": "handover", "text": self.text, "by": self.by, "at": self.at}
            case.notes.append(handover)

    def add_handover(self, *, text: str) -> None:
        self.trigger_event(self.HandoverAdded, text=text)

    class EvidenceAttached(Event):
        description: str
        reference: str | None
        sha256: str | None

        def apply(self, case: Complaint) -> None:
            case.evidence.append(
                {
                    "description": self.description,
                    "reference": self.reference,
                    "sha256": self.sha256,
                    "by": self.by,
                }
            )

    def attach_evidence(
        self, *, description: str, reference: str | None, sha256: str | None
    ) -> None:
        self.trigger_event(
            self.EvidenceAttached, description=description, reference=reference, sha256=sha256
        )

    class ResolutionProposed(Event):
        text: str
        compensation_fen: int | None

        def apply(self, case: Complaint) -> None:
            proposal = {"text": self.text, "compensation_fen": self.compensation_fen, "by": self.by}
            case.proposals.append(proposal)

    def propose_resolution(self, *, text: str, compensation_fen: int | None) -> None:
        self.trigger_event(self.ResolutionProposed, text=text, compensation_fen=compensation_fen)

    class ComplainantResponded(Event):
        accepted: bool
        text: str
        via: str | None = (
            None  # how it reached the staff who recorded it; None: the complainant's own
        )

        def apply(self, case: Complaint) -> None:
            # The rung it was given at: a policy passes a case up only past a rung whose
            # answer the complainant declined (H6, H13). The reopen count tells an answer
            # given before the case was last reopened from one given since (C4).
            case.responses.append(
                {
                    "accepted": self.accepted,
                    "text": self.text,
                    "at": self.at,
                    "level": case.level,
                    "reopen_count": case.reopen_count,
                }
            )

    def record_response(self, *, accepted: bool, text: str, via: str | None = None) -> None:
        self.trigger_event(self.ComplainantResponded, accepted=accepted, text=text, via=via)

    @event("FeedbackDelivery")
    def record_delivery(
        self,
        *,
        delivery: str,
        step: str,
        channel: str,
        attempt: int,
        sent: bool,
        error: str,
        retry_at: datetime | None,
    ) -> None:
        """One attempt at a message to the complainant: sent, or failed (with when it is
        tried again, or never: given up). Staff see each on the case."""
        self.deliveries[delivery] = {
            "step": step,
            "channel": channel,
            "attempts": attempt,
            "state": "sent" if sent else ("retrying" if retry_at else "failed"),
            "error": error,
            "retry_at": retry_at,
        }

    @event("Resolved")
    def resolve(self, *, outcome: str) -> None:
        self.status = Status.RESOLVED
        self.resolution = outcome

    class Closed(Event):
        reason: str

        def apply(self, case: Complaint) -> None:
            case.status = Status.CLOSED
            case.closed_at = self.at

    def close(self, *, reason: str) -> None:
        self.trigger_event(self.Closed, reason=reason)

    def reopen(self, *, reason: str, recurrence: bool = False) -> None:
        self.check_closed()
        self._reopen(reason=reason, recurrence=recurrence)

    @event("Reopened")  # the default reads back events stored before the field was
    def _reopen(self, *, reason: str, recurrence: bool = False) -> None:
        self.status = Status.OPEN
        self.closed_at = None
        self.reopen_count += 1

    class IncidentReported(Event):
        kind: str
        description: str
        police_called: bool
        notify: list[str]
        rule: str
        policy: str
        unit_id: str | None = None  # the case's unit when it was reported: who is told

        def apply(self, case: Complaint) -> None:
            case.incidents.append(
                {
                    "kind": self.kind,
                    "description": self.description,
                    "police_called": self.police_called,
                    "at": self.at,
                }
            )

    def report_incident(
        self,
        *,
        kind: str,
        description: str,
        police_called: bool,
        notify: list[str],
        rule: str,
        policy: str,
    ) -> None:
        self.trigger_event(
            self.IncidentReported,
            kind=kind,
            description=description,
            police_called=police_called,
            notify=notify,
            rule=rule,
            policy=policy,
            unit_id=self.unit_id,
        )

    class RolesNotified(Event):
        roles: list[str]
        reason: str
        rule: str
        policy: str
        unit_id: str | None = None

        def apply(self, case: Complaint) -> None:
            notice = {"roles": self.roles, "reason": self.reason, "rule": self.rule, "at": self.at}
            case.notifications.append(notice)

    def notify(self, *, roles: list[str], reason: str, rule: str, policy: str) -> None:
        self.trigger_event(
            self.RolesNotified,
            roles=roles,
            reason=reason,
            rule=rule,
            policy=policy,
            unit_id=self.unit_id,
        )

    class WrittenReplyGiven(Event):
        text: str

        def apply(self, case: Complaint) -> None:
            case.written_replies.append({"text": self.text, "by": self.by, "at": self.at})

    def reply_in_writing(self, *, text: str) -> None:
        self.trigger_event(self.WrittenReplyGiven, text=text)

    @event("ExternalContactRecorded")
    def record_contact(self, *, kind: str, name: str, organisation: str, purpose: str) -> None:
        self.contacts.append(
            {"kind": kind, "name": name, "organisation": organisation, "purpose": purpose}
        )

    @event("OutcomeRecorded")
    def record_outcome(self, *, authority: str, target: str, opinion: str) -> None:
        self.outcomes.append({"authority": authority, "target": target, "opinion": opinion})

    @event("IdentifyingFeaturesNoted")
    def note_features(self, *, features: dict[str, str]) -> None:
        self.restricted.update(features)

    @event("Flagged")
    def flag(self, *, flag: str, rule: str) -> None:
        if flag not in self.flags:
            self.flags.append(flag)

    @event("LinkedToGroup")
    def link(self, *, group: str) -> None:
        self.group = group

    class SatisfactionRecorded(Event):
        score: int
        stage: str
        comment: str = ""

        def apply(self, case: Complaint) -> None:
            case.satisfaction.append({"score": self.score, "stage": self.stage, "at": self.at})

    def record_satisfaction(self, *, score: int, stage: str, comment: str = "") -> None:
        self.trigger_event(self.SatisfactionRecorded, score=score, stage=stage, comment=comment)

    # --- deadlines and consequences -----------------------------------------------------

    class DeadlineStarted(Event):
        deadline_id: str
        kind: str
        rule: str
        due_at: datetime
        roles: list[str]
        policy: str
        unit: str | None = None  # the calendar's: hours, days, working days
        amount: int | None = None
        unit_id: str | None = None  # the tenant's unit whose role holders it waits on
        reminders: list[dict[str, str]] | None = None  # [{"name", "at"}], soonest first

        def apply(self, case: Complaint) -> None:
            case.deadlines[self.deadline_id] = Deadline(
                self.deadline_id,
                self.kind,
                self.rule,
                started_at=self.at,
                due_at=self.due_at,
                roles=tuple(self.roles),
                unit=Unit(self.unit) if self.unit else None,
                amount=self.amount,
                reminders=pending(self.reminders),
            )

    def start_deadline(
        self,
        *,
        deadline_id: str,
        kind: str,
        rule: str,
        due_at: datetime,
        roles: list[str],
        policy: str,
        unit: str | None = None,
        amount: int | None = None,
        reminders: list[dict[str, str]] | None = None,
    ) -> None:
        self.trigger_event(
            self.DeadlineStarted,
            deadline_id=deadline_id,
            kind=kind,
            rule=rule,
            due_at=due_at,
            roles=roles,
            policy=policy,
            unit=unit,
            amount=amount,
            unit_id=self.unit_id,
            reminders=reminders,
        )

    def meet_deadline(self, *, deadline_id: str) -> None:
        """Its work is delivered: a running or paused deadline is met."""
        self.check_deadline(deadline_id, *PENDING)
        self._meet_deadline(deadline_id=deadline_id)

    def miss_deadline(self, *, deadline_id: str) -> None:
        """The watcher saw it run out: only a running deadline can (a paused one is not)."""
        self.check_deadline(deadline_id, DeadlineState.OPEN)
        self._miss_deadline(deadline_id=deadline_id)

    def settle_deadline(self, *, deadline_id: str, met: bool) -> None:
        """A policy ends a deadline (handling ended, or its step's work came in): met or
        missed if it is still pending; one that has already ended, or that the case never
        had, is left as it is."""
        held = self.deadlines.get(deadline_id)
        if held is None or not held.is_pending:
            return
        if met:
            self._meet_deadline(deadline_id=deadline_id)
        else:
            self._miss_deadline(deadline_id=deadline_id)

    def cancel_deadline(self, *, deadline_id: str, reason: str, rule: str, policy: str) -> None:
        """A policy ends a pending deadline whose work is no longer wanted; one that has
        already ended, or that the case never had, is left as it is."""
        held = self.deadlines.get(deadline_id)
        if held is None or not held.is_pending:
            return
        self._cancel_deadline(deadline_id=deadline_id, reason=reason, rule=rule, policy=policy)

    @event("DeadlineCancelled")
    def _cancel_deadline(self, *, deadline_id: str, reason: str, rule: str, policy: str) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.CANCELLED)

    @event("DeadlineMet")
    def _meet_deadline(self, *, deadline_id: str) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.MET)

    @event("DeadlineMissed")
    def _miss_deadline(self, *, deadline_id: str) -> None:
        self._set_deadline(deadline_id, state=DeadlineState.MISSED)

    class DeadlinePaused(Event):
        deadline_id: str
        reason: str

        def apply(self, case: Complaint) -> None:
            case._set_deadline(self.deadline_id, state=DeadlineState.PAUSED, paused_at=self.at)

    def pause_deadline(self, *, deadline_id: str, reason: str) -> None:
        self.check_deadline(deadline_id, DeadlineState.OPEN)
        self.trigger_event(self.DeadlinePaused, deadline_id=deadline_id, reason=reason)

    def resume_deadline(
        self, *, deadline_id: str, calendar: WorkingCalendar, schedule: Schedule = NO_REMINDERS
    ) -> None:
        """A paused deadline runs again with the time it had left, counted in its own unit
        (working days skip the weekend); its warnings not yet sent fall in the time left."""
        paused = self.check_deadline(deadline_id, DeadlineState.PAUSED)
        assert paused.paused_at is not None
        now = current().at
        due_at = calendar.resumed_due(paused.due_at, paused.unit, paused.paused_at, now)
        self._resume_deadline(
            deadline_id=deadline_id,
            paused_for_seconds=(now - paused.paused_at).total_seconds(),
            due_at=due_at,
            reminders=recorded(schedule.of(now, due_at, paused.unit, frozenset(paused.reminded))),
        )

    @event("DeadlineResumed")
    def _resume_deadline(
        self,
        *,
        deadline_id: str,
        paused_for_seconds: float,
        due_at: datetime,
        reminders: list[dict[str, str]] | None = None,
    ) -> None:
        self._set_deadline(
            deadline_id,
            state=DeadlineState.OPEN,
            paused_at=None,
            due_at=due_at,
            reminders=pending(reminders),
        )

    def extend_deadline(
        self,
        *,
        deadline_id: str,
        due_at: datetime,
        reason: str,
        approved_by: str,
        rule: str,
        policy: str,
        schedule: Schedule = NO_REMINDERS,
    ) -> None:
        """A pending deadline moves to ``due_at``, as the policy allowed under ``rule``; its
        warnings not yet sent move with it."""
        held = self.check_deadline(deadline_id, *PENDING)
        now = current().at
        self._extend_deadline(
            deadline_id=deadline_id,
            due_at=due_at,
            reason=reason,
            approved_by=approved_by,
            rule=rule,
            policy=policy,
            reminders=recorded(schedule.of(now, due_at, held.unit, frozenset(held.reminded))),
        )

    @event("DeadlineExtended")
    def _extend_deadline(
        self,
        *,
        deadline_id: str,
        due_at: datetime,
        reason: str,
        approved_by: str,
        rule: str,
        policy: str,
        reminders: list[dict[str, str]] | None = None,
    ) -> None:
        extensions = self.deadlines[deadline_id].extensions + 1
        changes: dict[str, Any] = {"due_at": due_at, "extensions": extensions}
        if reminders is not None:  # extensions recorded before reminders keep none
            changes["reminders"] = pending(reminders)
        self._set_deadline(deadline_id, **changes)

    class DeadlineReminded(Event):
        """A warning before the deadline, to the roles it waits on and the case's owner (S1)."""

        deadline_id: str
        reminder: str
        due_at: datetime
        roles: list[str]
        owner: str
        kind: str
        rule: str
        policy: str
        unit_id: str | None
        next_at: datetime | None  # the next warning still to send, for the views

        def apply(self, case: Complaint) -> None:
            held = case.deadlines[self.deadline_id]
            left = tuple(r for r in held.reminders if r[0] != self.reminder)
            case._set_deadline(
                self.deadline_id, reminders=left, reminded=(*held.reminded, self.reminder)
            )

    def remind(self, *, deadline_id: str, policy: str) -> None:
        """Send the deadline's first warning whose moment has come: once each, so a second
        watcher (or a retry) finds nothing left to send."""
        held = self.check_deadline(deadline_id, DeadlineState.OPEN)
        name = held.reminder_due(current().at)
        if name is None:
            raise InvalidTransition(f"no reminder of deadline {deadline_id!r} is due")
        left = [r for r in held.reminders if r[0] != name]
        self.trigger_event(
            self.DeadlineReminded,
            deadline_id=deadline_id,
            reminder=name,
            due_at=held.due_at,
            roles=list(held.roles),
            owner=self.owner,
            kind=held.kind,
            rule=held.rule,
            policy=policy,
            unit_id=self.unit_id,
            next_at=left[0][1] if left else None,
        )

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
        unit_id: str | None = None,
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

    def reverse_penalty(self, *, penalty: int, reason: str) -> None:
        if not 1 <= penalty <= len(self.penalties):
            raise InvalidTransition(f"no penalty {penalty} on this case")
        held = self.penalties[penalty - 1]
        if held.get("reversed"):
            raise InvalidTransition(f"penalty {penalty} was reversed already")
        self._reverse_penalty(
            penalty=penalty,
            target_role=held["target_role"],
            person=held["person"],
            amount_fen=held["amount_fen"],
            performance=held["performance"],
            rule=held["rule"],
            reason=reason,
        )

    @event("PenaltyReversed")
    def _reverse_penalty(
        self,
        *,
        penalty: int,
        target_role: str,
        person: str | None,
        amount_fen: int,
        performance: str | None,
        rule: str,
        reason: str,
    ) -> None:
        # what it reverses is copied in, so a reader of this event alone (the payroll sheet)
        # knows the amount and the person without the case's earlier events
        self.penalties[penalty - 1] = {**self.penalties[penalty - 1], "reversed": True}

    def _set_deadline(self, deadline_id: str, **changes: Any) -> None:
        self.deadlines[deadline_id] = replace(self.deadlines[deadline_id], **changes)
