"""The effects the school's tracks are built from: starting a step's clock, the notices at
intake and on each track's first step (S1–S4, S10), and the routing of outside contacts (S6,
S7); and what a campus case has recorded of the steps after its feedback (S10 ⑤, ⑥)."""

from __future__ import annotations

from datetime import datetime

from domain.calendar import WorkingCalendar
from domain.commands import RecordContact
from domain.complaint import Complaint, Deadline
from domain.policies.school.procedure import (
    ADMINISTRATION,
    CAMPUS,
    CAMPUS_SUPERVISOR,
    CONSTRUCTIVE,
    DEPARTMENT_HEAD,
    FINAL_PLAN,
    FINAL_RESOLUTION,
    FOLLOW_UP,
    FORWARD,
    HANDLING,
    HQ_PAIR,
    INVESTIGATION,
    LEADERSHIP,
    OPINION,
    RECEIPT_FORM,
    SOLUTION,
    STEPS,
    track_of,
)
from domain.policy import Decision, FlagCase, Notify, StartDeadline, deadline


def step(
    step_id: str,
    start: datetime,
    cal: WorkingCalendar,
    amount: int | None = None,
    deadline_id: str | None = None,
) -> StartDeadline:
    held = STEPS[step_id]
    length = held.amount if amount is None else amount
    if length is None:
        raise ValueError(f"the {step_id} step's length is chosen when it starts")
    return deadline(
        deadline_id or step_id, held.rule, start, length, held.unit, cal, held.roles, step_id
    )


def next_step(
    case: Complaint, step_id: str, now: datetime, cal: WorkingCalendar, reason: str
) -> Decision:
    """Start a step once: repeating the previous step's act does not restart its clock."""
    if step_id in case.deadlines:
        return Decision()
    started = step(step_id, now, cal)
    return Decision((started, Notify(started.roles, reason, started.rule)))


def intake_notice(category: str | None) -> Notify:
    # S1 七要: record, report. Headquarters reports to administration, a campus to its supervisor.
    track = track_of(category)
    if track == CAMPUS:
        roles: tuple[str, ...] = (CAMPUS_SUPERVISOR,)
    elif track is None:
        roles = (ADMINISTRATION, CAMPUS_SUPERVISOR)
    else:
        roles = (ADMINISTRATION,)
    return Notify(roles, "complaint received: record it, report it, answer in time", "S1")


def suggestion_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    thank = "suggestion: thank the customer; record the idea, name and contact; forward it"
    return Decision((Notify((ADMINISTRATION,), thank, "S2"), step(FORWARD, start, cal)))


def constructive(category: str) -> Decision:
    # S2: 若具有建设性的意见当事部门应面谈并当面道谢给予部分礼品.
    if category != CONSTRUCTIVE:
        return Decision()
    gift = "constructive suggestion: meet the customer, thank them in person, give a small gift"
    return Decision(
        (FlagCase("constructive_suggestion", "S2"), Notify((DEPARTMENT_HEAD,), gift, "S2"))
    )


def problem_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    meet = "problem complaint: register it by phone; where needed meet the complainant"
    return Decision(
        (Notify((ADMINISTRATION, CAMPUS_SUPERVISOR), meet, "S3"), step(FINAL_PLAN, start, cal))
    )


def malicious_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    meet = "malicious complaint: meet the complainant at once and keep in contact"
    return Decision(
        (
            Notify(HQ_PAIR, meet, "S4"),
            step(OPINION, start, cal),
            step(FINAL_RESOLUTION, start, cal),
        )
    )


def campus_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    # S10 ①②, S11 ①: answered or passed on within 2 days, investigated the day received.
    return Decision((step(RECEIPT_FORM, start, cal), step(INVESTIGATION, start, cal)))


def handling_periods(case: Complaint) -> list[Deadline]:
    """The case's handling periods, in order: the first, then one per recurrence (S11 ③)."""
    return [held for held in case.deadlines.values() if held.kind == HANDLING]


def current_handling(case: Complaint) -> Deadline | None:
    periods = handling_periods(case)
    return periods[-1] if periods else None


def solutions_carried_out(case: Complaint) -> int:
    return sum(1 for outcome in case.outcomes if outcome["target"] == SOLUTION)


def follow_up_visits(case: Complaint) -> int:
    return sum(1 for entry in case.satisfaction if entry["stage"] == FOLLOW_UP)


def contact_notice(command: RecordContact, on_campus: bool) -> Notify:
    """S6, S7: who came, from where and why, to leadership at once; never held back."""
    who = f"{command.kind}: {command.name} ({command.organisation}), purpose: {command.purpose}"
    if command.kind == "inspection" or (on_campus and command.kind == "media"):
        # S7: the supervisor and regional manager decide; nothing is done unapproved.
        approval = "; no interview, inspection, photo or filming without their approval"
        return Notify(LEADERSHIP, who + approval, "S7")
    # S6: administration and the department heads go and explain.
    return Notify((*LEADERSHIP, *HQ_PAIR), who + "; administration and the head explain", "S6")
