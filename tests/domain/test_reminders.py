"""C3, S1: a deadline's warnings fall in its own kind of time (a working-day deadline's only on
working days), are sent by the deadline watcher alone, once each, to the roles it waits on and
the case's owner, and move with a pause."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.errors import InvalidTransition, Refused
from domain.handling import execute, file_complaint
from domain.policies.school import SchoolPolicy
from domain.reminders import DEFAULT_REMINDERS, schedule

pytestmark = pytest.mark.domain

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar()
SCHOOL = SchoolPolicy()
ADMIN = c.Actor("admin.zhou", frozenset({"administration"}))
FRIDAY = datetime(2026, 11, 20, 10, tzinfo=SHANGHAI)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def test_C3_half_the_time_of_a_working_day_deadline_skips_the_weekend() -> None:
    due = CALENDAR.due(FRIDAY, 3, Unit.WORKING_DAYS)  # Wednesday 25 November, end of day
    assert due == local(2026, 11, 25, 23, 59, 59)

    half, last = schedule(DEFAULT_REMINDERS, CALENDAR, FRIDAY, due, Unit.WORKING_DAYS)

    # working time: Friday's 14 hours, then Monday, Tuesday and Wednesday: half is 43 hours
    # in, early on Tuesday, where counting the weekend would put it on Sunday evening
    assert half["name"] == "half-time"
    assert local(2026, 11, 24, 4, 59) < half["at"] < local(2026, 11, 24, 5, 1)
    assert (last["name"], last["at"]) == ("last-hour", local(2026, 11, 25, 22, 59, 59))


def test_C3_an_hours_deadline_counts_every_hour() -> None:
    due = FRIDAY + timedelta(hours=24)

    half, last = schedule(DEFAULT_REMINDERS, CALENDAR, FRIDAY, due, Unit.HOURS)

    assert half["at"] == FRIDAY + timedelta(hours=12)
    assert last["at"] == FRIDAY + timedelta(hours=23)


def test_C3_a_warning_that_would_fall_before_the_start_is_not_set() -> None:
    (half,) = schedule(
        DEFAULT_REMINDERS, CALENDAR, FRIDAY, FRIDAY + timedelta(minutes=40), Unit.HOURS
    )

    assert half["name"] == "half-time"


def problem_case():
    command = c.File(received_at=FRIDAY, channel="phone", summary="fees", category="problem")
    return file_complaint(uuid4(), uuid4(), command, ADMIN, SCHOOL, FRIDAY, CALENDAR)


def reminded(case) -> list:
    return [e for e in case.collect_events() if type(e).__name__ == "DeadlineReminded"]


def test_S1_C3_the_watcher_sends_each_warning_once_to_the_roles_and_the_owner() -> None:
    case = problem_case()
    held = case.deadlines["final_plan"]
    half_at = dict(held.reminders)["half-time"]
    case.collect_events()

    with pytest.raises(InvalidTransition, match="no reminder"):
        execute(
            case,
            c.RemindDeadline("final_plan"),
            c.SYSTEM,
            SCHOOL,
            half_at - timedelta(minutes=1),
            CALENDAR,
        )
    execute(case, c.RemindDeadline("final_plan"), c.SYSTEM, SCHOOL, half_at, CALENDAR)

    (sent,) = reminded(case)
    assert (sent.reminder, sent.owner, sent.due_at) == ("half-time", ADMIN.person, held.due_at)
    assert tuple(sent.roles) == held.roles and sent.rule == "S3"
    assert sent.next_at == dict(held.reminders)["last-hour"]
    with pytest.raises(InvalidTransition, match="no reminder"):  # a second watcher, a retry
        execute(case, c.RemindDeadline("final_plan"), c.SYSTEM, SCHOOL, half_at, CALENDAR)


def test_C3_only_the_watcher_sends_a_reminder() -> None:
    case = problem_case()
    later = case.deadlines["final_plan"].due_at - timedelta(minutes=30)

    with pytest.raises(Refused) as refused:
        execute(case, c.RemindDeadline("final_plan"), ADMIN, SCHOOL, later, CALENDAR)

    assert refused.value.rule == "C3"


def test_C3_a_paused_deadline_sends_nothing_and_its_warnings_move_with_the_pause() -> None:
    case = problem_case()
    before = dict(case.deadlines["final_plan"].reminders)
    execute(
        case,
        c.PauseDeadline("final_plan", "waiting for the parent"),
        ADMIN,
        SCHOOL,
        FRIDAY + timedelta(hours=1),
        CALENDAR,
    )

    with pytest.raises(InvalidTransition):
        execute(
            case, c.RemindDeadline("final_plan"), c.SYSTEM, SCHOOL, before["half-time"], CALENDAR
        )
    # resumed a week later: the time it had left, and its warnings in it, move on a week
    execute(
        case,
        c.ResumeDeadline("final_plan"),
        ADMIN,
        SCHOOL,
        FRIDAY + timedelta(days=7, hours=1),
        CALENDAR,
    )

    after = dict(case.deadlines["final_plan"].reminders)
    assert after["half-time"] > before["half-time"] + timedelta(days=4)
    assert after["last-hour"] == case.deadlines["final_plan"].due_at - timedelta(hours=1)
