"""The Policy protocol: a tenant's procedure as pure, deterministic decisions.

A policy sees the case, the command, the actor, ``now`` and the tenant's calendar, and returns
the effects to record: classification, the next rung, roles to notify, deadlines to start or
meet, penalties. It refuses an action by raising :class:`Refused` with the rule's ID.
It never performs I/O and never reads the clock. Who may read which field is declared rather
than decided: a policy's ``restricted`` table (domain/restricted.py); without one, nothing is
restricted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from domain.calendar import Unit, WorkingCalendar
from domain.commands import Actor, Command
from domain.complaint import Complaint, Deadline
from domain.errors import DomainError


@dataclass(frozen=True)
class Rung:
    level: int
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class SetClassification:
    category: str
    level: int
    rung: str
    reason: str
    rule: str


@dataclass(frozen=True)
class EscalateTo:
    level: int
    rung: str
    reason: str
    rule: str
    notify: tuple[str, ...]


@dataclass(frozen=True)
class Notify:
    roles: tuple[str, ...]
    reason: str
    rule: str


@dataclass(frozen=True)
class RecordIncident:
    kind: str
    description: str
    police_called: bool
    notify: tuple[str, ...]
    rule: str


@dataclass(frozen=True)
class StartDeadline:
    deadline_id: str
    kind: str
    rule: str
    due_at: datetime
    roles: tuple[str, ...]
    unit: Unit | None = None
    amount: int | None = None


@dataclass(frozen=True)
class ExtendDeadlineEffect:
    deadline_id: str
    due_at: datetime
    reason: str
    approved_by: str
    rule: str


@dataclass(frozen=True)
class MeetDeadlineEffect:
    deadline_id: str


@dataclass(frozen=True)
class MissDeadlineEffect:
    deadline_id: str


@dataclass(frozen=True)
class CancelDeadlineEffect:
    """The deadline's work is no longer wanted: it ends neither met nor missed (C3, C4)."""

    deadline_id: str
    reason: str
    rule: str


@dataclass(frozen=True)
class AssessPenalty:
    target_role: str
    amount_fen: int
    reason: str
    rule: str
    performance: str | None = None
    person: str | None = None


@dataclass(frozen=True)
class ResolveCase:
    outcome: str


@dataclass(frozen=True)
class FlagCase:
    flag: str
    rule: str


Effect = (
    SetClassification
    | EscalateTo
    | Notify
    | RecordIncident
    | StartDeadline
    | ExtendDeadlineEffect
    | MeetDeadlineEffect
    | MissDeadlineEffect
    | CancelDeadlineEffect
    | AssessPenalty
    | ResolveCase
    | FlagCase
)


@dataclass(frozen=True)
class Decision:
    effects: tuple[Effect, ...] = ()

    def __add__(self, other: Decision) -> Decision:
        return Decision(self.effects + other.effects)


@runtime_checkable
class Policy(Protocol):
    name: str
    version: int
    roles: Mapping[str, str]

    @property
    def ref(self) -> str:
        """``name@version``, recorded on every decision event."""
        ...

    def decide(
        self,
        case: Complaint | None,
        command: Command,
        actor: Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision: ...

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision: ...


def deadline(
    deadline_id: str,
    rule: str,
    start: datetime,
    amount: int,
    unit: Unit,
    calendar: WorkingCalendar,
    roles: tuple[str, ...],
    kind: str | None = None,
) -> StartDeadline:
    """A deadline effect due ``amount`` ``unit`` after ``start`` in the tenant's calendar."""
    return StartDeadline(
        deadline_id=deadline_id,
        kind=kind or deadline_id,
        rule=rule,
        due_at=calendar.due(start, amount, unit),
        roles=roles,
        unit=unit,
        amount=amount,
    )


# --- options a tenant may switch on -------------------------------------------------------


@dataclass(frozen=True)
class PolicyOption:
    """A setting a policy declares and a tenant chooses (e.g. a regulator's clock on top of
    its own procedure). Its type is the default's: ``bool``, ``int``, ``str`` or ``list``;
    ``check`` looks inside a value of that type (a list's items), raising
    :class:`InvalidPolicyOption` naming where the value is wrong."""

    default: bool | int | str | list[Any]
    description: str
    rule: str = ""
    check: Callable[[Any], None] | None = None


class InvalidPolicyOption(DomainError):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"policy option {name!r}: {reason}")
        self.name = name
        self.reason = reason


def check_options(declared: Mapping[str, PolicyOption], given: Mapping[str, Any]) -> dict[str, Any]:
    """The values in force: the declared defaults, overridden by ``given``, each checked."""
    for name, value in given.items():
        option = declared.get(name)
        if option is None:
            known = sorted(declared) or "none"
            raise InvalidPolicyOption(name, f"not an option of this policy (declared: {known})")
        wanted = type(option.default)
        # bool is an int in Python; neither stands in for the other here
        if type(value) is not wanted:
            raise InvalidPolicyOption(name, f"must be a {wanted.__name__}")
        if option.check is not None:
            option.check(value)
    return {name: given.get(name, option.default) for name, option in declared.items()}


def configured(policy: Policy, options: Mapping[str, Any]) -> Policy:
    """``policy`` with these recorded options in force. Names it does not declare are dropped
    (a case filed under another binding, a what-if under another version), so only values
    the policy knows ever reach its decisions."""
    declared: Mapping[str, PolicyOption] = getattr(policy, "declared_options", {})
    if not declared:
        return policy
    given = {name: value for name, value in options.items() if name in declared}
    if check_options(declared, given) == dict(getattr(policy, "options", {})):
        return policy
    return policy.with_options(given)  # type: ignore[attr-defined]
