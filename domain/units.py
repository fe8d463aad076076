"""A tenant's organisation: units in a tree, and what a person's roles cover in it.

A hospital's departments and wards, a bank's branches, a school's HQ departments and campuses
are units; the tenant itself is the root, which no unit names (``None``). A role held in a
unit covers that unit and every unit below it; a role held tenant-wide covers everything,
the root included. A policy names the roles its procedure means per unit
(``unit_roles``: H4's department head and head nurse, B3's branch head, S7's campus
supervisor); any other role is the tenant's wherever its holder sits, so a tenant without
units, or a policy that names none, works as if units did not exist.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from domain.errors import DomainError

UNIT_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
KINDS = ("department", "ward", "branch", "campus", "office", "region")


@dataclass(frozen=True)
class OrgUnit:
    unit_id: str
    name: str
    kind: str
    parent: str | None = None  # None: directly under the tenant
    retired: bool = False


class UnknownUnit(DomainError):
    def __init__(self, unit_id: str) -> None:
        super().__init__(f"no unit {unit_id!r} in this tenant")
        self.unit_id = unit_id


class InvalidUnit(DomainError):
    def __init__(self, field_name: str, reason: str) -> None:
        super().__init__(f"{field_name}: {reason}")
        self.field = field_name
        self.reason = reason


def check_unit_id(unit_id: str) -> None:
    if not UNIT_ID.match(unit_id):
        raise InvalidUnit("unit_id", "lower-case letters, digits and '-', at most 40")


def check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise InvalidUnit("kind", f"one of {', '.join(KINDS)}")


def path(units: Mapping[str, OrgUnit], unit_id: str | None) -> tuple[str, ...]:
    """The units from the top down to ``unit_id``; the root's is empty."""
    chain: list[str] = []
    while unit_id is not None:
        chain.append(unit_id)
        unit_id = units[unit_id].parent
    return tuple(reversed(chain))


def below(units: Mapping[str, OrgUnit], unit_id: str) -> frozenset[str]:
    """``unit_id`` and every unit under it, retired ones included (their cases stay
    somewhere somebody sees)."""
    children: dict[str | None, list[str]] = {}
    for unit in units.values():
        children.setdefault(unit.parent, []).append(unit.unit_id)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        found.add(current)
        todo.extend(children.get(current, ()))
    return frozenset(found)


def check_parent(units: Mapping[str, OrgUnit], unit_id: str, parent: str | None) -> None:
    """``parent`` is a live unit and not ``unit_id`` itself or below it (no cycle)."""
    if parent is None:
        return
    held = units.get(parent)
    if held is None:
        raise UnknownUnit(parent)
    if held.retired:
        raise InvalidUnit("parent", f"unit {parent!r} is retired")
    if unit_id in units and parent in below(units, unit_id):
        raise InvalidUnit("parent", f"{parent!r} is {unit_id!r} or under it: that makes a loop")


def check_open_unit(units: Mapping[str, OrgUnit], unit_id: str | None) -> None:
    """A case is filed in, or moved to, the root or a unit that exists and is not retired."""
    if unit_id is None:
        return
    held = units.get(unit_id)
    if held is None:
        raise UnknownUnit(unit_id)
    if held.retired:
        raise InvalidUnit("unit", f"unit {unit_id!r} is retired: file in or move to another")


@dataclass(frozen=True)
class Scope:
    """What one caller's roles cover: the roles they hold for the whole tenant, and for each
    role held only in units, the units it covers (those units and every unit below them)."""

    tenant_wide: frozenset[str]
    in_units: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def everywhere(cls, roles: Iterable[str]) -> Scope:
        return cls(frozenset(roles))

    @property
    def roles(self) -> frozenset[str]:
        return self.tenant_wide | frozenset(self.in_units)

    @property
    def is_tenant_wide(self) -> bool:
        """A reader who sees every case: one of their roles is the tenant's."""
        return bool(self.tenant_wide)

    def roles_for(self, unit_id: str | None) -> frozenset[str]:
        """The roles that count on a case in ``unit_id`` (None: the tenant's root)."""
        if unit_id is None:
            return self.tenant_wide
        scoped = (role for role, units in self.in_units.items() if unit_id in units)
        return self.tenant_wide | frozenset(scoped)

    def sees(self, unit_id: str | None) -> bool:
        return self.is_tenant_wide or bool(self.roles_for(unit_id))

    @property
    def units(self) -> frozenset[str]:
        """Every unit one of the unit-held roles covers."""
        return frozenset().union(*self.in_units.values()) if self.in_units else frozenset()

    def role_units(self) -> list[tuple[str, str]]:
        """(role, unit) for every unit a unit-held role covers: the read views' filter."""
        return sorted((role, unit) for role, units in self.in_units.items() for unit in units)


def units_seen(
    units: Mapping[str, OrgUnit], scope: Scope | None, unit: str | None = None
) -> frozenset[str] | None:
    """The units whose cases a list, a count or a report shows a reader, within ``unit`` and
    the units below it when one is asked for; None: every case, the root's included (for a
    tenant-wide reader, or the operator, whose scope is None)."""
    wanted = None
    if unit is not None:
        if unit not in units:
            raise UnknownUnit(unit)
        wanted = below(units, unit)
    if scope is None or scope.is_tenant_wide:
        return wanted
    return scope.units if wanted is None else scope.units & wanted


def scope_of(
    units: Mapping[str, OrgUnit],
    roles: Iterable[str],
    tenant_wide_roles: Iterable[str],
    placements: Mapping[str, Iterable[str]],
    unit_roles: frozenset[str],
) -> Scope:
    """The scope of ``roles`` (a key's) for a person who holds ``tenant_wide_roles`` for the
    whole tenant and ``placements`` (unit -> roles) in units. A role the policy does not mean
    per unit is the tenant's wherever it is held; a role the person no longer holds anywhere
    covers nothing."""
    held_wide = set(tenant_wide_roles)
    wide: set[str] = set()
    scoped: dict[str, set[str]] = {}
    for role in roles:
        where = [unit for unit, held in placements.items() if role in held and unit in units]
        if role in held_wide or (where and role not in unit_roles):
            wide.add(role)
        elif where:
            scoped[role] = set().union(*(below(units, unit) for unit in where))
    return Scope(frozenset(wide), {role: frozenset(u) for role, u in scoped.items()})
