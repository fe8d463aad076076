"""Shared drivers for the school policy tests: a fixed clock, the school's staff, track walkers.

A plain module rather than a conftest, so that it cannot collide with other policies' tests
in this directory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, DeadlineState
from domain.handling import execute, file_complaint
from domain.policies.school import SchoolPolicy
from tests.domain.policies.events import drain, named, staff  # noqa: F401 - shared

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning in March 2026, with no public holiday within two weeks.
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
CALENDAR = WorkingCalendar()
POLICY = SchoolPolicy()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:school")
_case_numbers = count(1)


ADMINISTRATION = staff("admin.wu", "administration")
DEPARTMENT_HEAD = staff("head.zhang", "department_head")
TEACHER = staff("teacher.li", "department_staff")
SUPERVISOR = staff("supervisor.chen", "campus_supervisor")
GENERAL_MANAGER = staff("gm.wang", "general_manager")
REGIONAL_MANAGER = staff("regional.zhao", "regional_manager")
MARKET = staff("market.sun", "market_department")
RECEPTION = staff("reception.liu", "campus_reception")
COORDINATOR = staff("coord.he", "coordinator")
WATCHER = c.SYSTEM  # the deadline watcher

FACILITIES_COMPLAINT = "campus/service/facilities/complaint"
SAFETY_COMPLAINT = "campus/service/safety/complaint"
ATTENDANCE_SUGGESTION = "campus/teaching/attendance/suggestion"


def later(hours: float = 0, days: int = 0) -> datetime:
    return NOW + timedelta(hours=hours, days=days)


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=TZ)


def case_id() -> UUID:
    return uuid5(TENANT_ID, f"case-{next(_case_numbers)}")


def file(
    category: str | None = None,
    at: datetime = NOW,
    by: c.Actor = ADMINISTRATION,
    **fields: Any,
) -> Complaint:
    fields.setdefault("channel", "hotline")
    fields.setdefault("summary", "a parent calls about the Saturday maths class")
    fields.setdefault("complainant", {"name": "Ms Zhou", "contact": "138 0000 0000"})
    command = c.File(received_at=at, category=category, **fields)
    return file_complaint(case_id(), TENANT_ID, command, by, POLICY, at, CALENDAR)


def run(
    case: Complaint, command: c.Command, by: c.Actor = ADMINISTRATION, at: datetime = NOW
) -> Complaint:
    return execute(case, command, by, POLICY, at, CALENDAR)


def miss(case: Complaint, deadline_id: str, at: datetime) -> Complaint:
    """What the deadline watcher does once ``deadline_id`` is overdue."""
    return run(case, c.MissDeadline(deadline_id), by=WATCHER, at=at)


# --- track walkers: intake to a given step, in time ---------------------------------------------


def suggestion_reported(at: datetime = NOW) -> Complaint:
    case = file("suggestion", at=at)
    run(case, c.Assign(person=DEPARTMENT_HEAD.person, slot="department"), at=at)
    run(case, c.ProposeResolution(text="we will add a parents' corner"), DEPARTMENT_HEAD, at)
    return case


def problem_agreed(compensation_fen: int = 50_000, at: datetime = NOW) -> Complaint:
    case = file("problem", at=at)
    run(case, c.Assign(person=TEACHER.person, slot="responsible"), at=at)
    run(case, c.Assign(person=DEPARTMENT_HEAD.person, slot="superior"), at=at)
    run(case, c.Acknowledge(), at=at)  # the meeting with the campus supervisor
    offer = c.ProposeResolution(text="refund two lessons", compensation_fen=compensation_fen)
    run(case, offer, at=at)
    run(case, c.RecordResponse(accepted=True, text="agreed"), at=at)
    return case


def approve(case: Complaint, at: datetime = NOW, opinion: str = "approved") -> Complaint:
    decision = c.RecordOutcome(authority="general_manager", target="final_plan", opinion=opinion)
    return run(case, decision, GENERAL_MANAGER, at)


def fail_negotiation(case: Complaint, at: datetime = NOW) -> Complaint:
    return run(case, c.RecordResponse(accepted=False, text="demands ten times the fee"), at=at)


def form_resolution(case: Complaint, at: datetime = NOW) -> Complaint:
    outcome = c.RecordOutcome(
        authority="administration", target="final_resolution", opinion="no refund; apology"
    )
    return run(case, outcome, at=at)


def pass_on(days: int | None = 3) -> c.Assign:
    """The receipt form to the department head, with the handling period reception chose."""
    return c.Assign(person=DEPARTMENT_HEAD.person, slot="department", handling_days=days)


def campus_passed_on(
    category: str = FACILITIES_COMPLAINT, at: datetime = NOW, days: int = 3
) -> Complaint:
    case = file(category, at=at, by=RECEPTION, channel="visit", site="Nanming campus")
    run(case, pass_on(days), RECEPTION, at)
    return case


def investigated(case: Complaint, at: datetime = NOW) -> Complaint:
    photo = c.AttachEvidence(description="photo of the broken heater", reference="img-1")
    return run(case, photo, DEPARTMENT_HEAD, at)


SOLUTION = c.RecordOutcome(authority="department", target="solution", opinion="heater replaced")


def followed_up(case: Complaint, at: datetime = NOW, score: int = 4) -> Complaint:
    """S10 ⑤ and ⑥ after the feedback: the solution carried out, then reception's visit."""
    run(case, SOLUTION, DEPARTMENT_HEAD, at)
    return run(case, c.RecordSatisfaction(score=score, stage="follow-up"), RECEPTION, at)


# --- reading the record ---------------------------------------------------------------------


TELLING = frozenset({"RolesNotified", "Escalated", "IncidentReported"})


def notified(events: list[Any], rule: str | None = None) -> set[str]:
    """Roles told of something, by a notification, an escalation or an incident."""
    roles: set[str] = set()
    for event in events:
        if type(event).__name__ not in TELLING:
            continue  # a deadline also names roles, but tells no one
        if rule is not None and event.rule != rule:
            continue
        roles.update(getattr(event, "roles", ()) or getattr(event, "notify", ()))
    return roles


def state(case: Complaint, deadline_id: str) -> DeadlineState:
    return case.deadlines[deadline_id].state


def penalties(case: Complaint, rule: str) -> list[dict[str, Any]]:
    return [penalty for penalty in case.penalties if penalty["rule"] == rule]
