"""A generic complaints-handling process after ISO 10002:2018 clause 8, rules Q1–Q10.

Receipt (Q1, 8.2) and acknowledgement within two working days (Q2, 8.4); an initial assessment
that gives each category a priority and a starting rung (Q3, 8.5); an investigation the
complaints manager assigns (Q4, 8.6); a decision due in working days set by the priority
(Q5, 8.7); escalation one rung at a time, frontline → complaints manager → top management →
external dispute resolution, past the complaints manager only once the complainant has declined
the decision given there (Q6, Q7, 8.7); the decision communicated in writing by the complaints
manager alone (Q8, 8.8); closure by the complaints manager or top management once the decision
is communicated or accepted (Q9, 8.9); missed deadlines tracked up the line (Q10, 8.3).

The periods are class attributes: an organisation with other ones subclasses the policy and
registers the subclass under its own ``name@version``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import ClassVar

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy, settle_deadlines
from domain.policy import (
    Decision,
    Effect,
    EscalateTo,
    FlagCase,
    MeetDeadlineEffect,
    MissDeadlineEffect,
    Notify,
    Rung,
    SetClassification,
    StartDeadline,
    deadline,
)

FRONTLINE, COMPLAINTS_MANAGER, TOP_MANAGEMENT, EXTERNAL = range(4)

MANAGER = "complaints_manager"
DECIDERS = frozenset({MANAGER, "top_management"})
# Q6: who passes a case on from each rung; the complaints manager owns the process throughout.
PASSED_ON_BY: Mapping[int, frozenset[str]] = MappingProxyType(
    {
        FRONTLINE: frozenset({"frontline", MANAGER}),
        COMPLAINTS_MANAGER: frozenset({MANAGER}),
        TOP_MANAGEMENT: frozenset({"top_management", MANAGER}),
    }
)

ACKNOWLEDGEMENT = "acknowledgement"
RESPONSE = "response"
INTERNAL_REVIEW = "internal_review"
# The deadlines a communicated decision meets (Q8).
DECISION_DEADLINES = (RESPONSE, INTERNAL_REVIEW)

URGENT, HIGH, NORMAL = "urgent", "high", "normal"
ACKNOWLEDGE_DAYS = 2  # Q2 (8.4): "promptly"; two working days is common practice
RESPONSE_DAYS: Mapping[str, int] = MappingProxyType({URGENT: 5, HIGH: 10, NORMAL: 20})  # Q5
REVIEW_DAYS = 10  # Q7
INVESTIGATOR_SLOT = "investigator"


@dataclass(frozen=True)
class Category:
    level: int
    priority: str


# Q3 (8.5): severity, safety implications, complexity and the need for immediate action.
CATEGORIES: Mapping[str, Category] = MappingProxyType(
    {
        "product": Category(FRONTLINE, NORMAL),
        "service": Category(FRONTLINE, NORMAL),
        "billing": Category(FRONTLINE, NORMAL),
        "staff_conduct": Category(COMPLAINTS_MANAGER, HIGH),
        "data_protection": Category(COMPLAINTS_MANAGER, HIGH),
        "health_and_safety": Category(COMPLAINTS_MANAGER, URGENT),
    }
)


class Iso10002Policy(BasePolicy):
    name = "iso10002"
    version = 1

    acknowledge_days: ClassVar[int] = ACKNOWLEDGE_DAYS
    response_days: ClassVar[Mapping[str, int]] = RESPONSE_DAYS
    review_days: ClassVar[int] = REVIEW_DAYS

    roles = MappingProxyType(
        {
            "frontline": "frontline staff: receive and record complaints (Q1), acknowledge them "
            "(Q2), resolve at first contact or pass them on (Q6)",
            MANAGER: "complaints manager: owns the process; assesses (Q3), assigns the "
            "investigation (Q4), decides (Q5), alone answers in writing (Q8), closes (Q9)",
            "investigator": "investigator: gathers the facts of an assigned complaint (Q4)",
            "top_management": "top management: reviews declined decisions (Q7), hears of urgent "
            "complaints (Q3) and missed decisions (Q10), may close (Q9)",
            "ombudsman_liaison": "ombudsman liaison: refers a complaint to external dispute "
            "resolution (ISO 10003) and follows it there (Q7)",
            "admin": "tenant administrator: people, keys and calendar",
        }
    )
    ladder = (
        Rung(FRONTLINE, "frontline", ("frontline", MANAGER)),
        Rung(COMPLAINTS_MANAGER, "complaints_manager", (MANAGER, "investigator")),
        Rung(TOP_MANAGEMENT, "top_management", ("top_management", MANAGER)),
        Rung(EXTERNAL, "external_dispute_resolution", ("ombudsman_liaison", MANAGER)),
    )
    categories = MappingProxyType({name: cat.level for name, cat in CATEGORIES.items()})
    intake_roles = (MANAGER,)
    incident_roles = (MANAGER, "top_management")
    permissions: ClassVar[Mapping[str, frozenset[str]]] = MappingProxyType(
        {
            "classify": frozenset({MANAGER}),
            "assign": frozenset({MANAGER}),
            "resolve": DECIDERS,
            "written-replies": frozenset({MANAGER}),
            "close": DECIDERS,
            "deadline-missed": frozenset({"system"}),
        }
    )
    refusals: ClassVar[Mapping[str, tuple[str, str]]] = MappingProxyType(
        {
            "classify": ("Q3", "the initial assessment is the complaints manager's"),
            "assign": ("Q4", "the complaints manager assigns the investigation"),
            "resolve": ("Q5", "the complaints manager or top management decides"),
            "written-replies": ("Q8", "only the complaints manager answers in writing"),
            "close": ("Q9", "only the complaints manager or top management closes a complaint"),
            "deadline-missed": ("Q10", "a deadline is missed by the deadline watcher"),
        }
    )
    # Read by the core's generated docs only; a subclass with other periods restates it.
    documented_deadlines = (
        ("Q2", f"`{ACKNOWLEDGEMENT}`: {ACKNOWLEDGE_DAYS} working days from receipt", "frontline"),
        (
            "Q5",
            f"`{RESPONSE}`: the decision, {RESPONSE_DAYS[URGENT]} / {RESPONSE_DAYS[HIGH]} / "
            f"{RESPONSE_DAYS[NORMAL]} working days from receipt for urgent / high / normal",
            MANAGER,
        ),
        (
            "Q7",
            f"`{INTERNAL_REVIEW}`: {REVIEW_DAYS} working days from reaching top_management",
            "top_management",
        ),
    )

    # --- receipt, acknowledgement, assessment ---------------------------------------------

    def on_file(
        self,
        case: None,
        command: c.File,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        receipt = Notify(self.intake_roles, "complaint received: record and track it", "Q1")
        acknowledge_by = deadline(
            ACKNOWLEDGEMENT,
            "Q2",
            command.received_at,
            self.acknowledge_days,
            Unit.WORKING_DAYS,
            calendar,
            ("frontline",),
        )
        decision = Decision((receipt, acknowledge_by))
        if command.category:
            decision += self.assess(command.category, "assessed at receipt", None)
            decision += self.response_deadline(command.category, command.received_at, calendar)
        return decision

    def on_acknowledge(
        self,
        case: Complaint,
        command: c.Acknowledge,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return settle(case, now, (ACKNOWLEDGEMENT,))

    def on_classify(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        decision = self.assess(command.category, command.reason, case)
        if RESPONSE in case.deadlines:
            return decision  # Q5: the clock set at the first assessment stands
        return decision + self.response_deadline(command.category, case.received_at, calendar)

    def assess(self, category: str, reason: str, case: Complaint | None) -> Decision:
        """Q3: the category's priority and rung; reassessing never lowers the rung reached."""
        named = self.classification(category, reason, "Q3")
        rung = self.rung(max(named.level, case.level if case else FRONTLINE))
        effects: list[Effect] = [SetClassification(category, rung.level, rung.name, reason, "Q3")]
        if CATEGORIES[category].priority == URGENT and (case is None or URGENT not in case.flags):
            effects.append(FlagCase(URGENT, "Q3"))
            effects.append(
                Notify(("top_management", MANAGER), f"urgent complaint: {category}", "Q3")
            )
        return Decision(tuple(effects))

    def response_deadline(
        self, category: str, received_at: datetime, calendar: WorkingCalendar
    ) -> Decision:
        days = self.response_days[CATEGORIES[category].priority]
        due = deadline(RESPONSE, "Q5", received_at, days, Unit.WORKING_DAYS, calendar, (MANAGER,))
        return Decision((due,))

    # --- investigation and escalation -----------------------------------------------------

    def on_assign(
        self,
        case: Complaint,
        command: c.Assign,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.slot != INVESTIGATOR_SLOT:
            return Decision()
        told = Notify(("investigator",), f"{command.person} to investigate", "Q4")
        return Decision((told,))

    def on_escalate(
        self,
        case: Complaint,
        command: c.Escalate,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        self.check_can_escalate(case, actor)
        rung = self.rung(case.level + 1)  # Q6: one rung at a time
        effects: list[Effect] = [
            EscalateTo(rung.level, rung.name, command.reason, "Q6", rung.roles)
        ]
        if rung.level == TOP_MANAGEMENT:
            effects.append(self.review_deadline(now, calendar))
        return Decision(tuple(effects))

    def check_can_escalate(self, case: Complaint, actor: c.Actor) -> None:
        if case.level >= EXTERNAL:
            raise InvalidTransition("the case is already with external dispute resolution (Q7)")
        here = self.rung(case.level)
        movers = PASSED_ON_BY[case.level] | {"system"}
        if not actor.holds(movers):
            raise Refused("Q6", f"the {here.name} rung is passed on by one of {sorted(movers)}")
        if case.level >= COMPLAINTS_MANAGER and not declined_at(case, case.level):
            raise Refused(
                "Q6", f"the complainant has not declined the decision at the {here.name} rung"
            )

    def review_deadline(self, now: datetime, calendar: WorkingCalendar) -> StartDeadline:
        return deadline(
            INTERNAL_REVIEW,
            "Q7",
            now,
            self.review_days,
            Unit.WORKING_DAYS,
            calendar,
            ("top_management",),
        )

    # --- decision, communication, closure -------------------------------------------------

    def on_written_replies(
        self,
        case: Complaint,
        command: c.ReplyInWriting,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return settle(case, now, DECISION_DEADLINES)  # Q8: the decision is communicated

    def on_complainant_response(
        self,
        case: Complaint,
        command: c.RecordResponse,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.accepted or case.level != TOP_MANAGEMENT:
            return super().on_complainant_response(case, command, actor, now, calendar)
        # Q7 (8.9): internal options are exhausted; tell the complainant about external recourse.
        reason = "review decision declined: inform the complainant of external dispute resolution"
        return Decision((Notify(("ombudsman_liaison", MANAGER), reason, "Q7"),))

    def on_close(
        self,
        case: Complaint,
        command: c.Close,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if not decision_communicated(case):
            raise Refused("Q9", "close once the decision is communicated in writing or accepted")
        return settle_deadlines(case, now)

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision:
        # Q10: a missed step reaches the process owner; a missed decision reaches top management.
        above = ("top_management",) if deadline.deadline_id in DECISION_DEADLINES else ()
        roles = tuple(dict.fromkeys((*deadline.roles, MANAGER, *above)))
        return Decision((Notify(roles, f"deadline {deadline.kind} missed", "Q10"),))


def settle(case: Complaint, now: datetime, deadline_ids: tuple[str, ...]) -> Decision:
    """End the named pending deadlines: met if still in time, else missed."""
    effects: list[Effect] = []
    for deadline_id in deadline_ids:
        held = case.deadlines.get(deadline_id)
        if held is None or not held.is_pending:
            continue
        if now <= held.due_at:
            effects.append(MeetDeadlineEffect(deadline_id))
        else:
            effects.append(MissDeadlineEffect(deadline_id))
    return Decision(tuple(effects))


def declined_at(case: Complaint, level: int) -> bool:
    """Whether the complainant's latest answer at this rung was a refusal."""
    answers = [r for r in case.responses if r.get("level") == level]
    return bool(answers) and not answers[-1]["accepted"]


def decision_communicated(case: Complaint) -> bool:
    """Q9: a written decision was given, or the complainant's latest answer accepted one."""
    return bool(case.written_replies) or bool(case.responses and case.responses[-1]["accepted"])
