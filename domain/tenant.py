"""The Tenant aggregate: an organisation, its policy binding, role directory and API keys."""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import available_timezones

import holidays
from eventsourcing.domain import Aggregate, event

from domain.calendar import WORKING_HOURS, WorkingCalendar
from domain.errors import DomainError
from domain.units import (
    OrgUnit,
    Scope,
    UnknownUnit,
    check_kind,
    check_open_unit,
    check_parent,
    check_unit_id,
    scope_of,
)

ADMIN_ROLE = "admin"
# What a personal field reads as once its tenant's keys are destroyed (offboarding).
ERASED = "[erased]"
TENANT_NAMESPACE = uuid5(NAMESPACE_URL, "complaints:tenant")
HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
SHORTEST_DAY = timedelta(hours=1)


def hh_mm(moment: time) -> str:
    return moment.strftime("%H:%M")


# a working day's hours as the calendar's events and the API write them, unless the tenant
# set its own
DEFAULT_OPENS, DEFAULT_CLOSES = (hh_mm(moment) for moment in WORKING_HOURS)


def tenant_id_for(slug: str) -> UUID:
    """Deterministic: creating the same tenant twice is a conflict, not a second tenant."""
    return uuid5(TENANT_NAMESPACE, slug)


def hash_secret(secret: str) -> str:
    # Keys are 256-bit random tokens, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    roles: tuple[str, ...]  # held for the whole tenant
    # unit -> the roles held there (domain/units.py); none for a tenant without units
    placements: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def units(self) -> dict[str, tuple[str, ...]]:
        return dict(self.placements)

    @property
    def all_roles(self) -> frozenset[str]:
        return frozenset(self.roles).union(*(roles for _, roles in self.placements))


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    person_id: str
    roles: tuple[str, ...]
    secret_sha256: str
    revoked: bool = False


class Tenant(Aggregate):
    @event("Created")
    def __init__(
        self,
        *,
        slug: str,
        name: str,
        country: str,
        timezone: str,
        language: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> None:
        self.slug = slug
        self.name = name
        self.country = country
        self.timezone = timezone
        self.language = language
        self.policy = policy
        self.people: dict[str, Person] = {}
        self.keys: dict[str, ApiKey] = {}
        self.extra_closures: list[date] = []
        self.extra_working_days: list[date] = []
        self.working_hours: tuple[time, time] = WORKING_HOURS
        # Options of the bound policy the tenant chose (checked against the policy's
        # declared ones by the caller, which can load the policy); new cases record them.
        self.policy_options: dict[str, Any] = {}
        self.offboarded_at: datetime | None = None
        self.units: dict[str, OrgUnit] = {}

    @classmethod
    def create(
        cls,
        *,
        slug: str,
        name: str,
        country: str,
        timezone: str,
        language: str,
        policy: str,
        by: str,
        at: datetime,
    ) -> Tenant:
        check_calendar(country, timezone)
        return cls._create(
            cls.Created,
            id=tenant_id_for(slug),
            slug=slug,
            name=name,
            country=country,
            timezone=timezone,
            language=language,
            policy=policy,
            by=by,
            at=at,
        )

    @property
    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(
            country=self.country,
            timezone=self.timezone,
            extra_closures=frozenset(self.extra_closures),
            extra_working_days=frozenset(self.extra_working_days),
            working_hours=self.working_hours,
        )

    def check_roles_held(self, person_id: str, roles: tuple[str, ...]) -> None:
        person = self.people.get(person_id)
        if person is None:
            raise UnknownPerson(person_id)
        missing = set(roles) - person.all_roles
        if missing:
            raise DomainError(f"{person_id} does not hold {sorted(missing)}")

    @event("PolicyBound")
    def bind_policy(self, *, policy: str, by: str, at: datetime) -> None:
        self.policy = policy

    @event("PolicyOptionsSet")
    def set_policy_options(self, *, options: dict[str, Any], by: str, at: datetime) -> None:
        self.policy_options = dict(options)

    @event("PersonRegistered")
    def register_person(
        self, *, person_id: str, name: str, roles: list[str], by: str, at: datetime
    ) -> None:
        held = self.people.get(person_id)  # registered again: the units held stay
        placements = held.placements if held else ()
        self.people[person_id] = Person(person_id, name, tuple(roles), placements)

    # --- the organisation: units and who holds which role where (domain/units.py) -----------

    def add_unit(
        self,
        *,
        unit_id: str,
        name: str,
        kind: str,
        parent: str | None,
        by: str,
        at: datetime,
    ) -> None:
        check_unit_id(unit_id)
        check_kind(kind)
        if unit_id in self.units:
            raise UnitExists(f"unit {unit_id!r} exists already")
        check_parent(self.units, unit_id, parent)
        self._add_unit(unit_id=unit_id, name=name, kind=kind, parent=parent, by=by, at=at)

    @event("UnitAdded")
    def _add_unit(
        self, *, unit_id: str, name: str, kind: str, parent: str | None, by: str, at: datetime
    ) -> None:
        self.units[unit_id] = OrgUnit(unit_id, name, kind, parent)

    def change_unit(
        self,
        *,
        unit_id: str,
        name: str,
        parent: str | None,
        by: str,
        at: datetime,
    ) -> None:
        """Rename a unit or put it under another; its cases and people go with it."""
        self.check_live_unit(unit_id)
        check_parent(self.units, unit_id, parent)
        self._change_unit(unit_id=unit_id, name=name, parent=parent, by=by, at=at)

    @event("UnitChanged")
    def _change_unit(
        self, *, unit_id: str, name: str, parent: str | None, by: str, at: datetime
    ) -> None:
        unit = self.units[unit_id]
        self.units[unit_id] = OrgUnit(unit_id, name, unit.kind, parent)

    def retire_unit(self, *, unit_id: str, reason: str, by: str, at: datetime) -> None:
        """No new case is filed in or moved to it, and nobody is placed there any more; its
        cases stay where they are until moved, seen by whoever covers it."""
        self.check_live_unit(unit_id)
        live_below = [
            u.unit_id for u in self.units.values() if u.parent == unit_id and not u.retired
        ]
        if live_below:
            raise UnitInUse(f"unit {unit_id!r} still holds {sorted(live_below)}: move them first")
        self._retire_unit(unit_id=unit_id, reason=reason, by=by, at=at)

    @event("UnitRetired")
    def _retire_unit(self, *, unit_id: str, reason: str, by: str, at: datetime) -> None:
        unit = self.units[unit_id]
        self.units[unit_id] = OrgUnit(unit.unit_id, unit.name, unit.kind, unit.parent, True)

    def check_live_unit(self, unit_id: str) -> None:
        held = self.units.get(unit_id)
        if held is None:
            raise UnknownUnit(unit_id)
        if held.retired:
            raise UnitInUse(f"unit {unit_id!r} is retired")

    def check_case_unit(self, unit_id: str | None) -> None:
        """Where a case may be filed or moved: the root (None) or a live unit."""
        check_open_unit(self.units, unit_id)

    def place_person(
        self, *, person_id: str, unit_id: str, roles: list[str], by: str, at: datetime
    ) -> None:
        """The roles ``person_id`` holds in ``unit_id``, in place of those held there before;
        none takes the person out of the unit."""
        if person_id not in self.people:
            raise UnknownPerson(person_id)
        if roles:
            self.check_live_unit(unit_id)
        elif unit_id not in self.units:
            raise UnknownUnit(unit_id)
        self._place_person(
            person_id=person_id, unit_id=unit_id, roles=sorted(set(roles)), by=by, at=at
        )

    @event("PersonPlaced")
    def _place_person(
        self, *, person_id: str, unit_id: str, roles: list[str], by: str, at: datetime
    ) -> None:
        person = self.people[person_id]
        placements = {**person.units, unit_id: tuple(roles)}
        kept = tuple(sorted((unit, held) for unit, held in placements.items() if held))
        self.people[person_id] = Person(person.person_id, person.name, person.roles, kept)

    def scope_of(self, person_id: str, roles: tuple[str, ...], unit_roles: frozenset[str]) -> Scope:
        """What ``roles`` (a key's) cover for ``person_id`` under a policy that means
        ``unit_roles`` per unit. A person the directory does not know (the system, a key of
        an earlier directory) keeps the key's roles for the whole tenant."""
        person = self.people.get(person_id)
        if person is None:
            return Scope.everywhere(roles)
        return scope_of(self.units, roles, person.roles, person.units, unit_roles)

    def issue_key(
        self,
        *,
        key_id: str,
        person_id: str,
        roles: list[str],
        secret: str,
        by: str,
        at: datetime,
    ) -> None:
        self.check_roles_held(person_id, tuple(roles))
        self._issue_key(
            key_id=key_id,
            person_id=person_id,
            roles=roles,
            secret_sha256=hash_secret(secret),
            by=by,
            at=at,
        )

    @event("ApiKeyIssued")
    def _issue_key(
        self,
        *,
        key_id: str,
        person_id: str,
        roles: list[str],
        secret_sha256: str,
        by: str,
        at: datetime,
    ) -> None:
        self.keys[key_id] = ApiKey(key_id, person_id, tuple(roles), secret_sha256)

    def revoke_key(self, *, key_id: str, by: str, at: datetime) -> None:
        if key_id not in self.keys:
            raise UnknownKey(key_id)
        self._revoke_key(key_id=key_id, by=by, at=at)

    @event("ApiKeyRevoked")
    def _revoke_key(self, *, key_id: str, by: str, at: datetime) -> None:
        key = self.keys[key_id]
        self.keys[key_id] = ApiKey(key.key_id, key.person_id, key.roles, key.secret_sha256, True)

    def move_calendar(
        self,
        *,
        country: str,
        timezone: str,
        by: str,
        at: datetime,
        opens: str = DEFAULT_OPENS,
        closes: str = DEFAULT_CLOSES,
    ) -> None:
        """Count working days in another country's holidays, the day in another zone, or a
        working day's warnings in other hours (``opens`` to ``closes``, HH:MM local time).
        Deadlines already started keep their due dates and warnings; new ones count the new
        way."""
        check_calendar(country, timezone)
        check_working_hours(opens, closes)
        self._move_calendar(
            country=country, timezone=timezone, opens=opens, closes=closes, by=by, at=at
        )

    @event("CalendarMoved")
    def _move_calendar(
        self,
        *,
        country: str,
        timezone: str,
        by: str,
        at: datetime,
        # absent from the events recorded while every tenant kept 09:00 to 17:00
        opens: str = DEFAULT_OPENS,
        closes: str = DEFAULT_CLOSES,
    ) -> None:
        self.country = country
        self.timezone = timezone
        self.working_hours = (time.fromisoformat(opens), time.fromisoformat(closes))

    @event("CalendarAdjusted")
    def adjust_calendar(
        self,
        *,
        extra_closures: list[date],
        extra_working_days: list[date],
        by: str,
        at: datetime,
    ) -> None:
        self.extra_closures = sorted(set(self.extra_closures) | set(extra_closures))
        self.extra_working_days = sorted(set(self.extra_working_days) | set(extra_working_days))

    def offboard(self, *, reason: str, by: str, at: datetime) -> None:
        """The organisation leaves: no key authenticates any more. The caller then destroys
        the tenant's data keys, so its personal data can never be read again."""
        if self.offboarded_at is not None:
            raise TenantOffboarded(f"tenant {self.slug} was offboarded at {self.offboarded_at}")
        self._offboard(reason=reason, by=by, at=at)

    @event("Offboarded")
    def _offboard(self, *, reason: str, by: str, at: datetime) -> None:
        self.offboarded_at = at

    def authenticate(self, key_id: str, secret: str) -> ApiKey | None:
        key = self.keys.get(key_id)
        if key is None or key.revoked or self.offboarded_at is not None:
            return None
        if not hmac.compare_digest(key.secret_sha256, hash_secret(secret)):
            return None
        return key


@cache  # each walks a package's files: a tenth of a second
def known_calendars() -> tuple[frozenset[str], frozenset[str]]:
    return frozenset(holidays.list_supported_countries()), frozenset(available_timezones())


def check_calendar(country: str, timezone: str) -> None:
    """A country the holidays package knows and an IANA time zone: a deadline is counted in
    them, and one that cannot be loaded would fail every filing of the tenant."""
    countries, zones = known_calendars()
    if country not in countries:
        raise UnknownCalendar("country", f"no holiday calendar for country {country!r}")
    if timezone not in zones:
        raise UnknownCalendar("timezone", f"{timezone!r} is not an IANA time zone")


def check_working_hours(opens: str, closes: str) -> None:
    """Whole minutes of the local day, opening before closing and at least an hour apart
    (the policies' last-hour warning then fits in one working day): a working-day
    deadline's warnings count in them."""
    for field, value in (("opens", opens), ("closes", closes)):
        if not isinstance(value, str) or not HH_MM.fullmatch(value):
            reason = "a time of day as HH:MM, 00:00 to 23:59"
            raise UnknownCalendar(f"working_hours.{field}", reason)
    start, end = (datetime.combine(date.min, time.fromisoformat(t)) for t in (opens, closes))
    if end <= start:
        raise UnknownCalendar("working_hours.closes", f"must be after opens ({opens})")
    if end - start < SHORTEST_DAY:
        reason = f"must be at least one hour after opens ({opens})"
        raise UnknownCalendar("working_hours.closes", reason)


class UnknownCalendar(DomainError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


class UnitExists(DomainError):
    pass


class UnitInUse(DomainError):
    pass


class UnknownPerson(DomainError):
    pass


class UnknownKey(DomainError):
    pass


class TenantOffboarded(DomainError):
    pass
