"""Request and response shapes. Every field has a type, a length and, where it fits, an enum."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from msgspec import UNSET, Meta, Struct, UnsetType

from domain.units import KINDS, UNIT_ID
from services.api.read_models import WorkingHours

# PostgreSQL text cannot hold U+0000: refused at the door, not by a view that then stalls
NO_NUL = r"^[^\x00]*$"
Slug = Annotated[str, Meta(min_length=2, max_length=63, pattern=r"^[a-z0-9][a-z0-9-]*$")]
Ident = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]
Name = Annotated[str, Meta(min_length=1, max_length=200, pattern=NO_NUL)]
Short = Annotated[str, Meta(max_length=200, pattern=NO_NUL)]
Summary = Annotated[str, Meta(min_length=1, max_length=500, pattern=NO_NUL)]
Text = Annotated[str, Meta(max_length=10_000, pattern=NO_NUL)]
Role = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]
PolicyRef = Annotated[str, Meta(min_length=3, max_length=80, pattern=r"^[a-z0-9_.-]+@\d+$")]
Country = Annotated[str, Meta(min_length=2, max_length=2, pattern=r"^[A-Z]{2}$")]
TimeZone = Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)]
AwareDatetime = Annotated[datetime, Meta(tz=True)]
Channel = Literal["phone", "visit", "letter", "email", "web", "hotline", "wechat", "in_person"]
Language = Literal["zh-CN", "en"]


class Strict(Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class AdminIn(Strict):
    person_id: Ident
    name: Name


class TenantCreate(Strict):
    slug: Slug
    name: Name
    policy: PolicyRef
    admin: AdminIn
    country: Country = "CN"
    timezone: TimeZone = "Asia/Shanghai"
    language: Language = "zh-CN"


class PersonIn(Strict):
    person_id: Ident
    name: Name
    # held for the whole tenant; a person holding roles only in units gives none here
    roles: Annotated[list[Role], Meta(max_length=20)] = []
    units: Annotated[dict[UnitId, UnitRoles], Meta(max_length=50)] = {}


# --- the organisation's units (domain/units.py) -----------------------------------------------

UnitId = Annotated[str, Meta(min_length=1, max_length=40, pattern=UNIT_ID.pattern)]
UnitKind = Literal[KINDS]  # an unknown kind's 422 lists them (problems.py)
UnitRoles = Annotated[list[Role], Meta(max_length=20)]


class UnitIn(Strict):
    unit_id: UnitId
    name: Name
    kind: UnitKind
    parent: UnitId | None = None  # None: directly under the tenant


class UnitChange(Strict):
    """What is given changes: a new name, another parent (``null``: the tenant's root)."""

    name: Name | UnsetType = UNSET
    parent: UnitId | UnsetType | None = UNSET


class UnitRetire(Strict):
    reason: Summary


class PlacementIn(Strict):
    roles: UnitRoles  # [] takes the person out of the unit


class KeyCreate(Strict):
    person_id: Ident
    roles: Annotated[list[Role], Meta(max_length=20)] | None = None


class ComplainantIn(Strict):
    name: Name
    contact: Short = ""


class ComplaintCreate(Strict):
    summary: Summary
    channel: Channel
    complainant: ComplainantIn
    details: Text = ""
    received_at: AwareDatetime | None = None
    site: Name | None = None
    category: Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)] | None = None
    public_figure: bool = False
    # the tenant's unit the case belongs to (GET /v1/units); absent: the tenant's root
    unit: UnitId | None = None


class GroupResolve(Strict):
    """One decision for every open case of a group (B12)."""

    outcome: Annotated[str, Meta(min_length=1, max_length=10_000, pattern=NO_NUL)]
    close: bool = False


class PolicyOptionsIn(Strict):
    options: Annotated[
        dict[
            Annotated[str, Meta(min_length=1, max_length=64, pattern=NO_NUL)],
            # a list's items are checked by the option itself (the reminders: domain/reminders.py)
            bool | int | Short | Annotated[list[Any], Meta(max_length=50)],
        ],
        Meta(max_length=50),
    ]


class KeyOut(Struct):
    tenant_id: UUID
    key_id: str
    # The whole key, told once: a retry with the same Idempotency-Key answers null (the key
    # is not stored). Lost it? Revoke key_id and issue another.
    key: str | None
    seq: int


# a working day's hours, HH:MM local time; the form is checked by domain/tenant.py
ClockTime = Annotated[str, Meta(min_length=1, max_length=8, examples=["08:30"])]


class WorkingHoursIn(Strict):
    opens: ClockTime
    closes: ClockTime


class CalendarIn(Strict):
    country: Country
    timezone: TimeZone
    # the hours a working-day deadline's warnings count in; none given, 09:00 to 17:00
    working_hours: WorkingHoursIn | None = None


class CalendarOut(Struct):
    tenant_id: UUID
    country: str
    timezone: str
    working_hours: WorkingHours
    seq: int


class OffboardIn(Strict):
    reason: Short = ""


class OffboardOut(Struct):
    tenant_id: UUID
    offboarded_at: datetime
    seq: int | None  # of the Offboarded event; null when an earlier call recorded it
    keys_destroyed: bool
    notifications_purged: bool


class DataKeyOut(Struct):
    tenant_id: UUID
    key_version: int


class WrittenOut(Struct):
    id: UUID
    version: int
    seq: int
    # A new case only (POST /v1/complaints): what the complainant follows it by, and their
    # secret link to hand over, told once (a retry with the same Idempotency-Key answers
    # ``link`` null: only the link's hash is kept). Other writes leave both out.
    tracking: str | UnsetType | None = UNSET
    link: str | UnsetType | None = UNSET


class GroupResolvedOut(Struct):
    group: str
    cases: list[WrittenOut]
    seq: int


class DeadlineOut(Struct):
    deadline_id: str
    kind: str
    rule: str
    started_at: datetime
    due_at: datetime
    state: str
    roles: list[str]


class ComplaintOut(Struct):
    id: UUID
    version: int
    policy: str
    status: str
    summary: str
    details: str
    channel: str
    complainant: dict[str, Any]
    received_at: datetime
    filed_at: datetime
    filed_by: str
    owner: str
    category: str | None
    level: int
    rung: str | None
    handlers: dict[str, str]
    deadlines: list[DeadlineOut]
    penalties: list[dict[str, Any]]
    incidents: list[dict[str, Any]]
    flags: list[str]
    group: str | None
    site: str | None
    unit: str | None  # the unit the case belongs to; null: the tenant's root
    # fields the case's policy restricts to other roles than the reader's come back emptied,
    # and are named in ``withheld`` (B9: identifying features, for security and leadership)
    restricted: dict[str, Any]
    # what the complainant follows the case by (HOSP-2026-000123); null on older cases
    tracking: str | None = None
    # each message to the complainant (reply, closing feedback, follow-up survey) and what
    # became of it: sent, retrying (with its error and next try) or failed
    deliveries: list[FeedbackDeliveryOut] = []
    timeline: list[TimelineItem] = []
    withheld: list[str] = []


class FeedbackDeliveryOut(Struct):
    delivery: str  # "<seq>:<step>": the ledger seq of the reply or closing, and the step
    step: str
    channel: str  # email, gateway
    attempts: int
    state: str  # sent, retrying, failed
    error: str
    retry_at: datetime | None


class TimelineItem(Struct):
    seq: int
    version: int
    event: str
    actor: str | None
    at: datetime
    text: str


class HistoryItem(Struct):
    version: int
    seq: int
    event: str
    recorded_at: datetime
    by: str | None
    at: datetime | None
    data: dict[str, Any]
    withheld: list[str] = []  # fields of ``data`` emptied for this reader, as in ComplaintOut
