"""The only place the service reads the time; tests hand in a clock they control."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol, runtime_checkable


@runtime_checkable  # a typed dependency of the API: Litestar checks what it is given
class Clock(Protocol):
    def now(self) -> datetime: ...


def rfc3339(at: datetime) -> str:
    """UTC with all six fraction digits and ``Z``: the one form the service writes a moment
    in (answers, bus messages, exports, checkpoints), so texts sort as the moments do."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)
