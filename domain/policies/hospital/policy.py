"""The hospital's medical-dispute and complaint emergency plan (医疗纠纷及投诉应急预案), H1–H13.

The ladder is the plan's procedure (H13): the department first (H5), then medical affairs and,
when the complainant declines its answer, the vice-president in charge (H6); still unresolved,
a medical appraisal (H7, H8), a suit in court (H9) and the health authority's administrative
opinion (H10). A case climbs one rung at a time, and past the hospital's own rungs only once
the complainant has declined the answer given there; it is resolved on a rung only once the
complainant accepted the answer there. Medical affairs reaches the vice-president only after
H6's written materials, investigation and proposal are recorded; the appraisal and court rungs
are passed only with the hospital's representatives designated (H8, H9); court is the branch
a suit opens, so without one the appraisal leads to the health authority. An incident (H11,
C5) bypasses the ladder. Only the designated spokesperson replies in writing (H12, C6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy, cancel_deadlines
from domain.policies.hospital.procedure import (
    ACCEPTANCE_RULES,
    APPRAISAL,
    APPRAISAL_RECORDS,
    AUTHORITIES,
    CATEGORIES,
    COORDINATOR,
    COURT,
    COURT_SLOTS,
    DEADLINE_MET_BY,
    DECLARED_OPTIONS,
    DECLINE_NOTICES,
    DESIGNATIONS,
    DESIGNATORS,
    DOCUMENTED_DEADLINES,
    ESCALATION_RULES,
    EVIDENCE_HOURS,
    EVIDENCE_HOURS_RANGE,
    FINAL_AUTHORITIES,
    HEALTH_AUTHORITY,
    HOSPITAL_RUNGS,
    INCIDENT_KINDS,
    INCIDENT_ROLES,
    INTAKE_ROLES,
    INVESTIGATED,
    INVESTIGATION,
    LADDER,
    MEDICAL_AFFAIRS,
    MISSED_NOTIFY,
    OUTCOME_ROLES,
    PERMISSIONS,
    POLICE_ALERT,
    PROPOSED,
    RECORDS_DAYS,
    REFUSALS,
    ROLES,
    SUED,
    SUIT,
    SUIT_RECORDERS,
    UNIT_ROLES,
    VIOLENT_KINDS,
    WRITTEN_MATERIALS,
)
from domain.policies.hospital.rules import (
    check_accepted,
    check_declined,
    check_designated,
    check_h6_steps,
    check_handling,
    step_refusal,
    sued,
)
from domain.policy import (
    Decision,
    Effect,
    EscalateTo,
    FlagCase,
    InvalidPolicyOption,
    Notify,
    RecordIncident,
    ResolveCase,
    Rung,
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
    unit_roles = UNIT_ROLES
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES
    declared_options = DECLARED_OPTIONS
    deadline_met_by = DEADLINE_MET_BY

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        if self.options[EVIDENCE_HOURS] not in EVIDENCE_HOURS_RANGE:
            first, last = EVIDENCE_HOURS_RANGE.start, EVIDENCE_HOURS_RANGE.stop - 1
            raise InvalidPolicyOption(EVIDENCE_HOURS, f"must be {first} to {last} hours")

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
        rung = self.next_rung(case)
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
        check_handling(case, here)
        if case.level in HOSPITAL_RUNGS:
            check_declined(case, here)
        if case.level == MEDICAL_AFFAIRS:
            check_h6_steps(case)
        check_designated(case, case.level)

    def next_rung(self, case: Complaint) -> Rung:
        """One rung at a time (H13), save that court is the branch a suit opens (H9): H13 goes
        from the appraisal meeting to the health authority's opinion."""
        if case.level == APPRAISAL and not sued(case):
            return self.rung(HEALTH_AUTHORITY)
        return self.rung(case.level + 1)

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
        check_handling(case, self.rung(case.level))
        if command.accepted:
            # H5, H6, C4: acceptance at any rung ends handling there.
            rule = ACCEPTANCE_RULES.get(case.level, "C4")
            outcome = f"accepted at the {self.rung(case.level).name} rung ({rule})"
            return self.ending(case, now, calendar, outcome, rule)
        notice = DECLINE_NOTICES.get(case.level)
        return Decision((notice,) if notice else ())

    def on_resolve(
        self,
        case: Complaint,
        command: c.Resolve,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # A lead words the ending; the complainant's acceptance at this rung makes it one.
        check_accepted(case, self.rung(case.level))
        return cancel_deadlines(case, now, "resolved after acceptance", "C4", self, calendar)

    def on_close(
        self,
        case: Complaint,
        command: c.Close,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return cancel_deadlines(case, now, "case closed", "C4", self, calendar)

    def ending(
        self, case: Complaint, now: datetime, calendar: WorkingCalendar, outcome: str, rule: str
    ) -> Decision:
        """Handling ends: what is still pending was not done, so it is cancelled, not met."""
        ended = cancel_deadlines(case, now, outcome, rule, self, calendar)
        return ended + Decision((ResolveCase(outcome),))

    # --- H6: the steps before the vice-president ----------------------------------------

    def on_evidence(
        self,
        case: Complaint,
        command: c.AttachEvidence,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # What medical affairs attaches once its answer is declined is what H6 asks for then.
        return self.step_taken(case, WRITTEN_MATERIALS, actor)

    def on_propose_resolution(
        self,
        case: Complaint,
        command: c.ProposeResolution,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return self.step_taken(case, PROPOSED, actor)

    def step_taken(self, case: Complaint, step: str, actor: c.Actor) -> Decision:
        """The act counts as H6's ``step`` when it comes where and when the step is due; any
        other attachment or proposal is recorded as just that."""
        if step in case.flags or step_refusal(case, step, actor) is not None:
            return Decision()
        return Decision((FlagCase(step, "H6"),))

    def investigated(self, case: Complaint, actor: c.Actor) -> Decision:
        # An outcome of the investigation exists only as H6's step, so out of place it is refused.
        reason = step_refusal(case, INVESTIGATED, actor)
        if reason is not None:
            raise Refused("H6", reason)
        return Decision(() if INVESTIGATED in case.flags else (FlagCase(INVESTIGATED, "H6"),))

    # --- H9: the suit --------------------------------------------------------------------

    def on_contacts(
        self,
        case: Complaint,
        command: c.RecordContact,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.kind != SUIT:
            return Decision()
        self.check_suit(case, command, actor)
        court = self.rung(COURT)
        notice = Notify(
            court.roles, "the complainant has sued: designate a person and a lawyer for court", "H9"
        )
        flagged = () if sued(case) else (FlagCase(SUED, "H9"),)
        return Decision((*flagged, notice))

    def check_suit(self, case: Complaint, command: c.RecordContact, actor: c.Actor) -> None:
        if not actor.holds(SUIT_RECORDERS | {"system"}):
            raise Refused("H9", f"a suit is recorded by one of {sorted(SUIT_RECORDERS)}")
        here = self.rung(case.level)
        check_handling(case, here)
        if case.level != APPRAISAL:
            # H7 → H9: the plan takes a dispute to court after the appraisal, never back down.
            raise Refused("H9", f"a suit is recorded at the appraisal rung, not {here.name}")
        if not command.organisation.strip():
            raise Refused("H9", "name the court the complainant sued in")

    def on_outcomes(
        self,
        case: Complaint,
        command: c.RecordOutcome,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if command.authority == INVESTIGATION:
            return self.investigated(case, actor)
        rule = self.check_outcome(case, command)
        opinion = f"{command.authority} opinion on {command.target}: {command.opinion}"
        decision = Decision((Notify(OUTCOME_ROLES, opinion, rule),))
        if command.authority in FINAL_AUTHORITIES:
            outcome = f"{command.authority} opinion ({rule})"
            decision += self.ending(case, now, calendar, outcome, rule)
        return decision

    def check_outcome(self, case: Complaint, command: c.RecordOutcome) -> str:
        if command.authority not in AUTHORITIES:
            known = sorted({*AUTHORITIES, INVESTIGATION})
            raise UnknownAuthority(f"unknown authority {command.authority!r}; one of {known}")
        level, rule = AUTHORITIES[command.authority]
        if case.level < level:
            raise Refused("H13", f"the case has not reached the {self.rung(level).name} rung")
        if rule == "H10" and not command.target.strip():
            raise Refused("H10", "the health authority's opinion names the department or person")
        if rule == "H9" and not sued(case):
            raise Refused("H9", "a judgment follows a suit: record the complainant's suit first")
        # The hospital is represented where the outcome is given (H8, H9).
        check_designated(case, case.level)
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
        if command.slot in COURT_SLOTS and not sued(case):
            raise Refused("H9", "the hospital designates who appears in court once it is sued")
        if not command.person.strip():
            raise Refused(rule, f"name the person designated as {command.slot}")
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
            self.options[EVIDENCE_HOURS],
            Unit.HOURS,
            calendar,
            ("security",),
            kind="evidence_preservation",
        )

    # --- deadlines ------------------------------------------------------------------------

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision:
        # H7: records not assembled in a week reach medical affairs and the vice-president.
        roles = tuple(dict.fromkeys(deadline.roles + MISSED_NOTIFY.get(deadline.kind, ())))
        return Decision((Notify(roles, f"deadline {deadline.kind} missed", deadline.rule),))


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
