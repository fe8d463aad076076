"""Fakes of our own interfaces (never of PostgreSQL or NATS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """The real time plus an offset the test moves; or a fixed time once ``set``."""

    def __init__(self) -> None:
        self.offset = timedelta()
        self.fixed: datetime | None = None

    def now(self) -> datetime:
        return self.fixed if self.fixed is not None else datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        if self.fixed is not None:
            self.fixed += delta
        else:
            self.offset += delta

    def set(self, moment: datetime) -> None:
        self.fixed = moment

    def reset(self) -> None:
        self.offset, self.fixed = timedelta(), None
