"""A tenant administrator's webhooks: add one for a role (of the whole tenant, or of one unit
and the units below it), list them, remove one, read its log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, Parameter
from msgspec import Meta, Struct

from services.api.auth import Principal, tenant_admin
from services.api.deps import caller_tenant
from services.api.paging import Cursor, decode_cursor, integer, moment, next_cursor, paged, text
from services.api.problems import FieldError
from services.api.schemas import Role
from services.bus.destinations import Destinations
from services.bus.webhooks import WebhookStore
from services.handlers.directory import TenantDirectory
from services.handlers.tenancy import Tenancy
from services.settings import Settings
from services.store.repository import NotFound

Req = Request[Principal, Any, Any]
Url = Annotated[str, Meta(min_length=8, max_length=2000, pattern=r"^[^\x00]*$")]


class WebhookIn(Struct, forbid_unknown_fields=True, kw_only=True):
    role: Role
    url: Url
    unit: Annotated[str, Meta(min_length=1, max_length=40)] | None = None  # None: the tenant


class WebhookCreated(Struct, kw_only=True):
    webhook_id: UUID
    role: str
    unit: str | None
    url: str
    secret: str  # shown this once: the receiver keeps it to check signatures


class WebhookOut(Struct, kw_only=True):
    webhook_id: UUID
    role: str
    unit: str | None  # the unit whose cases it is sent (and those below it); None: all
    url: str
    active: bool
    created_by: str
    created_at: datetime


class DeliveryOut(Struct, kw_only=True):
    message_id: str
    attempt: int
    outcome: str
    http_status: int | None
    error: str | None
    duration_ms: int
    at: datetime


class DeliveryPage(Struct, kw_only=True):
    items: list[DeliveryOut]
    next_cursor: str | None


class WebhookDeactivated(Struct, kw_only=True):
    webhook_id: UUID
    active: bool  # always false: it is sent nothing more


class WebhookController(Controller):
    path = "/v1/webhooks"
    guards = [tenant_admin]
    tags = ["bus"]

    @post("/", operation_id="createWebhook", status_code=201)
    async def create(
        self,
        request: Req,
        data: JSONBody[WebhookIn],
        webhooks: NamedDependency[WebhookStore],
        tenancy: NamedDependency[Tenancy],
        directory: NamedDependency[TenantDirectory],
        settings: NamedDependency[Settings],
    ) -> WebhookCreated:
        tenant = await caller_tenant(directory, request.user)
        if data.role not in tenancy.valid_roles(tenant):
            raise FieldError("role", f"not a role of policy {tenant.policy}")
        if data.unit is not None:
            unit = tenant.units.get(data.unit)
            if unit is None:
                raise FieldError("unit", f"no unit {data.unit!r} in this tenant")
            if unit.retired:
                raise FieldError("unit", f"unit {data.unit!r} is retired")
        # ForbiddenDestination, a 422 naming the url; each delivery checks the URL again
        await Destinations(settings.webhook_allowed_networks).admit(data.url)
        hook = await webhooks.create(tenant.id, data.role, data.url, request.user.person, data.unit)
        return WebhookCreated(
            webhook_id=hook.webhook_id,
            role=hook.role,
            unit=hook.unit_id,
            url=hook.url,
            secret=hook.secret,
        )

    @get("/", operation_id="listWebhooks")
    async def listed(
        self, request: Req, webhooks: NamedDependency[WebhookStore]
    ) -> list[WebhookOut]:
        rows = await webhooks.listed(request.user.tenant_id)
        return [WebhookOut(**dict(r)) for r in rows]

    @post("/{webhook_id:uuid}/deactivate", operation_id="deactivateWebhook", status_code=200)
    async def deactivate(
        self, request: Req, webhook_id: FromPath[UUID], webhooks: NamedDependency[WebhookStore]
    ) -> WebhookDeactivated:
        if not await webhooks.deactivate(request.user.tenant_id, webhook_id):
            raise NotFound("webhook", webhook_id)
        return WebhookDeactivated(webhook_id=webhook_id, active=False)

    @get("/{webhook_id:uuid}/deliveries", operation_id="listWebhookDeliveries")
    async def deliveries(
        self,
        request: Req,
        webhook_id: FromPath[UUID],
        webhooks: NamedDependency[WebhookStore],
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=500)] = 100,
    ) -> Response[DeliveryPage]:
        """The newest first: by at, then attempt, then message_id."""
        store = webhooks
        after = decode_cursor(cursor, moment, integer, text) if cursor else None
        rows = await store.deliveries(request.user.tenant_id, webhook_id, limit, after)
        if not rows and webhook_id not in {
            r["webhook_id"] for r in await store.listed(request.user.tenant_id)
        }:
            raise NotFound("webhook", webhook_id)  # not an empty list: it is not the caller's
        following = next_cursor(rows, limit, "at", "attempt", "message_id")
        page = DeliveryPage(items=[DeliveryOut(**dict(r)) for r in rows], next_cursor=following)
        return Response(page, headers=paged(request, {}, following))
