"""Warnings before a deadline: when each is due, in the deadline's own kind of time.

A policy names its reminders (``BasePolicy.default_reminders``), and a tenant may name its
own (the ``reminders`` policy option, checked by ``reminders_from``): a share of the time
gone ("half the time gone") or hours left ("one hour left"). A working-day deadline counts
only the working hours of working days: over a night, a weekend or a holiday no time goes,
so half of "3 working days" filed on a Friday falls on Tuesday, not on Sunday, and "one hour
left" of a deadline due early on Monday falls on Friday afternoon. Hours and calendar-day
deadlines count every second. The moments are worked out when the deadline starts (and
again when a pause or an extension moves it) and recorded with it, so the deadline watcher
only compares them with the clock.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.calendar import Unit, WorkingCalendar

DAY = timedelta(days=1)
# how far a warning is looked for: a span longer than the working time of so many days
# falls before any deadline's start, so it is not set
SEARCH_DAYS = 3 * 366
MAX_REMINDERS = 10
MAX_HOURS_BEFORE = 24 * 366
REMINDER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class Reminder:
    """``fraction`` of the time gone, or ``left`` before the deadline falls due."""

    name: str
    fraction: float | None = None
    left: timedelta | None = None

    def __post_init__(self) -> None:
        if (self.fraction is None) == (self.left is None):
            raise ValueError("a reminder is a share of the time gone or a span left")


HALF_TIME = Reminder("half-time", fraction=0.5)
LAST_HOUR = Reminder("last-hour", left=timedelta(hours=1))
DEFAULT_REMINDERS = (HALF_TIME, LAST_HOUR)


class InvalidReminders(ValueError):
    """``where`` in the list (``[1].fraction``, or empty for the list itself) and why."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"reminders{where}: {reason}")
        self.where = where
        self.reason = reason


def _number(value: Any) -> bool:
    # bool is an int in Python, and JSON's true is no number of hours; an int is never
    # made a float here (one too large for a float would raise), the range checks refuse it
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def reminders_from(value: Any) -> tuple[Reminder, ...]:
    """The warnings a tenant names, as the option is stored: ``[{"name", "fraction"}]``
    (a share of the time gone, between 0 and 1) or ``[{"name", "hours_before"}]`` (hours of
    the deadline's own time left). An empty list sends none."""
    shape = "a list of warnings, each {name, fraction} or {name, hours_before}"
    if not isinstance(value, list):
        raise InvalidReminders("", shape)
    if len(value) > MAX_REMINDERS:
        raise InvalidReminders("", f"at most {MAX_REMINDERS} warnings")
    named: set[str] = set()
    found = []
    for n, item in enumerate(value):
        at = f"[{n}]"
        if not isinstance(item, dict):
            raise InvalidReminders(at, shape)
        unknown = sorted(set(item) - {"name", "fraction", "hours_before"})
        if unknown:
            raise InvalidReminders(f"{at}.{unknown[0]}", "not a field of a warning")
        name = item.get("name")
        if not isinstance(name, str) or not REMINDER_NAME.match(name):
            raise InvalidReminders(f"{at}.name", "1 to 40 lower-case letters, digits or '-'")
        if name in named:
            raise InvalidReminders(f"{at}.name", f"{name!r} is named twice")
        named.add(name)
        if ("fraction" in item) == ("hours_before" in item):
            raise InvalidReminders(at, "give either fraction or hours_before")
        if "fraction" in item:
            fraction = item["fraction"]
            if not _number(fraction) or not 0 < fraction < 1:
                raise InvalidReminders(f"{at}.fraction", "a number between 0 and 1, excluded")
            found.append(Reminder(name, fraction=float(fraction)))
        else:
            hours = item["hours_before"]
            if not _number(hours) or not 0 < hours <= MAX_HOURS_BEFORE:
                raise InvalidReminders(
                    f"{at}.hours_before", f"a number of hours above 0, at most {MAX_HOURS_BEFORE}"
                )
            found.append(Reminder(name, left=timedelta(hours=hours)))
    return tuple(found)


def reminder_options(reminders: tuple[Reminder, ...]) -> list[dict[str, Any]]:
    """The option's stored form of ``reminders``, as ``reminders_from`` reads it."""
    shown: list[dict[str, Any]] = []
    for reminder in reminders:
        if reminder.fraction is not None:
            shown.append({"name": reminder.name, "fraction": reminder.fraction})
        else:
            assert reminder.left is not None
            hours = reminder.left.total_seconds() / 3600
            shown.append(
                {"name": reminder.name, "hours_before": int(hours) if hours.is_integer() else hours}
            )
    return shown


def schedule(
    reminders: tuple[Reminder, ...],
    calendar: WorkingCalendar,
    start: datetime,
    due: datetime,
    unit: Unit | None,
    skip: frozenset[str] = frozenset(),
) -> list[dict[str, object]]:
    """``[{"name", "at"}]`` for each reminder after ``start`` and before ``due``, soonest
    first; those named in ``skip`` (already sent) are left out."""
    clock: ElapsedTime | WorkingTime = (
        WorkingTime(calendar) if unit is Unit.WORKING_DAYS else ElapsedTime()
    )
    total = clock.between(start, due)
    moments = []
    for reminder in reminders:
        if reminder.name in skip:
            continue
        if reminder.fraction is not None:
            at = clock.after(start, total * reminder.fraction)
        else:
            assert reminder.left is not None
            at = clock.before(due, reminder.left)
        if at is not None and start < at < due:
            moments.append({"name": reminder.name, "at": at})
    return sorted(moments, key=lambda m: m["at"])  # type: ignore[arg-type, return-value]


class ElapsedTime:
    """Hours and calendar days: every second counts."""

    def between(self, start: datetime, end: datetime) -> timedelta:
        return end.astimezone(UTC) - start.astimezone(UTC)

    def after(self, start: datetime, span: timedelta) -> datetime | None:
        return (start.astimezone(UTC) + span).astimezone(start.tzinfo)

    def before(self, end: datetime, span: timedelta) -> datetime | None:
        return (end.astimezone(UTC) - span).astimezone(end.tzinfo)


@dataclass(frozen=True)
class WorkingTime:
    """Time that goes only in the working hours of the tenant's working days: a weekend, a
    public holiday, a closure and the night count nothing; a make-up working day counts."""

    calendar: WorkingCalendar

    def _hours(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours, [opens, closes) in UTC; None on a day off."""
        if not self.calendar.is_working_day(day):
            return None
        opens, closes = self.calendar.working_hours
        zone = self.calendar.zone
        return (
            datetime.combine(day, opens, zone).astimezone(UTC),
            datetime.combine(day, closes, zone).astimezone(UTC),
        )

    def between(self, start: datetime, end: datetime) -> timedelta:
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        gone = timedelta()
        day, last = self.calendar.local_date(start), self.calendar.local_date(end)
        while day <= last:
            hours = self._hours(day)
            if hours is not None:
                begin, finish = max(start, hours[0]), min(end, hours[1])
                if finish > begin:
                    gone += finish - begin
            day += DAY
        return gone

    def after(self, start: datetime, span: timedelta) -> datetime | None:
        at, day = start.astimezone(UTC), self.calendar.local_date(start)
        for _ in range(SEARCH_DAYS):
            hours = self._hours(day)
            if hours is not None and at < hours[1]:
                begin = max(at, hours[0])
                if span <= hours[1] - begin:
                    return (begin + span).astimezone(start.tzinfo)
                span -= hours[1] - begin
            day += DAY
        return None

    def before(self, end: datetime, span: timedelta) -> datetime | None:
        at, day = end.astimezone(UTC), self.calendar.local_date(end)
        for _ in range(SEARCH_DAYS):
            hours = self._hours(day)
            if hours is not None and at > hours[0]:
                finish = min(at, hours[1])
                if span <= finish - hours[0]:
                    return (finish - span).astimezone(end.tzinfo)
                span -= finish - hours[0]
            day -= DAY
        return None


@dataclass(frozen=True)
class Schedule:
    """A policy's reminders in a tenant's calendar: what a deadline records when it starts
    or moves."""

    reminders: tuple[Reminder, ...]
    calendar: WorkingCalendar

    def of(
        self, start: datetime, due: datetime, unit: Unit | None, skip: frozenset[str] = frozenset()
    ) -> list[dict[str, object]]:
        return schedule(self.reminders, self.calendar, start, due, unit, skip)


NO_REMINDERS = Schedule((), WorkingCalendar())
