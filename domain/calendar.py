"""Working-day arithmetic for a tenant: public holidays, make-up working days and overrides.

Deadlines are counted in hours, calendar days or working days. A day-based deadline falls due
at the end of its last day in the tenant's time zone, which is how procedures read
"within 5 working days". The working hours of a working day (``working_hours``, 09:00 to
17:00 by default) are the time a working-day deadline's warnings count in
(domain/reminders.py); its due time stays the end of its last day.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cached_property
from zoneinfo import ZoneInfo

import holidays

END_OF_DAY = time(23, 59, 59)
WORKING_HOURS = (time(9), time(17))


class Unit(StrEnum):
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


@dataclass(frozen=True)
class WorkingCalendar:
    country: str = "CN"
    timezone: str = "Asia/Shanghai"
    extra_closures: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)
    working_hours: tuple[time, time] = WORKING_HOURS  # [opens, closes) on a working day

    def __post_init__(self) -> None:
        opens, closes = self.working_hours
        if not opens < closes:
            raise ValueError("a working day closes after it opens")

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def _public(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.country)

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_closures:
            return False
        return self._public.is_working_day(day)

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def end_of_day(self, day: date) -> datetime:
        return datetime.combine(day, END_OF_DAY, tzinfo=self.zone)

    def add_working_days(self, start: datetime, count: int) -> date:
        """The ``count``-th working day after the local day of ``start``."""
        day = self.local_date(start)
        while count > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count -= 1
        return day

    def due(self, start: datetime, amount: int, unit: Unit) -> datetime:
        if unit is Unit.HOURS:
            # Elapsed hours, not wall-clock ones: aware arithmetic in a zone with summer time
            # would otherwise make "24 hours" 23 or 25 across the change.
            return (start.astimezone(UTC) + timedelta(hours=amount)).astimezone(start.tzinfo)
        if unit is Unit.CALENDAR_DAYS:
            return self.end_of_day(self.local_date(start) + timedelta(days=amount))
        return self.end_of_day(self.add_working_days(start, amount))

    def resumed_due(
        self, due_at: datetime, unit: Unit | None, paused_at: datetime, resumed_at: datetime
    ) -> datetime:
        """Where a deadline paused at ``paused_at`` falls due once resumed at ``resumed_at``:
        it keeps the time it had left, counted in its own unit. An hours deadline (or one
        recorded without a unit) moves by the elapsed pause; a day deadline by the calendar
        or working days whose local date passed while paused, so a pause over a weekend or
        a holiday costs no working day."""
        if unit is None or unit is Unit.HOURS:
            paused_for = resumed_at.astimezone(UTC) - paused_at.astimezone(UTC)
            return (due_at.astimezone(UTC) + paused_for).astimezone(due_at.tzinfo)
        due_day = self.local_date(due_at)
        if unit is Unit.CALENDAR_DAYS:
            passed = (self.local_date(resumed_at) - self.local_date(paused_at)).days
            return self.end_of_day(due_day + timedelta(days=passed)) if passed else due_at
        passed = self.working_days_between(paused_at, resumed_at)
        if not passed:
            return due_at
        return self.end_of_day(self.add_working_days(self.end_of_day(due_day), passed))

    def working_days_between(self, start: datetime, end: datetime) -> int:
        """Working days whose local date lies in (start, end]."""
        first, last = self.local_date(start), self.local_date(end)
        return sum(
            self.is_working_day(first + timedelta(days=n))
            for n in range(1, (last - first).days + 1)
        )
