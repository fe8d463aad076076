"""C3, S1: a deadline's warnings fall in its own kind of time (a working-day deadline's only in
the working hours of working days), are those the tenant names or else the policy's, are sent
by the deadline watcher alone, once each, to the roles it waits on and the case's owner, and
move with a pause."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.errors import InvalidTransition, Refused
from domain.handling import execute, file_complaint
from domain.policies.bank import BankPolicy
from domain.policies.school import SchoolPolicy
from domain.policy import InvalidPolicyOption, configured
from domain.reminders import DEFAULT_REMINDERS, LAST_HOUR, Reminder, Schedule, schedule
from domain.tenant import Tenant

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

    # working time, 09:00 to 17:00: Friday's 7 hours, then Monday, Tuesday and Wednesday's 8
    # each; half of the 31 is 15.5 hours in, on Tuesday morning, where counting the weekend
    # would put it on Sunday evening
    assert (half["name"], half["at"]) == ("half-time", local(2026, 11, 24, 9, 30))
    # the last working hour of the last day, not an hour before its midnight
    assert (last["name"], last["at"]) == ("last-hour", local(2026, 11, 25, 16))


def test_C3_one_working_hour_before_a_deadline_due_on_monday_morning_falls_on_friday() -> None:
    due = local(2026, 11, 23, 9, 30)  # Monday, half an hour into the working day

    (last,) = schedule((LAST_HOUR,), CALENDAR, FRIDAY, due, Unit.WORKING_DAYS)

    # Monday's first half hour, then Friday's last: neither Sunday nor Monday 08:30
    assert last["at"] == local(2026, 11, 20, 16, 30)
    assert CALENDAR.local_date(last["at"]).weekday() == 4


def test_C3_working_hours_skip_the_festival_and_count_its_make_up_day() -> None:
    # the Spring Festival holiday of 2026 runs 15 to 23 February; Saturday 28 February is
    # a make-up working day
    due = local(2026, 3, 2, 9, 30)  # Monday after it

    (last,) = schedule(
        (Reminder("two-hours", left=timedelta(hours=2)),),
        CALENDAR,
        local(2026, 2, 13, 10),
        due,
        Unit.WORKING_DAYS,
    )

    assert CALENDAR.is_working_day(date(2026, 2, 28))
    assert last["at"] == local(2026, 2, 28, 15, 30)  # the make-up Saturday, not Sunday


def test_C3_the_working_hours_are_the_calendars() -> None:
    early = WorkingCalendar(working_hours=(time(8), time(12)))
    due = local(2026, 11, 23, 9, 30)

    (last,) = schedule((LAST_HOUR,), early, FRIDAY, due, Unit.WORKING_DAYS)

    assert last["at"] == local(2026, 11, 23, 8, 30)
    with pytest.raises(ValueError):
        WorkingCalendar(working_hours=(time(17), time(9)))


def test_C3_a_tenants_own_working_hours_place_its_last_working_hour() -> None:
    clinic = Tenant.create(
        slug="clinic",
        name="A clinic's office",
        country="CN",
        timezone="Asia/Shanghai",
        language="zh",
        policy="hospital@1",
        by="root",
        at=local(2026, 11, 1),
    )
    clinic.move_calendar(
        country="CN", timezone="Asia/Shanghai", opens="08:00", closes="12:00", by="root", at=FRIDAY
    )
    calendar = clinic.calendar
    due = calendar.due(FRIDAY, 3, Unit.WORKING_DAYS)  # Wednesday 25 November, end of day

    half, last = Schedule(DEFAULT_REMINDERS, calendar).of(FRIDAY, due, Unit.WORKING_DAYS)

    # the office closes at noon: its last working hour starts at 11:00, not 16:00
    assert (last["name"], last["at"]) == ("last-hour", local(2026, 11, 25, 11))
    # Friday 10:00 to 12:00, then 4 hours each Monday to Wednesday: 7 of 14 on Tuesday, 09:00
    assert (half["name"], half["at"]) == ("half-time", local(2026, 11, 24, 9))


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
    due = case.deadlines["final_plan"].due_at
    assert after["last-hour"] == datetime.combine(due.date(), time(16), SHANGHAI)


WARNINGS = [{"name": "day-left", "hours_before": 8}, {"name": "quarter", "fraction": 0.25}]


def test_C3_a_tenant_names_its_own_warnings_and_a_case_keeps_those_it_was_filed_with() -> None:
    command = c.File(received_at=FRIDAY, channel="phone", summary="fees", category="problem")
    options = {"reminders": WARNINGS}

    case = file_complaint(uuid4(), uuid4(), command, ADMIN, SCHOOL, FRIDAY, CALENDAR, options)

    held = case.deadlines["final_plan"]
    assert [name for name, _ in held.reminders] == ["quarter", "day-left"]
    # eight working hours before the end of its last day: that day's 09:00
    assert dict(held.reminders)["day-left"] == datetime.combine(
        held.due_at.date(), time(9), SHANGHAI
    )
    assert case.policy_options["reminders"] == WARNINGS
    # the tenant's options apply to what it files later, this case keeps its own
    assert configured(SCHOOL, case.policy_options).reminders == (
        Reminder("day-left", left=timedelta(hours=8)),
        Reminder("quarter", fraction=0.25),
    )


def test_C3_no_option_keeps_the_policys_warnings_and_an_empty_list_sends_none() -> None:
    assert SchoolPolicy().reminders == DEFAULT_REMINDERS
    assert BankPolicy({"regulator_clock": True}).reminders == DEFAULT_REMINDERS
    assert SchoolPolicy({"reminders": []}).reminders == ()


@pytest.mark.parametrize(
    ("value", "where"),
    [
        ("half", "reminders"),
        ([{"name": "x", "fraction": 1}], "reminders[0].fraction"),
        ([{"name": "x", "fraction": 0}], "reminders[0].fraction"),
        ([{"name": "x", "fraction": True}], "reminders[0].fraction"),
        ([{"name": "x", "hours_before": -1}], "reminders[0].hours_before"),
        ([{"name": "x", "hours_before": "1"}], "reminders[0].hours_before"),
        ([{"name": "x", "fraction": 0.5, "hours_before": 1}], "reminders[0]"),
        ([{"name": "x"}], "reminders[0]"),
        ([{"name": "x", "fraction": 0.5, "when": 1}], "reminders[0].when"),
        ([{"name": "Half Time", "fraction": 0.5}], "reminders[0].name"),
        ([{"name": "x", "fraction": 0.5}, {"name": "x", "hours_before": 1}], "reminders[1].name"),
        (["x"], "reminders[0]"),
        ([{"name": f"w{n}", "fraction": 0.5} for n in range(11)], "reminders"),
    ],
)
def test_C3_a_wrong_warning_is_refused_naming_where(value: object, where: str) -> None:
    with pytest.raises(InvalidPolicyOption) as wrong:
        SchoolPolicy({"reminders": value})

    assert wrong.value.name == where
    assert wrong.value.reason
