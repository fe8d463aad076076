"""Who acts on a case, and when: said once per command, read by every event it records.

``file_complaint`` and ``execute`` (domain/handling.py) record a command's events inside
``with acting(actor.person, now):``, and each :class:`~domain.complaint.Complaint` event takes
its ``by`` and ``at`` from there as it is created. Outside such a block no event can be
created: recording one raises :class:`~domain.errors.NotActing` instead of writing an actor or
a time nobody gave. Replaying stored events reads the ``by`` and ``at`` they recorded and needs
no block. ``at`` is the caller's ``now``: the domain never reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from domain.errors import NotActing


@dataclass(frozen=True)
class Acting:
    by: str  # the person acting (an Actor's ``person``; "system" for the deadline watcher)
    at: datetime


_acting: ContextVar[Acting | None] = ContextVar("acting", default=None)


@contextmanager
def acting(by: str, at: datetime) -> Iterator[Acting]:
    """Events recorded in this block were done by ``by`` at ``at``."""
    state = Acting(by, at)
    token = _acting.set(state)
    try:
        yield state
    finally:
        _acting.reset(token)


def current() -> Acting:
    """Who is acting and when; :class:`NotActing` outside an :func:`acting` block."""
    now = _acting.get()
    if now is None:
        raise NotActing(
            "no one is acting: record case events inside `with acting(person, now):` "
            "(domain.acting), which says who did it and when"
        )
    return now


def acting_by() -> str:
    return current().by


def acting_at() -> datetime:
    return current().at
