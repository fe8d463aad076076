"""What a view asks of its tables for one event, and the recorded event it is asked about."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Envelope:
    """A recorded event as a view sees it: where it sits in the ledger, and its data."""

    tenant_id: UUID
    seq: int
    recorded_at: datetime
    originator_id: UUID
    version: int
    aggregate: str  # "Complaint", "Tenant", ...
    name: str  # the event's name: "Filed", "Escalated", ...
    data: Mapping[str, Any]

    @property
    def at(self) -> datetime:
        return self.data.get("at") or self.recorded_at

    @property
    def by(self) -> str | None:
        return self.data.get("by")


class Mark:
    """A column value that says how to set the column. Not a dataclass: msgspec would write
    one as an object, where the store's encoder asks for the value to send instead."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.value == self.value  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.value!r})"


class First(Mark):
    """Set the column only while it is still NULL (e.g. the first acknowledgement)."""

    __slots__ = ()


class MergeJson(Mark):
    """Merge keys into a jsonb column."""

    __slots__ = ()
    value: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Upsert:
    table: str
    key: tuple[str, ...]
    row: Mapping[str, Any]
    keep: frozenset[str] = frozenset()  # columns an update leaves alone


@dataclass(frozen=True, slots=True)
class Patch:
    table: str
    where: Mapping[str, Any]
    values: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Delete:
    table: str
    where: Mapping[str, Any]


Change = Upsert | Patch | Delete


@dataclass(frozen=True)
class View:
    name: str
    tables: tuple[str, ...]
    project: Callable[[Envelope], list[Change]]
