"""Request ids and the access log.

A request keeps the ``X-Request-ID`` it came with (when it is a plain token of at most 128
characters) or gets a new one; the answer echoes it in the same header, problem documents
carry it as ``request_id``, and so does every log line written while serving it.

The middleware runs first on every routed request; the ``before_send`` hook sees every
answer, including those the router or an exception handler writes, so the access line has
the status that really left.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import ClientException
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from services.api.http_metrics import HttpMetrics
from services.logs import REQUEST_ID, TENANT

HEADER = "x-request-id"
HTTP_METRICS = "http_metrics"  # the app's state key for its HttpMetrics
VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
access_log = logging.getLogger("complaints.access")


def request_id_of(scope: Scope) -> str:
    """The request's id, fixed on first use (the caller's, if it is well formed)."""
    state = scope.setdefault("state", {})
    found = state.get("request_id")
    if found is None:
        sent = _header(scope, HEADER.encode())
        found = sent if sent and VALID_ID.fullmatch(sent) else uuid.uuid4().hex
        state["request_id"] = found
    return found


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RequestContext:
    """Outermost middleware: the request's id and start time, for everything inside."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {}).setdefault("started", time.perf_counter())
            REQUEST_ID.set(request_id_of(scope))
            TENANT.set(None)  # set by the rate limiter once the key is known
            if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
                # PostgreSQL text cannot hold it; refused for every parameter at once
                raise ClientException("a NUL character (%00) is not accepted in a URL")
            metrics = http_metrics_of(scope)
            if metrics is not None:
                metrics.in_flight.inc()
                try:
                    await self.app(scope, receive, send)
                finally:
                    metrics.in_flight.dec()
                return
        await self.app(scope, receive, send)


def http_metrics_of(scope: Scope) -> HttpMetrics | None:
    app = scope.get("litestar_app")
    return app.state.get(HTTP_METRICS) if app is not None else None


async def stamp_and_log(message: Message, scope: Scope) -> None:
    """``before_send``: echo the id on the answer, and log one line when it is complete."""
    if scope["type"] != "http":
        return
    state = scope.setdefault("state", {})
    if message["type"] == "http.response.start":
        MutableScopeHeaders.from_message(message)[HEADER] = request_id_of(scope)
        state["status"] = message["status"]
    elif message["type"] == "http.response.body" and not message.get("more_body", False):
        started = state.get("started")
        seconds = time.perf_counter() - started if started else 0.0
        if (metrics := http_metrics_of(scope)) is not None:
            metrics.answered(
                scope.get("path_template"), scope["method"], state.get("status", 0), seconds
            )
        user: Any = scope.get("user")
        tenant = getattr(user, "tenant_id", None)
        access_log.info(
            "request",
            extra={
                "request_id": request_id_of(scope),
                "tenant": str(tenant) if tenant else None,
                "method": scope["method"],
                # the route's template, never the query (?q= may hold a name) nor the
                # values in the path (a group's name is the tenant's free text)
                "path": scope.get("path_template") or None,
                "status": state.get("status"),
                "duration_ms": round(seconds * 1000, 2) if started else None,
            },
        )
