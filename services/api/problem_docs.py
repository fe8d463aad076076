"""The OpenAPI document names the problem documents every route may answer with.

Litestar documents a 400 of its own shape (``status_code``, ``detail``) and nothing else;
our errors leave as ``application/problem+json`` (problems.py) with other fields and other
statuses. This plugin gives each route the statuses it can answer, with the problem
schema, unless the route declared that status itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Schema,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.response import ServerSentEvent
from litestar.routes import BaseRoute, HTTPRoute
from msgspec import Struct

from services.api.problems import PROBLEM_JSON


class FieldProblem(Struct):
    field: str
    reason: str
    allowed: list[str] | None = None  # an enum's values, when the value was not one


class Problem(Struct, kw_only=True):
    """RFC 9457: ``type`` names the kind of problem (``/problems/<kind>``, which describes
    it), ``errors`` the fields at fault."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None  # urn:complaints:request:<request id>
    request_id: str | None = None
    errors: list[FieldProblem] | None = None
    rule: str | None = None  # the policy's rule that refused (403 refused)


DESCRIPTIONS = {
    400: "Malformed request",
    401: "No valid API key",
    403: "The key may not do this, or the tenant's procedure refused it",
    404: "Not found for the caller's tenant",
    409: "Conflict: a stale version, or not allowed in the case's state",
    412: "If-Match named only versions the case has left",
    413: "The request body is too large",
    415: "The body is not JSON",
    422: "A field is invalid",
    429: "Too many requests for this key or tenant: see Retry-After",
    500: "Internal error",
    503: "A backing service is unavailable: see Retry-After",
}
OPEN = (400, 500, 503)  # routes without a key: no 401, 403 or 429
READS = (400, 401, 403, 404, 422, 429, 500, 503)
WRITES = (*READS, 409, 413, 415)


def spec(status: int, description: str | None = None) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=description or DESCRIPTIONS[status],
        media_type=PROBLEM_JSON,
        generate_examples=False,
    )


class ProblemResponses(ReceiveRoutePlugin):
    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            document(handler)


def document(handler: HTTPRouteHandler) -> None:
    if handler.opt.get("exclude_from_auth"):
        statuses: tuple[int, ...] = OPEN + ((404,) if handler.opt.get("finds_nothing") else ())
    elif handler.http_methods <= {"GET", "HEAD"}:
        statuses = READS
    else:
        statuses = WRITES
    if handler.opt.get("takes_if_match"):
        statuses = (*statuses, 412)
    declared: dict[int, Any] = dict(handler.responses or {})
    handler.responses = {**{s: spec(s) for s in statuses}, **declared}
    handler.operation_class = with_headers(handler)


def header(description: str, example: str | None = None) -> OpenAPIHeader:
    return OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING), description=description, example=example
    )


def request_header(name: str, description: str) -> Parameter:
    return Parameter(
        name=name,
        param_in="header",
        schema=Schema(type=OpenAPIType.STRING),
        description=description,
    )


REQUEST_ID = header("This request's id: quote it to an operator (also the problem's instance)")
RETRY_AFTER = header("Seconds to wait before retrying", "2")
CONTENT_LANGUAGE = header(
    "The problem's words: zh-CN when Accept-Language prefers Chinese, else en", "zh-CN"
)
ETAG = header("The case's version as a strong entity-tag: send it back as If-Match", '"3"')
VIEW_SEQ = header("The ledger position the view answered from (with ?after_seq=)", "42")
LOCATION = header("Where the new case lives", "/v1/complaints/6f1c0d5e-...")
LINK = header(
    "The next page (RFC 8288), absent on the last: follow it or pass next_cursor as ?cursor=",
    '</v1/complaints?limit=50&cursor=eyJ...>; rel="next"',
)
IDEMPOTENCY_KEY = request_header(
    "Idempotency-Key", "1-200 characters: a retry with the same key gets the first answer"
)
IF_MATCH = request_header(
    "If-Match", 'The case\'s ETag ("3"), a list of them, or *: else 412 and nothing written'
)
IF_NONE_MATCH = request_header("If-None-Match", "The case's ETag: 304 while it is unchanged")


def with_headers(handler: HTTPRouteHandler) -> type[Operation]:
    """An Operation that declares the headers the API relies on for this route: the
    Idempotency-Key and If-Match it takes, the ETag, Location, Link, Retry-After, X-View-Seq
    and X-Request-ID it answers (Litestar documents only headers in a handler's signature).

    Every POST takes Idempotency-Key; a PUT or PATCH only where the route says
    ``idempotent=True`` (it writes through ``write_once``). A route that answers Location
    for something other than a case names where it points: ``location="/v1/units/{unit_id}"``."""
    writes = not handler.http_methods <= {"GET", "HEAD"}
    idempotent = bool(handler.opt.get("idempotent"))
    location: str | None = handler.opt.get("location")
    takes_if_match = bool(handler.opt.get("takes_if_match"))
    shows_case = bool(handler.opt.get("answers_etag"))
    creates_case = bool(handler.opt.get("creates_case"))
    needs_no_key = bool(handler.opt.get("exclude_from_auth"))
    streams = handler.parsed_fn_signature.return_type.annotation is ServerSentEvent

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if needs_no_key:
                self.security = []  # not the document's default Bearer scheme
            added = []
            if writes and (handler.http_methods & {"POST"} or idempotent):
                added.append(IDEMPOTENCY_KEY)
            if takes_if_match:
                added.append(IF_MATCH)
            if shows_case and not writes:
                added.append(IF_NONE_MATCH)
            named = {getattr(p, "name", None) for p in self.parameters or []}
            self.parameters = [*(self.parameters or []), *(p for p in added if p.name not in named)]
            for status, response in (self.responses or {}).items():
                if not isinstance(response, OpenAPIResponse):
                    continue
                if status in ("204", "304"):
                    response.content = None  # no body, whatever the handler's type says
                headers = dict(response.headers or {})
                headers["X-Request-ID"] = REQUEST_ID
                if status in ("429", "503"):
                    headers["Retry-After"] = RETRY_AFTER
                if status[0] in "45":
                    headers["Content-Language"] = CONTENT_LANGUAGE
                if status.startswith("2") and streams:
                    response.content = {
                        "text/event-stream": OpenAPIMediaType(
                            schema=Schema(type=OpenAPIType.STRING),
                        )
                    }
                    response.description = (
                        "Server-Sent Events: one CloudEvent a message, named by its kind"
                    )
                if status.startswith("2"):
                    if shows_case or takes_if_match or (creates_case and status == "201"):
                        headers["ETag"] = ETAG
                    if creates_case and status == "201":
                        headers["Location"] = LOCATION
                    elif location is not None and status == "201":
                        headers["Location"] = header("Where the new resource lives", location)
                    if any(getattr(p, "name", None) == "cursor" for p in self.parameters):
                        headers["Link"] = LINK
                    if any(getattr(p, "name", None) == "after_seq" for p in self.parameters):
                        headers["X-View-Seq"] = VIEW_SEQ
                response.headers = headers
            if shows_case and not writes and self.responses is not None:
                self.responses["304"] = OpenAPIResponse(
                    description="Not modified: the case is still at the ETag sent",
                    headers={"ETag": ETAG, "X-Request-ID": REQUEST_ID},
                )

    return DocumentedOperation
