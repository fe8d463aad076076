"""The OpenAPI document names the problem documents every route may answer with.

Litestar documents a 400 of its own shape (``status_code``, ``detail``) and nothing else;
our errors leave as ``application/problem+json`` (problems.py) with other fields and other
statuses. This plugin gives each route the statuses it can answer, with the problem
schema, unless the route declared that status itself.
"""

from __future__ import annotations

from typing import Any

from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute
from msgspec import Struct

from services.api.problems import PROBLEM_JSON


class FieldProblem(Struct):
    field: str
    reason: str


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
    413: "The request body is too large",
    422: "A field is invalid",
    429: "Too many requests for this key or tenant: see Retry-After",
    500: "Internal error",
    503: "A backing service is unavailable: see Retry-After",
}
OPEN = (400, 500, 503)  # routes without a key: no 401, 403 or 429
READS = (400, 401, 403, 404, 422, 429, 500, 503)
WRITES = (*READS, 409, 413)


def spec(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        description=DESCRIPTIONS[status],
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
    declared: dict[int, Any] = dict(handler.responses or {})
    handler.responses = {**{s: spec(s) for s in statuses}, **declared}
