"""Helpers every policy's tests share: staff as actors, and reading the events a case recorded."""

from __future__ import annotations

from typing import Any

from domain import commands as c
from domain.complaint import Complaint


def staff(person: str, *roles: str) -> c.Actor:
    return c.Actor(person, frozenset(roles))


def drain(case: Complaint) -> list[Any]:
    return list(case.collect_events())


def named(events: list[Any], name: str) -> list[Any]:
    return [event for event in events if type(event).__name__ == name]


def kinds(events: list[Any]) -> list[str]:
    return [type(event).__name__ for event in events]


def notified(events: list[Any], rule: str | None = None) -> set[str]:
    """Roles told of something, by a notification, an escalation or an incident."""
    roles: set[str] = set()
    for event in events:
        if rule is not None and getattr(event, "rule", None) != rule:
            continue
        roles.update(getattr(event, "roles", ()) or getattr(event, "notify", ()))
    return roles
