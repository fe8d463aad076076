"""Read screens over the view tables: case list, role inbox, deadlines, dashboard, metrics.

``?after_seq=N`` (from a command's answer) waits, at most ``wait`` seconds, until the view
has applied the tenant's seq N: read-your-writes without reading the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.params import Parameter, QueryParameter
from msgspec import Struct

from projections import case_list, deadlines, stats
from projections.runner import ProjectionRunner
from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant, visible_units
from services.api.paging import (
    Cursor,
    decode_cursor,
    maybe_moment,
    moment,
    next_cursor,
    paged,
    text,
    uuid,
)
from services.api.problem_docs import spec
from services.api.read_models import Dashboard, dashboard_out
from services.api.request_context import HTTP_METRICS
from services.audit.checkpoints import Checkpoints
from services.bus.signing import BusSigner
from services.clock import Clock
from services.handlers.directory import TenantDirectory
from services.handlers.views import ViewReads
from services.metrics import scrape_refusal
from services.settings import Settings

Req = Request[Principal, Any, Any]
MAX_SEQ = 2**63 - 1  # seq is a bigint: a larger number is a 422, not a database error
AfterSeq = Annotated[
    int | None, Parameter(ge=0, le=MAX_SEQ, description="wait until the view has it")
]
Wait = Annotated[float, Parameter(ge=0, le=10, description="seconds to wait for after_seq")]


class InboxItem(Struct):
    case_id: UUID
    summary: str
    status: str
    category: str | None
    level: int
    rung: str | None
    unit: str | None  # the unit the case belongs to; null: the tenant's root
    roles: list[str]  # the caller's roles the case waits on
    since: datetime  # waiting since
    reasons: str
    due_at: datetime | None  # the earliest open deadline naming one of those roles


class InboxPage(Struct):
    roles: list[str]
    items: list[InboxItem]
    next_cursor: str | None


class DeadlineItem(Struct):
    case_id: UUID
    deadline_id: str
    kind: str
    rule: str
    roles: list[str]
    started_at: datetime
    due_at: datetime
    state: str


class DeadlinePage(Struct):
    state: str
    items: list[DeadlineItem]
    next_cursor: str | None


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
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[InboxPage]:
        """Most urgent first: by due_at (none last), then since, then case_id. A role held
        in units brings only the cases of those units (and the units below them)."""
        tenant_id = request.user.tenant_id
        headers = await caught_up(views, "case_list", tenant_id, after_seq, wait)
        roles = sorted(request.user.roles)
        scope = request.user.scope
        wide, pairs = (
            (roles, []) if scope is None else (sorted(scope.tenant_wide), scope.role_units())
        )
        after = decode_cursor(cursor, maybe_moment, moment, uuid) if cursor else None
        async with views.reading(tenant_id) as conn:
            rows = await case_list.inbox(conn, tenant_id, wide, limit, after, pairs)
        following = next_cursor(rows, limit, "due_at", "since", "case_id")
        page = InboxPage(roles, [InboxItem(**dict(r)) for r in rows], following)
        return Response(page, headers=paged(request, headers, following))

    @get("/deadlines", operation_id="listDeadlines")
    async def list_deadlines(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        clock: NamedDependency[Clock],
        wanted: Annotated[Literal["open", "overdue"], QueryParameter(name="state")] = "open",
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 200,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[DeadlinePage]:
        """Soonest due first: by due_at, then case_id, then deadline_id; only those of the
        cases the reader sees."""
        tenant_id = request.user.tenant_id
        units = visible_units(request.user, await caller_tenant(directory, request.user), None)
        headers = await caught_up(views, "deadlines", tenant_id, after_seq, wait)
        after = decode_cursor(cursor, moment, uuid, text) if cursor else None
        async with views.reading(tenant_id) as conn:
            rows = await deadlines.list_deadlines(
                conn, tenant_id, wanted, clock.now(), limit, after=after, units=units
            )
        following = next_cursor(rows, limit, "due_at", "case_id", "deadline_id")
        page = DeadlinePage(wanted, [DeadlineItem(**dict(r)) for r in rows], following)
        return Response(page, headers=paged(request, headers, following))

    @get("/stats", operation_id="dashboard")
    async def dashboard(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        unit: Annotated[
            str | None,
            Parameter(
                max_length=40, description="a unit: its cases and those of the units below it"
            ),
        ] = None,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[Dashboard]:
        """Counts of the cases the reader sees; ``unit``: that unit's and those below it."""
        tenant = await caller_tenant(directory, request.user)
        units = visible_units(request.user, tenant, unit)
        headers = await caught_up(views, "stats", tenant.id, after_seq, wait)
        async with views.reading(tenant.id) as conn:
            body = await stats.dashboard(conn, tenant.id, tenant.timezone, units)
        return Response(dashboard_out(body), headers=headers)


@get(
    "/metrics",
    operation_id="metrics",
    exclude_from_auth=True,
    tags=["health"],
    media_type="text/plain; version=0.0.4",
    # may_scrape's refusals: no API key is involved, so not the usual 401/403 words
    responses={
        401: spec(401, "COMPLAINTS_METRICS_KEY is set and the Bearer token is not it"),
        403: spec(403, "No COMPLAINTS_METRICS_KEY is set and the scrape came from another host"),
    },
)
async def metrics(
    request: Request,
    projections: NamedDependency[ProjectionRunner],
    checkpoints: NamedDependency[Checkpoints],
    bus_signer: NamedDependency[BusSigner],
    settings: NamedDependency[Settings],
) -> str:
    """Prometheus text: the API's requests and process, how far each view, the signer and
    the bus readers are from the ledger, per tenant, and the work of this process's relay,
    webhook deliveries and deadline watcher (none counted where another process runs them)."""
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
    work = request.app.state["runtime"].metrics  # the runtime's: every app over it shares it
    return "\n".join(lines) + "\n" + request.app.state[HTTP_METRICS].text() + work.text()


def may_scrape(request: Request, metrics_key: str | None) -> None:
    """The scrape rule of ``services.metrics.scrape_refusal``, answered as a problem."""
    host = request.client.host if request.client else ""
    refused = scrape_refusal(request.headers.get("authorization", ""), host, metrics_key)
    if refused is None:
        return
    if refused.startswith("401"):
        raise NotAuthorizedException("send Authorization: Bearer <COMPLAINTS_METRICS_KEY>")
    raise PermissionDeniedException(
        "/metrics answers this host only: set COMPLAINTS_METRICS_KEY to scrape it from afar"
    )
