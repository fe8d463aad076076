"""The hospital's medical-dispute and complaint emergency plan (医疗纠纷及投诉应急预案), H1–H13.

The ladder is the plan's procedure (H13): the department first (H5), then medical affairs and,
when the complainant declines its answer, the vice-president in charge (H6); still unresolved,
a medical appraisal (H7, H8), a suit in court (H9) and the health authority's administrative
opinion (H10). A case climbs one rung at a time, and past the hospital's own rungs only once
the complainant has declined the answer given there. An incident (H11, C5) bypasses the ladder.
Only the designated spokesperson replies in writing (H12, C6).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
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
    Notify,
    RecordIncident,
    ResolveCase,
    Rung,
    StartDeadline,
    deadline,
)

DEPARTMENT, MEDICAL_AFFAIRS, VICE_PRESIDENT, APPRAISAL, COURT, HEALTH_AUTHORITY = range(6)

# H4: a complaint or dispute is reported at once to all three.
INTAKE_ROLES = ("department_head", "head_nurse", "medical_affairs")
# H11: disorder goes to security and medical affairs (保卫科、医务处).
INCIDENT_ROLES = ("security", "medical_affairs")
# H8, H9: "the hospital designates" — the people who speak for the hospital in disputes.
DESIGNATORS = frozenset({"medical_affairs", "vice_president"})
# Medical affairs coordinates the whole procedure (H6, H13), so it may move a case on from any rung.
COORDINATOR = "medical_affairs"
LEADS = frozenset({"department_head", "medical_affairs", "vice_president"})

# The rungs where the hospital itself answers: a case leaves them only when the complainant has
# declined that answer (H5 "if they accept, it ends", H6 "not accepted → vice-president",
# H13 "患者不能接受→向分管副院长汇报→仍无法解决时→医疗鉴定").
HOSPITAL_RUNGS = frozenset({DEPARTMENT, MEDICAL_AFFAIRS, VICE_PRESIDENT})
ACCEPTANCE_RULES = MappingProxyType({DEPARTMENT: "H5", MEDICAL_AFFAIRS: "H6", VICE_PRESIDENT: "H6"})
ESCALATION_RULES = MappingProxyType(
    {
        MEDICAL_AFFAIRS: "H6",
        VICE_PRESIDENT: "H6",
        APPRAISAL: "H7",
        COURT: "H9",
        HEALTH_AUTHORITY: "H10",
    }
)
DECLINE_NOTICES = MappingProxyType(
    {
        MEDICAL_AFFAIRS: Notify(
            ("medical_affairs",),
            "answer not accepted: ask the complainant for written materials; a responsible person "
            "investigates, proposes a solution and reports to the vice-president",
            "H6",
        ),
        VICE_PRESIDENT: Notify(
            ("medical_affairs", "vice_president"),
            "negotiation failed: advise the complainant to seek a medical appraisal by law",
            "H7",
        ),
    }
)

INCIDENT_KINDS = MappingProxyType(
    {
        "disorder": "无理取闹 making trouble without cause",
        "record_seizure": "抢夺病历资料 seizing medical records",
        "assault": "殴打医务人员 beating staff",
        "insult": "辱骂医务人员 insulting staff",
        "disruption": "损坏医院正常工作秩序 disrupting the hospital's work",
        "other": "other disorderly conduct",
    }
)
# Physical harm or seized records cannot wait for a report up the line: alert the police (110).
VIOLENT_KINDS = frozenset({"assault", "record_seizure"})
POLICE_ALERT = "police_alert"

APPRAISAL_RECORDS = "appraisal-records"
RECORDS_DAYS = 7  # H7: 一周内, read as seven calendar days
# H11 says to protect the scene and keep evidence without a figure; a day keeps it fresh.
EVIDENCE_HOURS = 24
# Missing a deadline reaches those who can still make it good, beside its holders.
MISSED_NOTIFY = MappingProxyType(
    {
        "appraisal_records": ("medical_affairs", "vice_president"),
        "evidence_preservation": ("medical_affairs",),
    }
)

# slot -> (the rung from which it exists, rule): who represents the hospital outside.
DESIGNATIONS = MappingProxyType(
    {
        "appraisal_attendee": (APPRAISAL, "H8"),
        "court_representative": (COURT, "H9"),
        "lawyer": (COURT, "H9"),
    }
)
# authority -> (the rung from which its opinion can exist, rule). H13 puts the health
# authority's opinion straight after the appraisal meeting, so it needs no suit first.
AUTHORITIES = MappingProxyType(
    {
        "appraisal_body": (APPRAISAL, "H8"),
        "court": (COURT, "H9"),
        "health_authority": (APPRAISAL, "H10"),
    }
)
# An appraisal's conclusion is the basis for settling, not a settlement; a judgment and the
# authority's opinion (the last step of H13) end handling.
FINAL_AUTHORITIES = frozenset({"court", "health_authority"})
OUTCOME_ROLES = ("medical_affairs", "vice_president", "department_head")


class HospitalPolicy(BasePolicy):
    name = "hospital"
    version = 1
    roles = MappingProxyType(
        {
            "clinician": "医生 clinician on duty: serves and explains (H1, H2), hands over (H3)",
            "nurse": "护士 nurse on duty: serves and explains (H1, H2), hands over (H3)",
            "department_head": "科主任 department head: told at once (H4), investigates and "
            "resolves in the department (H5), assembles records for appraisal (H7)",
            "head_nurse": "护士长 head nurse: told at once (H4), receives shift reports (H3)",
            "medical_affairs": "医务科/医务处 medical affairs: told at once (H4), handles with the "
            "department head (H6), coordinates the procedure (H13), told of incidents (H11)",
            "vice_president": "分管副院长 vice-president in charge: negotiates unresolved disputes "
            "(H6), designates the hospital's representatives (H8, H9)",
            "spokesperson": "医院指定专人 designated spokesperson: the only one who replies in "
            "writing (H12)",
            "lawyer": "医院律师 hospital lawyer: represents the hospital in court (H9)",
            "security": "保卫科 security: takes incidents, protects the scene and keeps evidence "
            "(H11)",
            "admin": "系统管理员 tenant administrator: role directory, keys and calendar",
        }
    )
    ladder = (
        Rung(DEPARTMENT, "department", ("department_head", "head_nurse")),  # H5
        Rung(MEDICAL_AFFAIRS, "medical_affairs", ("medical_affairs", "department_head")),  # H6
        Rung(VICE_PRESIDENT, "vice_president", ("vice_president", "medical_affairs")),  # H6
        Rung(
            APPRAISAL, "medical_appraisal", ("medical_affairs", "department_head", "vice_president")
        ),  # H7, H8
        Rung(COURT, "court", ("vice_president", "medical_affairs", "lawyer")),  # H9
        Rung(
            HEALTH_AUTHORITY,
            "health_authority",
            ("vice_president", "medical_affairs", "department_head"),
        ),  # H10
    )
    # Both start in the department: medical problems by H5, the rest because H4 reports there.
    categories = MappingProxyType({"medical_dispute": DEPARTMENT, "service_complaint": DEPARTMENT})
    intake_roles = INTAKE_ROLES
    incident_roles = INCIDENT_ROLES
    permissions: ClassVar[Mapping[str, frozenset[str]]] = MappingProxyType(
        {
            "written-replies": frozenset({"spokesperson"}),  # H12, C6
            "outcomes": frozenset({"medical_affairs", "vice_president", "lawyer"}),
            "resolve": LEADS,
            "close": LEADS,
            "deadline-missed": frozenset({"system"}),  # C3: only the deadline watcher
        }
    )
    refusals: ClassVar[Mapping[str, tuple[str, str]]] = MappingProxyType(
        {
            "written-replies": ("H12", "only the designated spokesperson may reply in writing"),
            "deadline-missed": ("C3", "a deadline is missed by the deadline watcher, not by staff"),
        }
    )
    documented_deadlines = (
        (
            "H7",
            f"`{APPRAISAL_RECORDS}`: records for the appraisal, {RECORDS_DAYS} calendar days "
            "from reaching medical_appraisal",
            "department_head",
        ),
        (
            "H11",
            f"`evidence-<n>`: scene and evidence kept, {EVIDENCE_HOURS} hours from each incident",
            "security",
        ),
    )

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
