"""Answers of the read routes (and the small writes beside them), typed so the OpenAPI
document describes each field and a generated client reads objects, not dicts.

A model takes its source's fields as they are, by name and in their order (a view's row, a
tenant's state), so no value changes on its way to JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from msgspec import UNSET, Meta, Struct, UnsetType

# PostgreSQL numeric: JSON carries it as a string, so no digit is lost to a float
DECIMAL_TEXT = 'a decimal number, as a string ("0.9500", "20000")'
DecimalText = Annotated[Decimal, Meta(extra_json_schema={"description": DECIMAL_TEXT})]
# a policy option's type is its default's (domain/policy.py)
OptionValue = bool | int | str | list[Any]


# --- GET /v1/complaints -------------------------------------------------------------------


class CaseListItem(Struct):
    case_id: UUID
    summary: str
    channel: str
    status: str
    category: str | None
    level: int
    rung: str | None
    owner: str
    handlers: dict[str, str]  # slot -> person, as the case itself shows them
    group_id: str | None
    unit: str | None  # the unit the case belongs to; null: the tenant's root
    tracking: str | None  # the number the complainant follows it by; null before numbers
    received_at: datetime
    updated_at: datetime
    version: int
    next_due_at: datetime | None  # the earliest open deadline's


class CasePage(Struct):
    items: list[CaseListItem]
    next_cursor: str | None  # null on the last page; the Link header names the next one


# --- GET /v1/stats ------------------------------------------------------------------------


class PeriodCount(Struct):
    period: date  # the day, or the Monday of the week, in the tenant's time zone
    category: str | None
    level: int
    status: str
    cases: int


class SlaCompliance(Struct):
    kind: str
    met: int
    missed: int
    cancelled: int
    running: int
    compliance: DecimalText | None  # met / (met + missed); null while neither happened


class Durations(Struct):
    cases: int
    p50_seconds: float | None  # null without a case that got there
    p90_seconds: float | None


class RungEscalations(Struct):
    to_level: int
    rung: str
    escalations: int


class PenaltyTotal(Struct):
    target_role: str
    person: str | None
    penalties: int
    amount_fen: DecimalText


class SatisfactionAverage(Struct):
    stage: str
    responses: int
    average: float


class UnitCount(Struct):
    unit: str | None  # null: the tenant's root
    cases: int
    open: int
    resolved: int
    closed: int
    met: int  # deadlines of the unit's cases
    missed: int
    compliance: DecimalText | None  # met / (met + missed); null while neither happened


class Dashboard(Struct):
    per_day: list[PeriodCount]
    per_week: list[PeriodCount]
    sla: list[SlaCompliance]
    first_response: Durations
    resolution: Durations
    escalations_per_rung: list[RungEscalations]
    penalties: list[PenaltyTotal]
    satisfaction: list[SatisfactionAverage]
    by_unit: list[UnitCount]  # only the units of the cases the reader sees


def dashboard_out(body: Mapping[str, Any]) -> Dashboard:
    """projections/stats.py's rows as they are: no value converted, so none changes."""
    return Dashboard(
        per_day=[PeriodCount(**r) for r in body["per_day"]],
        per_week=[PeriodCount(**r) for r in body["per_week"]],
        sla=[SlaCompliance(**r) for r in body["sla"]],
        first_response=Durations(**body["first_response"]),
        resolution=Durations(**body["resolution"]),
        escalations_per_rung=[RungEscalations(**r) for r in body["escalations_per_rung"]],
        penalties=[PenaltyTotal(**r) for r in body["penalties"]],
        satisfaction=[SatisfactionAverage(**r) for r in body["satisfaction"]],
        by_unit=[UnitCount(**r) for r in body["by_unit"]],
    )


# --- GET /v1/tenant, people and keys ------------------------------------------------------


class TenantPerson(Struct):
    person_id: str
    name: str
    roles: list[str]  # held for the whole tenant
    units: dict[str, list[str]] = {}  # unit -> the roles held there


class TenantKey(Struct):
    key_id: str
    person_id: str
    roles: list[str]
    revoked: bool


class WorkingHours(Struct):
    """A working day's hours, HH:MM in the tenant's time zone."""

    opens: str
    closes: str


class TenantOut(Struct):
    id: UUID
    slug: str
    name: str
    policy: str
    country: str
    timezone: str
    working_hours: WorkingHours
    language: str
    policy_options: dict[str, OptionValue]
    people: list[TenantPerson]
    version: int
    # absent, not empty, for staff: they need the people, not who holds which key
    keys: list[TenantKey] | UnsetType = UNSET


class PersonRegistered(Struct):
    person_id: str
    roles: list[str]
    seq: int
    units: dict[str, list[str]] = {}


# --- /v1/units and /v1/people/{person_id}/units ---------------------------------------------


class UnitItem(Struct):
    unit_id: str
    name: str
    kind: str
    parent: str | None
    path: list[str]  # the unit ids from the top down to this one
    retired: bool


class UnitList(Struct):
    items: list[UnitItem]  # ordered by path: each unit after the one it is under


class UnitSaved(Struct):
    unit_id: str
    name: str
    kind: str
    parent: str | None
    path: list[str]
    retired: bool
    seq: int


class PersonPlacement(Struct):
    person_id: str
    unit_id: str
    roles: list[str]  # held in the unit from now on; [] when taken out of it
    seq: int


class KeyRevoked(Struct):
    key_id: str
    revoked: bool
    seq: int


# --- GET and PUT /v1/tenant/policy-options ------------------------------------------------


class DeclaredOption(Struct):
    default: OptionValue
    description: str
    rule: str


class PolicyOptionsOut(Struct):
    policy: str
    declared: dict[str, DeclaredOption]  # what the bound policy declares
    options: dict[str, OptionValue]  # what the tenant set
    in_force: dict[str, OptionValue]  # the values new cases get


class PolicyOptionsSet(PolicyOptionsOut):
    seq: int
