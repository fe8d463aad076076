"""The hospital's medical-dispute and complaint emergency plan (医疗纠纷及投诉应急预案), H1–H13.

The ladder is the plan's procedure (H13): the department first (H5), then medical affairs and,
when the complainant declines its answer, the vice-president in charge (H6); still unresolved,
a medical appraisal (H7, H8), a suit in court (H9) and the health authority's administrative
opinion (H10). A case climbs one rung at a time, and past the hospital's own rungs only once
the complainant has declined the answer given there. An incident (H11, C5) bypasses the ladder.
Only the designated spokesperson replies in writing (H12, C6).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy, settle_deadlines
from domain.policies.hospital.procedure import (
    ACCEPTANCE_RULES,
    APPRAISAL,
    APPRAISAL_RECORDS,
    AUTHORITIES,
    CATEGORIES,
    COORDINATOR,
    DECLINE_NOTICES,
    DESIGNATIONS,
    DESIGNATORS,
    DOCUMENTED_DEADLINES,
    ESCALATION_RULES,
    EVIDENCE_HOURS,
    FINAL_AUTHORITIES,
    HOSPITAL_RUNGS,
    INCIDENT_KINDS,
    INCIDENT_ROLES,
    INTAKE_ROLES,
    LADDER,
    MISSED_NOTIFY,
    OUTCOME_ROLES,
    PERMISSIONS,
    POLICE_ALERT,
    RECORDS_DAYS,
    REFUSALS,
    ROLES,
    VIOLENT_KINDS,
)
from domain.policy import (
    Decision,
    Effect,
    EscalateTo,
    FlagCase,
    Notify,
    RecordIncident,
    ResolveCase,
    StartDeadline,
    deadline,
)


class HospitalPolicy(BasePolicy):
    name = "hospital"
    version = 1
    roles = ROLES
    ladder = LADDER
    categories = CATEGORIES
    intake_roles = INTAKE_ROLES
    incident_roles = INCIDENT_ROLES
    permissions = PERMISSIONS
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES

    # --- intake and classification ------------------------------------------------------

    def on_file(
        self,
        case: None,
        command: c.File,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # H2: what the complainant said is kept by the Filed event itself (File.details).
        effects: list[Effect] = [
            Notify(INTAKE_ROLES, "complaint or dispute received: report at once", "H4")
        ]
        if command.category:
            effects.append(self.classification(command.category, "classified at intake", "H5"))
        return Decision(tuple(effects))

    def on_classify(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # H13: naming the kind of complaint never moves the case on the ladder.
        named = self.classification(command.category, command.reason, "H13")
        here = self.rung(case.level)
        return Decision((replace(named, level=here.level, rung=here.name),))

    def on_handovers(
        self,
        case: Complaint,
        command: c.AddHandover,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # H3: each shift reports (汇报) as well as hands over; the note itself is the handover.
        return Decision((Notify(("head_nurse",), "shift handover on a complaint", "H3"),))

    # --- the ladder ---------------------------------------------------------------------

    def on_escalate(
        self,
        case: Complaint,
        command: c.Escalate,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        self.check_can_leave(case, actor)
        rung = self.rung(case.level + 1)  # H13: one rung at a time, never skipping one
        rule = ESCALATION_RULES[rung.level]
        effects: list[Effect] = [
            EscalateTo(rung.level, rung.name, command.reason, rule, rung.roles)
        ]
        if rung.level == APPRAISAL:
            effects.append(self.records_deadline(now, calendar))
        return Decision(tuple(effects))

    def check_can_leave(self, case: Complaint, actor: c.Actor) -> None:
        if case.level + 1 >= len(self.ladder):
            raise InvalidTransition("the case is already with the health authority (H10)")
        here = self.rung(case.level)
        movers = frozenset(here.roles) | {COORDINATOR, "system"}
        if not actor.holds(movers):
            raise Refused("H13", f"the {here.name} rung is passed on by one of {sorted(movers)}")
        if case.level in HOSPITAL_RUNGS and not declined_at(case, case.level):
            raise Refused(
                "H13", f"the complainant has not declined the answer at the {here.name} rung"
            )

    def records_deadline(self, now: datetime, calendar: WorkingCalendar) -> StartDeadline:
        # H7: the department assembles all records for the appraisal within one week.
        return deadline(
            APPRAISAL_RECORDS,
            "H7",
            now,
            RECORDS_DAYS,
            Unit.CALENDAR_DAYS,
            calendar,
            ("department_head",),
            kind="appraisal_records",
        )

    # --- the complainant's answer and the endings ---------------------------------------

    def on_complainant_response(
        self,
        case: Complaint,
        command: c.RecordResponse,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.accepted:
            # H5, H6, C4: acceptance at any rung ends handling there.
            rule = ACCEPTANCE_RULES.get(case.level, "C4")
            return ending(case, now, f"accepted at the {self.rung(case.level).name} rung ({rule})")
        notice = DECLINE_NOTICES.get(case.level)
        return Decision((notice,) if notice else ())

    def on_outcomes(
        self,
        case: Complaint,
        command: c.RecordOutcome,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        rule = self.check_outcome(case, command)
        opinion = f"{command.authority} opinion on {command.target}: {command.opinion}"
        decision = Decision((Notify(OUTCOME_ROLES, opinion, rule),))
        if command.authority in FINAL_AUTHORITIES:
            decision += ending(case, now, f"{command.authority} opinion ({rule})")
        return decision

    def check_outcome(self, case: Complaint, command: c.RecordOutcome) -> str:
        if command.authority not in AUTHORITIES:
            raise UnknownAuthority(
                f"unknown authority {command.authority!r}; one of {sorted(AUTHORITIES)}"
            )
        level, rule = AUTHORITIES[command.authority]
        if case.level < level:
            raise Refused("H13", f"the case has not reached the {self.rung(level).name} rung")
        if rule == "H10" and not command.target.strip():
            raise Refused("H10", "the health authority's opinion names the department or person")
        return rule

    # --- representing the hospital outside (H8, H9) ------------------------------------

    def on_assign(
        self,
        case: Complaint,
        command: c.Assign,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.slot not in DESIGNATIONS:
            return Decision()
        level, rule = DESIGNATIONS[command.slot]
        if not actor.holds(DESIGNATORS | {"system"}):
            raise Refused(rule, "medical affairs or the vice-president designates who goes")
        if case.level < level:
            raise Refused(rule, f"the case has not reached the {self.rung(level).name} rung")
        named = f"{command.person} designated as {command.slot}"
        return Decision((Notify(self.rung(case.level).roles, named, rule),))

    # --- incidents (H11, C5) ------------------------------------------------------------

    def on_incidents(
        self,
        case: Complaint,
        command: c.ReportIncident,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        check_incident_kind(command.kind)
        # C5: straight to security and medical affairs; the level stays where it is.
        incident = RecordIncident(
            command.kind, command.description, command.police_called, INCIDENT_ROLES, "H11"
        )
        return Decision(
            (incident, *police_alert(command), self.evidence_deadline(case, now, calendar))
        )

    def evidence_deadline(
        self, case: Complaint, now: datetime, calendar: WorkingCalendar
    ) -> StartDeadline:
        # One per incident: the scene and evidence of each must be kept (保护现场和保留证据).
        number = len(case.incidents) + 1
        return deadline(
            f"evidence-{number}",
            "H11",
            now,
            EVIDENCE_HOURS,
            Unit.HOURS,
            calendar,
            ("security",),
            kind="evidence_preservation",
        )

    # --- deadlines ------------------------------------------------------------------------

    def on_deadline_met(
        self,
        case: Complaint,
        command: c.MeetDeadline,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        held = case.deadlines.get(command.deadline_id)
        # Those a deadline was set for say it is met; medical affairs may, as coordinator.
        if held and not actor.holds(frozenset(held.roles) | {COORDINATOR, "system"}):
            raise Refused(held.rule, f"{held.kind} is reported met by one of {list(held.roles)}")
        return Decision()

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision:
        # H7: records not assembled in a week reach medical affairs and the vice-president.
        roles = tuple(dict.fromkeys(deadline.roles + MISSED_NOTIFY.get(deadline.kind, ())))
        return Decision((Notify(roles, f"deadline {deadline.kind} missed", deadline.rule),))


def declined_at(case: Complaint, level: int) -> bool:
    """Whether the complainant's latest answer at this rung was a refusal."""
    answers = [r for r in case.responses if r.get("level") == level]
    return bool(answers) and not answers[-1]["accepted"]


def ending(case: Complaint, now: datetime, outcome: str) -> Decision:
    return settle_deadlines(case, now) + Decision((ResolveCase(outcome),))


def check_incident_kind(kind: str) -> None:
    if kind not in INCIDENT_KINDS:
        raise UnknownIncidentKind(
            f"unknown incident kind {kind!r}; one of {sorted(INCIDENT_KINDS)}"
        )


def police_alert(command: c.ReportIncident) -> tuple[Effect, ...]:
    """H11: call 110 — flagged when the police came or the conduct was violent."""
    if not (command.police_called or command.kind in VIOLENT_KINDS):
        return ()
    alert = FlagCase(POLICE_ALERT, "H11")
    if command.police_called:
        return (alert,)
    return (alert, Notify(("security",), f"{command.kind}: call the police (110)", "H11"))


class UnknownAuthority(InvalidTransition):
    pass


class UnknownIncidentKind(InvalidTransition):
    pass
