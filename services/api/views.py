"""Read screens over the view tables: case list, role inbox, deadlines, dashboard, metrics.

``?after_seq=N`` (from a command's answer) waits, at most ``wait`` seconds, until the view
has applied the tenant's seq N: read-your-writes without reading the ledger.
"""

from __future__ import annotations

import base64
import hmac
import ipaddress
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.params import Parameter, QueryParameter

from projections import case_list, deadlines, stats
from projections.runner import ProjectionRunner
from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant
from services.api.problems import FieldError
from services.api.request_context import HTTP_METRICS
from services.audit.checkpoints import Checkpoints
from services.bus.signing import BusSigner
from services.clock import Clock
from services.handlers.directory import TenantDirectory
from services.handlers.views import ViewReads
from services.settings import Settings

Req = Request[Principal, Any, Any]
MAX_SEQ = 2**63 - 1  # seq is a bigint: a larger number is a 422, not a database error
AfterSeq = Annotated[
    int | None, Parameter(ge=0, le=MAX_SEQ, description="wait until the view has it")
]
Wait = Annotated[float, Parameter(ge=0, le=10, description="seconds to wait for after_seq")]


# Moments a query may name: a bound beyond them is clamped to them. Every case was received
# between 2000 and now (domain/complaint.py), so clamping changes no answer, and a bound in
# year 1 or 9999 with an offset, which a datetime cannot convert to UTC, never reaches a query.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9000, 1, 1, tzinfo=UTC)


def query_moment(name: str, value: datetime | None) -> datetime | None:
    """A datetime from a query, with its offset, clamped to the moments a query may name."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise FieldError(name, "must be RFC 3339 with an offset, e.g. 2026-03-02T09:00:00Z")
    try:
        return min(max(value, EARLIEST_MOMENT), LATEST_MOMENT)
    except OverflowError:  # year 1 or 9999 with an offset: the year says which end
        return EARLIEST_MOMENT if value.year < 5000 else LATEST_MOMENT


def encode_cursor(received_at: datetime, case_id: UUID) -> str:
    raw = json.dumps([received_at.isoformat(), str(case_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        received_at, case_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        moment = query_moment("cursor", datetime.fromisoformat(received_at))
        assert moment is not None
        return moment, UUID(case_id)
    except (ValueError, TypeError, FieldError):
        raise FieldError("cursor", "not a cursor this API gave out") from None


async def caught_up(
    views: ViewReads, view: str, tenant_id: UUID, after_seq: int | None, wait: float
) -> dict[str, str]:
    """The X-View-Seq header once the view holds ``after_seq`` (or ``wait`` ran out)."""
    reached = await views.caught_up(view, tenant_id, after_seq, wait)
    return {} if reached is None else {"X-View-Seq": str(reached)}


class ViewController(Controller):
    path = "/v1"
    guards = [tenant_member]
    tags = ["views"]

    @get("/inbox", operation_id="inbox")
    async def inbox(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[dict[str, Any]]:
        tenant_id = request.user.tenant_id
        headers = await caught_up(views, "case_list", tenant_id, after_seq, wait)
        roles = sorted(request.user.roles)
        async with views.reading(tenant_id) as conn:
            rows = await case_list.inbox(conn, tenant_id, roles, limit)
        return Response({"roles": roles, "items": [dict(r) for r in rows]}, headers=headers)

    @get("/deadlines", operation_id="listDeadlines")
    async def list_deadlines(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        clock: NamedDependency[Clock],
        wanted: Annotated[Literal["open", "overdue"], QueryParameter(name="state")] = "open",
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[dict[str, Any]]:
        tenant_id = request.user.tenant_id
        headers = await caught_up(views, "deadlines", tenant_id, after_seq, wait)
        async with views.reading(tenant_id) as conn:
            rows = await deadlines.list_deadlines(conn, tenant_id, wanted, clock.now(), limit)
        return Response({"state": wanted, "items": [dict(r) for r in rows]}, headers=headers)

    @get("/stats", operation_id="dashboard")
    async def dashboard(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[dict[str, Any]]:
        tenant = await caller_tenant(directory, request.user)
        headers = await caught_up(views, "stats", tenant.id, after_seq, wait)
        async with views.reading(tenant.id) as conn:
            body = await stats.dashboard(conn, tenant.id, tenant.timezone)
        return Response(body, headers=headers)


@get(
    "/metrics",
    operation_id="metrics",
    exclude_from_auth=True,
    tags=["health"],
    media_type="text/plain; version=0.0.4",
)
async def metrics(
    request: Request,
    projections: NamedDependency[ProjectionRunner],
    checkpoints: NamedDependency[Checkpoints],
    bus_signer: NamedDependency[BusSigner],
    settings: NamedDependency[Settings],
) -> str:
    """Prometheus text: the API's requests and process, and how far each view, the signer
    and the bus readers are from the ledger, per tenant."""
    may_scrape(request, settings.metrics_key)
    lines = [
        "# HELP complaints_projection_lag_events Events recorded but not yet applied.",
        "# TYPE complaints_projection_lag_events gauge",
    ]
    for lag in await projections.lag():
        lines.append(
            f'complaints_projection_lag_events{{view="{lag.view}",'
            f'tenant="{lag.tenant_id}"}} {lag.behind}'
        )
    lines += [
        "# HELP complaints_projection_quarantined_events Events a view set aside: it could not"
        " apply them (docs/read-side.md).",
        "# TYPE complaints_projection_quarantined_events gauge",
    ]
    for aside in await projections.quarantined():
        lines.append(
            f'complaints_projection_quarantined_events{{view="{aside.view}",'
            f'tenant="{aside.tenant_id}"}} {aside.events}'
        )
    lines += [
        "# HELP complaints_checkpoint_refused_seq The seq at which the signer found a tenant's"
        " chain broken and refused to sign (docs/audit.md).",
        "# TYPE complaints_checkpoint_refused_seq gauge",
    ]
    for refused in await checkpoints.refusals():
        lines.append(
            f'complaints_checkpoint_refused_seq{{tenant="{refused["tenant_id"]}"}} {refused["seq"]}'
        )
    lines += [
        "# HELP complaints_bus_rejected_messages_total Bus messages this process dropped for want"
        " of the relay's signature: its SSE feeds', and its webhook deliveries' when it runs"
        " them (docs/bus.md).",
        "# TYPE complaints_bus_rejected_messages_total counter",
        f"complaints_bus_rejected_messages_total {bus_signer.rejected}",
    ]
    return "\n".join(lines) + "\n" + request.app.state[HTTP_METRICS].text()


def may_scrape(request: Request, metrics_key: str | None) -> None:
    """With COMPLAINTS_METRICS_KEY set, a scrape must send it as a Bearer token; without
    it, only a client on this host may scrape (lag per tenant is for operators only)."""
    if metrics_key is not None:
        sent = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(sent.encode(), metrics_key.encode()):
            raise NotAuthorizedException("send Authorization: Bearer <COMPLAINTS_METRICS_KEY>")
        return
    host = request.client.host if request.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host in ("localhost", "testclient")
    if not loopback:
        raise PermissionDeniedException(
            "/metrics answers this host only: set COMPLAINTS_METRICS_KEY to scrape it from afar"
        )
