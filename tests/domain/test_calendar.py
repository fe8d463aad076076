"""Working-day arithmetic (C3): Chinese public holidays, make-up working days, tenant overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.calendar import Unit, WorkingCalendar
from domain.policy import deadline
from domain.tenant import Tenant, UnknownCalendar

pytestmark = pytest.mark.domain

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALENDAR = WorkingCalendar()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=SHANGHAI)


# --- the public calendar ---------------------------------------------------------------------


def test_C3_a_suggestion_received_before_national_day_reports_on_13_october() -> None:
    """S2's 5 working days from Wed 30 Sep 2026 17:00: 8, 9, 10 (Saturday), 12, 13 October."""
    received = at(2026, 9, 30, 17)
    assert CALENDAR.due(received, 5, Unit.WORKING_DAYS) == end_of(2026, 10, 13)


@pytest.mark.parametrize("day", range(1, 8))
def test_C3_national_day_2026_is_a_week_off(day: int) -> None:
    assert not CALENDAR.is_working_day(date(2026, 10, day))


@pytest.mark.parametrize(
    "make_up",
    [date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)],
)
def test_C3_make_up_weekend_days_are_working_days(make_up: date) -> None:
    assert make_up.weekday() >= 5
    assert CALENDAR.is_working_day(make_up)


def test_C3_a_fresh_calendar_knows_a_make_up_saturday_first_time_asked() -> None:
    # holidays fills a year lazily; the first question about it must already see its workdays.
    assert WorkingCalendar().is_working_day(date(2026, 2, 14))


@pytest.mark.parametrize("day", range(15, 24))
def test_C3_spring_festival_2026_days_are_not_working_days(day: int) -> None:
    assert not CALENDAR.is_working_day(date(2026, 2, day))


def test_C3_the_spring_festival_holiday_pushes_working_days_past_it() -> None:
    # Fri 13 Feb → Sat 14 (make-up) → 15–23 off → Tue 24, Wed 25.
    assert CALENDAR.add_working_days(at(2026, 2, 13, 10), 3) == date(2026, 2, 25)


def test_C3_an_ordinary_weekend_is_not_worked() -> None:
    assert not CALENDAR.is_working_day(date(2026, 3, 7))
    assert not CALENDAR.is_working_day(date(2026, 3, 8))
    assert CALENDAR.due(at(2026, 3, 6, 9), 1, Unit.WORKING_DAYS) == end_of(2026, 3, 9)


def test_C3_counting_starts_the_day_after_even_from_a_holiday() -> None:
    assert CALENDAR.due(at(2026, 10, 3, 12), 1, Unit.WORKING_DAYS) == end_of(2026, 10, 8)


def test_C3_zero_working_days_is_the_end_of_the_same_day() -> None:
    assert CALENDAR.due(at(2026, 3, 4, 9), 0, Unit.WORKING_DAYS) == end_of(2026, 3, 4)


def test_C3_working_days_between_counts_the_days_after_the_start() -> None:
    assert CALENDAR.working_days_between(at(2026, 9, 30, 17), at(2026, 10, 13, 9)) == 5
    assert CALENDAR.working_days_between(at(2026, 10, 1), at(2026, 10, 7, 23)) == 0


# --- tenant overrides ------------------------------------------------------------------------


def test_C3_a_tenant_closure_day_pushes_a_due_date_back() -> None:
    start = at(2026, 3, 2, 10)  # a Monday
    assert CALENDAR.due(start, 3, Unit.WORKING_DAYS) == end_of(2026, 3, 5)

    closed = WorkingCalendar(extra_closures=frozenset({date(2026, 3, 4)}))

    assert not closed.is_working_day(date(2026, 3, 4))
    assert closed.due(start, 3, Unit.WORKING_DAYS) == end_of(2026, 3, 6)


def test_C3_a_tenant_make_up_working_day_brings_a_due_date_forward() -> None:
    start = at(2026, 3, 5, 10)  # a Thursday
    assert CALENDAR.due(start, 2, Unit.WORKING_DAYS) == end_of(2026, 3, 9)

    saturday = WorkingCalendar(extra_working_days=frozenset({date(2026, 3, 7)}))

    assert saturday.is_working_day(date(2026, 3, 7))
    assert saturday.due(start, 2, Unit.WORKING_DAYS) == end_of(2026, 3, 7)


def test_C3_a_tenant_may_work_a_public_holiday_or_close_on_a_make_up_day() -> None:
    calendar = WorkingCalendar(
        extra_working_days=frozenset({date(2026, 10, 5)}),
        extra_closures=frozenset({date(2026, 10, 10)}),
    )
    assert calendar.is_working_day(date(2026, 10, 5))
    assert not calendar.is_working_day(date(2026, 10, 10))
    # 5 Oct, then 8, 9, 12, 13 — the closed Saturday no longer counts.
    assert calendar.due(at(2026, 9, 30, 17), 5, Unit.WORKING_DAYS) == end_of(2026, 10, 13)
    assert calendar.due(at(2026, 9, 30, 17), 4, Unit.WORKING_DAYS) == end_of(2026, 10, 12)


def school() -> Tenant:
    return Tenant.create(
        slug="school",
        name="A training school",
        country="CN",
        timezone="Asia/Shanghai",
        language="zh",
        policy="school@1",
        by="root",
        at=at(2026, 1, 1),
    )


def test_C3_a_tenants_calendar_carries_its_adjustments() -> None:
    tenant = school()
    tenant.adjust_calendar(
        extra_closures=[date(2026, 3, 4)], extra_working_days=[], by="root", at=at(2026, 1, 2)
    )
    assert tenant.calendar.due(at(2026, 3, 2, 10), 3, Unit.WORKING_DAYS) == end_of(2026, 3, 6)


def test_C3_a_tenants_calendar_carries_its_working_hours_and_old_events_mean_nine_to_five() -> None:
    tenant = school()
    assert tenant.calendar.working_hours == (time(9), time(17))
    tenant.move_calendar(
        country="CN",
        timezone="Asia/Shanghai",
        opens="08:00",
        closes="17:30",
        by="root",
        at=at(2026, 1, 2),
    )
    assert tenant.calendar.working_hours == (time(8), time(17, 30))

    events = tenant.collect_events()
    moved = events[-1]
    assert (moved.opens, moved.closes) == ("08:00", "17:30")
    # a CalendarMoved recorded before a tenant had its own hours carries neither field
    del moved.__dict__["opens"], moved.__dict__["closes"]
    replayed = None
    for recorded in events:
        replayed = recorded.mutate(replayed)
    assert isinstance(replayed, Tenant)
    assert replayed.calendar.working_hours == (time(9), time(17))


@pytest.mark.parametrize(
    ("opens", "closes", "field"),
    [
        ("8:00", "17:00", "working_hours.opens"),
        ("08:00:30", "17:00", "working_hours.opens"),
        ("08:00", "24:00", "working_hours.closes"),
        ("17:00", "09:00", "working_hours.closes"),
        ("09:00", "09:00", "working_hours.closes"),
        ("09:00", "09:59", "working_hours.closes"),
    ],
)
def test_C3_working_hours_are_whole_minutes_opening_at_least_an_hour_before_closing(
    opens: str, closes: str, field: str
) -> None:
    tenant = school()
    with pytest.raises(UnknownCalendar) as refused:
        tenant.move_calendar(
            country="CN",
            timezone="Asia/Shanghai",
            opens=opens,
            closes=closes,
            by="root",
            at=at(2026, 1, 2),
        )
    assert refused.value.field == field
    assert tenant.version == 1 and tenant.calendar.working_hours == (time(9), time(17))


# --- hours and calendar days -----------------------------------------------------------------


def test_C3_hours_run_through_holidays_and_nights() -> None:
    assert CALENDAR.due(at(2026, 9, 30, 17), 24, Unit.HOURS) == at(2026, 10, 1, 17)
    assert CALENDAR.due(at(2026, 3, 6, 23, 30), 1, Unit.HOURS) == at(2026, 3, 7, 0, 30)


def test_C3_hours_are_elapsed_hours_across_a_summer_time_change() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    calendar = WorkingCalendar(country="DE", timezone="Europe/Berlin")
    start = datetime(2026, 3, 28, 12, tzinfo=berlin)  # the clocks go forward that night

    due = calendar.due(start, 24, Unit.HOURS)

    assert due.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)
    assert due == datetime(2026, 3, 29, 13, tzinfo=berlin)


def test_C3_hours_from_a_utc_instant_land_on_the_same_instant() -> None:
    start = datetime(2026, 9, 30, 9, tzinfo=UTC)
    assert CALENDAR.due(start, 24, Unit.HOURS) == at(2026, 10, 1, 17)


def test_C3_calendar_days_count_holidays_and_end_at_local_midnight() -> None:
    assert CALENDAR.due(at(2026, 9, 30, 17), 2, Unit.CALENDAR_DAYS) == end_of(2026, 10, 2)


def test_C3_calendar_days_count_from_the_tenants_local_date() -> None:
    # 20:00 UTC on 30 September is already 04:00 on 1 October in Shanghai.
    start = datetime(2026, 9, 30, 20, tzinfo=UTC)
    assert CALENDAR.due(start, 1, Unit.CALENDAR_DAYS) == end_of(2026, 10, 2)
    assert CALENDAR.local_date(start) == date(2026, 10, 1)


def test_C3_the_deadline_helper_counts_in_the_tenants_calendar() -> None:
    started = deadline(
        "department_report", "S2", at(2026, 9, 30, 17), 5, Unit.WORKING_DAYS, CALENDAR, ("x",)
    )
    assert (started.deadline_id, started.kind, started.rule) == (
        "department_report",
        "department_report",
        "S2",
    )
    assert started.due_at == end_of(2026, 10, 13)
