"""Fields that only some roles may read (B9's identifying features), and what a reader sees.

A policy declares them in its ``restricted`` table: for a field of an event, or of the case as
it is read back (:data:`CASE`), the roles that alone may read it and the rule that says so.
Every read path (the case, its history, replay and time travel, the bus's messages) passes its
data through :func:`redact` for the reader's roles; none decides on its own who sees what.

A field withheld from a reader keeps its place, emptied (``{}``, ``[]``, ``""`` or None), so an
answer's shape is the same for every reader; :func:`withheld` names the fields emptied.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

# The subject of a case's own state, as the read paths show it; events go by their names.
CASE = "Complaint"


@dataclass(frozen=True)
class Restriction:
    readers: frozenset[str]
    rule: str


# (event name or CASE, field) -> who alone may read it
RestrictionTable = Mapping[tuple[str, str], Restriction]
UNRESTRICTED: RestrictionTable = MappingProxyType({})


def restricted_to(readers: frozenset[str], rule: str, *places: tuple[str, str]) -> RestrictionTable:
    """A table restricting each ``(subject, field)`` of ``places`` to ``readers``."""
    return MappingProxyType({place: Restriction(frozenset(readers), rule) for place in places})


def restrictions(policy: object) -> RestrictionTable:
    """The policy's table; a policy that declares none restricts nothing."""
    return getattr(policy, "restricted", UNRESTRICTED)


def withheld(policy: object, subject: str, roles: Iterable[str]) -> tuple[str, ...]:
    """The fields of ``subject`` that a reader holding ``roles`` may not read."""
    held = frozenset(roles)
    return tuple(
        field
        for (kind, field), restriction in restrictions(policy).items()
        if kind == subject and not restriction.readers & held
    )


def redact(
    policy: object, subject: str, data: Mapping[str, Any], roles: Iterable[str]
) -> dict[str, Any]:
    """``data`` (an event's fields, or the case's) as a reader holding ``roles`` may see it."""
    hidden = withheld(policy, subject, roles)
    return {name: emptied(value) if name in hidden else value for name, value in data.items()}


def emptied(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {}
    if isinstance(value, list):
        return []
    if isinstance(value, tuple):
        return ()
    if isinstance(value, str):
        return ""
    return None
