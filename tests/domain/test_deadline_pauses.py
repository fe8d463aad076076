"""C3: a clock paused while the case waits on the complainant or a third party resumes with
the time it had left, counted in its own unit: a pause over a weekend or a holiday costs no
working day."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, DeadlineState
from domain.errors import InvalidTransition
from domain.handling import execute, file_complaint
from domain.policies.hospital import HospitalPolicy
from domain.policies.school import SchoolPolicy
from domain.policy import Policy

pytestmark = pytest.mark.domain

TZ = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:pauses")
NURSE = c.Actor("nurse.wang", frozenset({"nurse"}))
SECURITY = c.Actor("guard.ma", frozenset({"security"}))
ADMINISTRATION = c.Actor("admin.wu", frozenset({"administration"}))


def local(month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


def end_of(month: int, day: int) -> datetime:
    return local(month, day, 23, 59, 59)


def file(policy: Policy, at: datetime, by: c.Actor, category: str) -> Complaint:
    command = c.File(
        received_at=at, channel="visit", summary="waits on a third party", category=category
    )
    case_id = uuid5(TENANT_ID, f"{policy.ref}-{at.isoformat()}-{category}")
    return file_complaint(case_id, TENANT_ID, command, by, policy, at, CALENDAR)


def pause_and_resume(
    case: Complaint,
    deadline_id: str,
    by: c.Actor,
    policy: Policy,
    paused: datetime,
    resumed: datetime,
) -> None:
    waiting = c.PauseDeadline(deadline_id, "waiting for the appraisal body")
    execute(case, waiting, by, policy, paused, CALENDAR)
    assert case.deadlines[deadline_id].state is DeadlineState.PAUSED
    execute(case, c.ResumeDeadline(deadline_id), by, policy, resumed, CALENDAR)
    assert case.deadlines[deadline_id].state is DeadlineState.OPEN


def test_C3_a_paused_hours_deadline_resumes_with_the_hours_it_had_left() -> None:
    hospital = HospitalPolicy()
    case = file(hospital, local(3, 6, 9), NURSE, "medical_dispute")
    execute(
        case, c.ReportIncident("disorder", "shouting"), SECURITY, hospital, local(3, 6, 9), CALENDAR
    )
    due = case.deadlines["evidence-1"].due_at
    assert due == local(3, 7, 9)  # H11: 24 hours

    # paused from Friday 11:00 over the weekend to Monday 8:00: 69 hours given back
    pause_and_resume(case, "evidence-1", SECURITY, hospital, local(3, 6, 11), local(3, 9, 8))

    assert case.deadlines["evidence-1"].due_at == due + timedelta(hours=69)
    resumed = [e for e in case.collect_events() if type(e).__name__ == "DeadlineResumed"]
    assert resumed[0].paused_for_seconds == 69 * 3600


def test_C3_a_pause_over_a_weekend_costs_no_working_day() -> None:
    school = SchoolPolicy()
    case = file(school, local(3, 2, 9), ADMINISTRATION, "problem")  # a Monday
    assert case.deadlines["final_plan"].due_at == end_of(3, 9)  # S3: 5 working days

    # waiting on the parent from Friday morning to Monday morning: one working day passed
    pause_and_resume(case, "final_plan", ADMINISTRATION, school, local(3, 6, 10), local(3, 9, 10))

    assert case.deadlines["final_plan"].due_at == end_of(3, 10)  # not the wall-clock 12th


def test_C3_a_pause_over_a_holiday_costs_no_working_day_and_counts_make_up_days() -> None:
    school = SchoolPolicy()
    case = file(school, local(4, 28, 9), ADMINISTRATION, "problem")
    # Wed 29, Thu 30, then Labour Day (1–5 May), then Wed 6, Thu 7, Fri 8
    assert case.deadlines["final_plan"].due_at == end_of(5, 8)

    pause_and_resume(case, "final_plan", ADMINISTRATION, school, local(4, 30, 10), local(5, 6, 10))

    # only Wednesday 6 May was a working day while it waited; Saturday 9 May is a make-up one
    assert case.deadlines["final_plan"].due_at == end_of(5, 9)


def test_C3_a_pause_within_one_day_moves_a_day_deadline_not_at_all() -> None:
    due = end_of(3, 9)
    for unit in (Unit.WORKING_DAYS, Unit.CALENDAR_DAYS):
        assert CALENDAR.resumed_due(due, unit, local(3, 3, 9), local(3, 3, 17)) == due


def test_C3_a_calendar_day_deadline_moves_by_the_days_that_passed() -> None:
    due = end_of(3, 20)
    moved = CALENDAR.resumed_due(due, Unit.CALENDAR_DAYS, local(3, 6, 10), local(3, 9, 8))
    assert moved == end_of(3, 23)


def test_C3_a_deadline_recorded_without_a_unit_moves_by_the_elapsed_pause() -> None:
    due = end_of(3, 9)
    moved = CALENDAR.resumed_due(due, None, local(3, 6, 10), local(3, 9, 10))
    assert moved == due + timedelta(days=3)


def test_C3_only_a_running_deadline_pauses_and_only_a_paused_one_resumes() -> None:
    school = SchoolPolicy()
    case = file(school, local(3, 2, 9), ADMINISTRATION, "problem")
    with pytest.raises(InvalidTransition):
        execute(case, c.ResumeDeadline("final_plan"), ADMINISTRATION, school, local(3, 3), CALENDAR)
    execute(
        case,
        c.PauseDeadline("final_plan", "parent abroad"),
        ADMINISTRATION,
        school,
        local(3, 3),
        CALENDAR,
    )
    with pytest.raises(InvalidTransition):
        execute(
            case,
            c.PauseDeadline("final_plan", "again"),
            ADMINISTRATION,
            school,
            local(3, 4),
            CALENDAR,
        )


def test_C3_the_resumed_due_date_is_recorded_so_replay_never_recomputes_it() -> None:
    school = SchoolPolicy()
    case = file(school, local(3, 2, 9), ADMINISTRATION, "problem")
    pause_and_resume(case, "final_plan", ADMINISTRATION, school, local(3, 6, 10), local(3, 9, 10))
    events = case.collect_events()
    resumed = next(e for e in events if type(e).__name__ == "DeadlineResumed")
    assert resumed.due_at == end_of(3, 10)

    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed.deadlines["final_plan"] == case.deadlines["final_plan"]
    assert replayed.deadlines["final_plan"].unit is Unit.WORKING_DAYS
