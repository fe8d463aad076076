"""``GET /v1/complaints/{id}/actions``: what the caller may do to the case now, one entry per
route of ``CASE_COMMANDS``, for clients to build their buttons and forms from.

Each answer comes from the code that decides a POST: the case loaded as ``Cases.act`` loads
it, and ``Cases.decide`` (the policy through ``domain.handling.execute``) run on a copy of it
for the caller's actor, and nothing appended. A decision may turn on the body, which a
question asked before the form is filled does not have, so the command is built from
*unread* values: each field's value raises ``BodyRead`` on any use (a comparison, its
length, its truth, a method). Then:

- the decision refused before reading any field: every body is refused the same way,
  ``allowed: false`` with the refusal's ``rule`` and ``reason`` (``rule`` null where the case's
  state refuses it, a 409, rather than the procedure);
- it accepted without reading any: ``allowed: true``, every valid body is accepted;
- it read a field: ``allowed: true`` with ``needs`` naming the fields the procedure decides
  on; it may still refuse what is sent, a 403 naming its rule.

Reading ``x is None`` leaves no trace, so a field that may be null is probed both absent
(None) and present (unread); the entries agree or ``needs`` names it. Commands on a deadline
also answer per deadline still running or paused, ``deadline_id`` filled in.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import types
import typing
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from typing import Any
from uuid import UUID

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Struct

from domain import commands as c
from domain.audit import AUDITOR_ROLE
from domain.complaint import PENDING, Complaint
from domain.errors import DomainError, Refused
from domain.tenant import Tenant
from services.api.auth import Principal, tenant_member
from services.api.case_commands import CASE_COMMANDS, request_schema
from services.api.deps import caller_tenant, readable_case
from services.clock import Clock
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory


class BodyRead(BaseException):
    """A probe's field was used: the decision turns on what the body says. Not an Exception,
    so that no ``except Exception`` in a decision takes it for a refusal or swallows it."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


# Left working on an unread value: what creating it, its class and copying need.
KEPT = frozenset(
    {
        "__new__", "__init__", "__init_subclass__", "__subclasshook__", "__class__",
        "__getattribute__", "__setattr__", "__delattr__", "__reduce__", "__reduce_ex__",
        "__sizeof__", "__dir__", "__getnewargs__", "__getstate__", "__class_getitem__",
    }
)  # fmt: skip
# Uses an object may not define but its value answers (object has no __bool__ or __len__).
USES = frozenset(
    {
        "__bool__", "__len__", "__iter__", "__contains__", "__getitem__", "__int__",
        "__float__", "__index__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__",
        "__hash__", "__str__", "__repr__", "__format__", "__add__", "__radd__", "__mul__",
        "__rmul__",
    }
)  # fmt: skip


def unread(annotation: Any, field: str) -> Any:
    """A value of the field's type (a str, an int, a dict; an object for a bool) that raises
    ``BodyRead(field)`` when anything uses it."""
    base = value_type(annotation)
    return base.__new__(unread_kind(base, field))


@cache
def unread_kind(base: type, field: str) -> type:
    def used(*_: Any, **__: Any) -> Any:
        raise BodyRead(field)

    def attribute(self: Any, name: str) -> Any:
        if name in KEPT:
            return object.__getattribute__(self, name)
        raise BodyRead(field)

    uses = {name for name in dir(base) if callable(getattr(base, name, None))} | USES
    namespace: dict[str, Any] = {name: used for name in uses - KEPT}
    namespace["__getattribute__"] = attribute
    return type(f"Unread_{field}", (base,), namespace)


def value_type(annotation: Any) -> type:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    base = typing.get_origin(annotation) or annotation
    return base if base in (str, int, dict, list) else object  # bool cannot be subclassed


def may_be_null(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def probes(command: type[c.Command], fixed: Mapping[str, Any]) -> Iterator[c.Command]:
    """The command with every field not ``fixed`` unread; a field that may be null both
    null and unread, the all-null probe (every such field omitted) first."""
    hints = typing.get_type_hints(command)
    fields = [f.name for f in dataclasses.fields(command) if f.name not in fixed]
    nullable = [name for name in fields if may_be_null(hints[name])]
    for nulls in itertools.product((True, False), repeat=len(nullable)):
        null = {name for name, is_null in zip(nullable, nulls, strict=True) if is_null}
        values = {n: None if n in null else unread(hints[n], n) for n in fields}
        yield command(**values, **fixed)


class DeadlineActionOut(Struct):
    deadline_id: str
    allowed: bool
    rule: str | None
    reason: str | None
    needs: list[str]


class ActionOut(Struct, omit_defaults=True):
    action: str
    method: str
    path: str
    allowed: bool
    rule: str | None
    reason: str | None
    schema: dict[str, Any]
    needs: list[str]
    # commands on a deadline: the answer for each deadline still running or paused
    deadlines: list[DeadlineActionOut] | None = None


class ActionsOut(Struct):
    case_id: UUID
    version: int
    actions: list[ActionOut]


@dataclasses.dataclass(frozen=True)
class Outcome:
    allowed: bool
    rule: str | None = None
    reason: str | None = None
    read: str | None = None  # the field whose use stopped the decision


@dataclasses.dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: str | None
    reason: str | None
    needs: list[str]


AUDITORS = Verdict(False, None, "auditors read only", [])
NOTHING_RECORDED = "the case's procedure records nothing for this command"


@dataclasses.dataclass(frozen=True)
class Asking:
    """One caller's question about one case, as it stands ``now``."""

    cases: Cases
    tenant: Tenant
    case: Complaint
    actor: c.Actor
    now: datetime

    def dry_run(self, command: c.Command) -> Outcome:
        """``Cases.decide`` on a copy of the case: the decision of a POST, nothing appended."""
        decided = copy.deepcopy(self.case)
        try:
            self.cases.decide(self.tenant, decided, command, self.actor, self.now)
        except BodyRead as read:
            return Outcome(True, read=read.field)
        except Refused as refused:
            return Outcome(False, refused.rule, refused.message)
        except DomainError as error:  # the case's state (a 409) or the command's fit (422)
            return Outcome(False, None, str(error))
        if not decided.pending_events:  # a POST would have nothing to append, and fail
            return Outcome(False, None, NOTHING_RECORDED)
        return Outcome(True)

    def verdict(self, command: type[c.Command], fixed: Mapping[str, Any]) -> Verdict:
        outcomes = [self.dry_run(probe) for probe in probes(command, fixed)]
        first = outcomes[0]  # every field that may be null omitted
        reads = list(dict.fromkeys(o.read for o in outcomes if o.read is not None))
        # a field that may be null decides when the probes with and without it disagree
        nullable = [] if len(set(outcomes)) == 1 else nullable_fields(command, fixed)
        if not any(o.allowed for o in outcomes):
            return Verdict(False, first.rule, first.reason, nullable)
        return Verdict(True, None, None, reads + [n for n in nullable if n not in reads])

    def per_deadline(self, command: type[c.Command]) -> list[DeadlineActionOut] | None:
        if "deadline_id" not in {f.name for f in dataclasses.fields(command)}:
            return None
        pending = [d for d, held in self.case.deadlines.items() if held.state in PENDING]
        return [
            DeadlineActionOut(d, **dataclasses.asdict(self.verdict(command, {"deadline_id": d})))
            for d in pending
        ]

    def action(self, command: type[c.Command]) -> ActionOut:
        reads_only = AUDITOR_ROLE in self.actor.roles  # the app's guard refuses them first
        answer = AUDITORS if reads_only else self.verdict(command, {})
        return ActionOut(
            command.action,
            "POST",
            f"/v1/complaints/{self.case.id}/{command.action}",
            answer.allowed,
            answer.rule,
            answer.reason,
            body_schema(command),
            answer.needs,
            None if reads_only else self.per_deadline(command),
        )


def nullable_fields(command: type[c.Command], fixed: Mapping[str, Any]) -> list[str]:
    hints = typing.get_type_hints(command)
    return [
        f.name
        for f in dataclasses.fields(command)
        if f.name not in fixed and may_be_null(hints[f.name])
    ]


@cache
def body_schema(command: type[c.Command]) -> dict[str, Any]:
    """The request body's JSON schema, the object itself rather than a reference to it."""
    struct = request_schema(command)
    document = msgspec.json.schema(struct)
    defs = document.pop("$defs")
    inlined = defs.pop(struct.__name__)
    return {**inlined, "$defs": defs} if defs else inlined


@get(
    "/v1/complaints/{case_id:uuid}/actions",
    guards=[tenant_member],
    operation_id="complaintActions",
    tags=["case actions"],
    summary="What the caller may do to the case now, and the rule refusing the rest",
)
async def case_actions(
    request: Request[Principal, Any, Any],
    case_id: FromPath[UUID],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    clock: NamedDependency[Clock],
) -> ActionsOut:
    """Each case command's route, whether the caller may send it now, and the refusal's
    rule and reason when not; see this module's docstring for ``needs`` and ``deadlines``."""
    tenant = await caller_tenant(directory, request.user)
    case = await readable_case(cases, request.user, case_id)  # 404 unless the reader's case
    # the roles that count on the case's unit answer, as they decide a POST
    asking = Asking(cases, tenant, case, request.user.actor.on(case.unit_id), clock.now())
    return ActionsOut(case.id, case.version, [asking.action(cmd) for cmd in CASE_COMMANDS])
