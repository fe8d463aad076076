"""What a view asks of its tables for one event, and the recorded event it is asked about."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class First:
    """Set the column only while it is still NULL (e.g. the first acknowledgement)."""

    value: Any


@dataclass(frozen=True)
class MergeJson:
    """Merge keys into a jsonb column."""

    value: Mapping[str, Any]


@dataclass(frozen=True)
class Upsert:
    table: str
    key: tuple[str, ...]
    row: Mapping[str, Any]
    keep: frozenset[str] = field(default_factory=frozenset)  # columns an update leaves alone


@dataclass(frozen=True)
class Patch:
    table: str
    where: Mapping[str, Any]
    values: Mapping[str, Any]


@dataclass(frozen=True)
class Delete:
    table: str
    where: Mapping[str, Any]


Change = Upsert | Patch | Delete


@dataclass(frozen=True)
class View:
    name: str
    tables: tuple[str, ...]
    project: Callable[[Envelope], list[Change]]
