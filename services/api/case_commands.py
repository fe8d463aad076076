"""``POST /v1/complaints/{id}/<action>``: one route per case command, listed in
``CASE_COMMANDS``; each calls ``Cases.act`` (services/handlers/cases.py).

Each command dataclass in domain/commands.py becomes a strict request schema (every string
bounded). The tenant's policy decides who may do what; a refusal names the rule.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, post
from litestar.di import NamedDependency
from litestar.handlers import HTTPRouteHandler
from litestar.params import FromPath, JSONBody

from domain import commands as c
from domain.units import UNIT_ID
from services.api.auth import Principal, tenant_member
from services.api.deps import answered_case_write, caller_tenant, idempotent
from services.api.problems import FieldError
from services.api.schemas import NO_NUL, WrittenOut
from services.handlers.cases import Cases, Precondition
from services.handlers.directory import TenantDirectory

MAX_TEXT = 10_000
MAX_ITEMS = 50
MAX_INT = 2**31 - 1  # scores and amounts: views keep them in integer columns
# The commands a caller sends to a case, each at POST /v1/complaints/{id}/<its action>.
# Filing has its own route; the deadline watcher alone issues MissDeadline.
CASE_COMMANDS: tuple[type[c.Command], ...] = (
    c.Classify,
    c.Acknowledge,
    c.Assign,
    c.HandOn,
    c.Escalate,
    c.AddNote,
    c.AddHandover,
    c.AttachEvidence,
    c.ProposeResolution,
    c.RecordResponse,
    c.Resolve,
    c.Close,
    c.Reopen,
    c.ReportIncident,
    c.RecordContact,
    c.ReplyInWriting,
    c.RecordOutcome,
    c.NoteFeatures,
    c.LinkToGroup,
    c.MoveToUnit,
    c.RecordSatisfaction,
    c.AssessAccountability,
    c.MeetDeadline,
    c.PauseDeadline,
    c.ResumeDeadline,
    c.ExtendDeadline,
    c.ReversePenalty,
)


def bounded(annotation: Any) -> Any:
    """Put a limit on every string, integer and mapping a command accepts."""
    if annotation is str:
        return Annotated[str, msgspec.Meta(max_length=MAX_TEXT, pattern=NO_NUL)]
    if annotation is int:
        return Annotated[int, msgspec.Meta(ge=0, le=MAX_INT)]
    origin = typing.get_origin(annotation)
    if origin is dict:
        key, value = typing.get_args(annotation)
        return Annotated[dict[bounded(key), bounded(value)], msgspec.Meta(max_length=MAX_ITEMS)]
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(bounded(a) for a in typing.get_args(annotation))]  # noqa: UP007
    return annotation


# Fields narrower than their type says: a unit is an id of the tenant's units, or null for
# the root; a move says why.
NARROWED: dict[tuple[type[c.Command], str], Any] = {
    (c.MoveToUnit, "unit"): Annotated[
        str, msgspec.Meta(min_length=1, max_length=40, pattern=UNIT_ID.pattern)
    ]
    | None,
    (c.MoveToUnit, "reason"): Annotated[
        str, msgspec.Meta(min_length=1, max_length=MAX_TEXT, pattern=NO_NUL)
    ],
}


def request_schema(command: type[c.Command]) -> type[msgspec.Struct]:
    hints = typing.get_type_hints(command)
    fields = []
    for field in dataclasses.fields(command):
        annotation = NARROWED.get((command, field.name)) or bounded(hints[field.name])
        if field.default is not dataclasses.MISSING:
            fields.append((field.name, annotation, field.default))
        elif field.default_factory is not dataclasses.MISSING:
            fields.append(
                (field.name, annotation, msgspec.field(default_factory=field.default_factory))
            )
        else:
            fields.append((field.name, annotation))
    return msgspec.defstruct(
        f"{command.__name__}Request", fields, kw_only=True, forbid_unknown_fields=True
    )


# An entity-tag (RFC 9110 §8.8.3) as the API writes them, "3"; also the bare version 3.
ENTITY_TAG = re.compile(r'(W/)?"(\d+)"|(\d+)')


def precondition(request: Request) -> Precondition | None:
    """``If-Match`` as RFC 9110 §13.1.1 reads it: ``*``, or a list of entity-tags compared
    strongly (a weak ``W/"3"`` never matches). A bare version (``If-Match: 3``) is taken
    as ``"3"``."""
    raw = request.headers.get("if-match")
    if raw is None:
        return None
    if raw.strip() == "*":
        return Precondition(any_version=True)
    versions: set[int] = set()
    for part in raw.split(","):
        match = ENTITY_TAG.fullmatch(part.strip())
        if match is None:
            raise FieldError("If-Match", 'must be entity-tags of the case, e.g. If-Match: "3"')
        if match.group(1) is None:  # weak tags never match
            versions.add(int(match.group(2) or match.group(3)))
    return Precondition(frozenset(versions))


def command_route(command: type[c.Command]) -> HTTPRouteHandler:
    schema = request_schema(command)

    async def handle(
        request: Request[Principal, Any, Any],
        case_id: UUID,
        data: Any,
        cases: Cases,
        directory: TenantDirectory,
    ) -> Response[WrittenOut]:
        tenant = await caller_tenant(directory, request.user)
        wanted = command(**msgspec.structs.asdict(data))
        expected = precondition(request)
        once = await idempotent(request)
        return answered_case_write(
            await cases.act(tenant, case_id, wanted, request.user.actor, expected, once)
        )

    handle.__annotations__ = {
        "request": Request[Principal, Any, Any],
        "case_id": FromPath[UUID],
        "data": JSONBody[schema],
        "cases": NamedDependency[Cases],
        "directory": NamedDependency[TenantDirectory],
        "return": Response[WrittenOut],
    }
    handle.__name__ = f"command_{command.action.replace('-', '_')}"
    operation = "".join(part.title() for part in command.action.split("-"))
    return post(
        f"/v1/complaints/{{case_id:uuid}}/{command.action}",
        guards=[tenant_member],
        operation_id=f"complaint{operation}",
        status_code=200,
        tags=["case actions"],
        takes_if_match=True,  # documented by services/api/problem_docs.py
        summary=re.sub(r"(?<!^)(?=[A-Z])", " ", command.__name__).capitalize(),
    )(handle)


def command_routes() -> list[HTTPRouteHandler]:
    return [command_route(command) for command in CASE_COMMANDS]
