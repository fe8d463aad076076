"""Warnings before a deadline: when each is due, in the deadline's own kind of time.

A policy names its reminders (``BasePolicy.reminders``): a share of the time gone ("half the
time gone") or a span left ("one hour left"). A working-day deadline counts only working
days: over a weekend or a holiday no time goes, so half of "3 working days" filed on a Friday
falls on Tuesday, not on Sunday. The moments are worked out when the deadline starts (and
again when a pause or an extension moves it) and recorded with it, so the deadline watcher
only compares them with the clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from domain.calendar import Unit, WorkingCalendar

DAY = timedelta(days=1)


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
    clock = WorkingTime(calendar) if unit is Unit.WORKING_DAYS else ElapsedTime()
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
        if start < at < due:
            moments.append({"name": reminder.name, "at": at})
    return sorted(moments, key=lambda m: m["at"])  # type: ignore[arg-type, return-value]


class ElapsedTime:
    """Hours and calendar days: every second counts."""

    def between(self, start: datetime, end: datetime) -> timedelta:
        return end.astimezone(UTC) - start.astimezone(UTC)

    def after(self, start: datetime, span: timedelta) -> datetime:
        return (start.astimezone(UTC) + span).astimezone(start.tzinfo)

    def before(self, end: datetime, span: timedelta) -> datetime:
        return (end.astimezone(UTC) - span).astimezone(end.tzinfo)


@dataclass(frozen=True)
class WorkingTime:
    """Time that goes on the tenant's working days only, each a whole local day."""

    calendar: WorkingCalendar

    def _day_start(self, day: date) -> datetime:
        return datetime.combine(day, time(), self.calendar.zone)

    def between(self, start: datetime, end: datetime) -> timedelta:
        gone = timedelta()
        day = self.calendar.local_date(start)
        while self._day_start(day) < end:
            if self.calendar.is_working_day(day):
                begin = max(start, self._day_start(day))
                finish = min(end, self._day_start(day + DAY))
                if finish > begin:
                    gone += finish - begin
            day += DAY
        return gone

    def after(self, start: datetime, span: timedelta) -> datetime:
        day, at = self.calendar.local_date(start), start
        while True:
            if self.calendar.is_working_day(day):
                left_today = self._day_start(day + DAY) - at
                if span <= left_today:
                    return at + span
                span -= left_today
            day += DAY
            at = self._day_start(day)

    def before(self, end: datetime, span: timedelta) -> datetime:
        day, at = self.calendar.local_date(end), end
        while True:
            if self.calendar.is_working_day(day):
                gone_today = at - self._day_start(day)
                if span <= gone_today:
                    return at - span
                span -= gone_today
            day -= DAY
            at = self._day_start(day + DAY)


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
