"""A tenant administrator's settings for messages to complainants: the templates per step and
language (``PUT/GET /v1/tenant/templates``), and the SMS/WeChat gateway
(``PUT/GET /v1/tenant/feedback-gateway``). services/feedback says what they hold."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import asyncpg
from litestar import Controller, Request, get, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from services.api.auth import Principal, tenant_admin
from services.api.problems import FieldError
from services.bus.destinations import Destinations
from services.clock import Clock
from services.feedback.gateway import GatewayStore
from services.feedback.templates import (
    LANGUAGES,
    PLACEHOLDERS,
    STEPS,
    Template,
    TemplateInvalid,
    TemplateStore,
    check,
)
from services.settings import Settings
from services.store.repository import NotFound

Req = Request[Principal, Any, Any]
NO_NUL = r"^[^\x00]*$"
Subject = Annotated[str, Meta(min_length=1, max_length=300, pattern=NO_NUL)]
Body = Annotated[str, Meta(min_length=1, max_length=20_000, pattern=NO_NUL)]
Url = Annotated[str, Meta(min_length=8, max_length=2000, pattern=NO_NUL)]


class TemplateIn(Struct, forbid_unknown_fields=True, kw_only=True):
    subject: Subject
    body: Body


class TemplateOut(Struct, kw_only=True):
    step: str
    lang: str
    subject: str
    body: str
    set_by: str
    set_at: datetime


class Templates(Struct, kw_only=True):
    items: list[TemplateOut]  # the tenant's own; a step and language not listed uses the default
    placeholders: dict[str, str]


class GatewayIn(Struct, forbid_unknown_fields=True, kw_only=True):
    url: Url


class GatewaySet(Struct, kw_only=True):
    url: str
    secret: str  # shown this once: the gateway keeps it to check the signatures


class GatewayOut(Struct, kw_only=True):
    url: str
    secret_sha256: str
    set_by: str
    set_at: datetime


class FeedbackSettingsController(Controller):
    path = "/v1/tenant"
    guards = [tenant_admin]
    tags = ["feedback"]

    @put("/templates/{step:str}/{lang:str}", operation_id="setFeedbackTemplate")
    async def set_template(
        self,
        request: Req,
        step: FromPath[str],
        lang: FromPath[str],
        data: JSONBody[TemplateIn],
        pool: NamedDependency[asyncpg.Pool],
        clock: NamedDependency[Clock],
    ) -> TemplateOut:
        """The tenant's own template for a step and language, used from the next message on;
        every version is kept with who set it and when."""
        if step not in STEPS:
            raise FieldError("step", f"one of {', '.join(STEPS)}")
        if lang not in LANGUAGES:
            raise FieldError("lang", f"one of {', '.join(LANGUAGES)}")
        template = Template(data.subject, data.body)
        try:
            check(template)
        except TemplateInvalid as invalid:
            raise FieldError(invalid.field, invalid.reason) from None
        assert request.user.tenant_id is not None  # guarded
        now = clock.now()
        await TemplateStore(pool).put(
            request.user.tenant_id, step, lang, template, request.user.person, now
        )
        return TemplateOut(
            step=step,
            lang=lang,
            subject=data.subject,
            body=data.body,
            set_by=request.user.person,
            set_at=now,
        )

    @get("/templates", operation_id="listFeedbackTemplates")
    async def templates(self, request: Req, pool: NamedDependency[asyncpg.Pool]) -> Templates:
        assert request.user.tenant_id is not None
        rows = await TemplateStore(pool).listed(request.user.tenant_id)
        return Templates(items=[TemplateOut(**dict(r)) for r in rows], placeholders=PLACEHOLDERS)

    @put("/feedback-gateway", operation_id="setFeedbackGateway")
    async def set_gateway(
        self,
        request: Req,
        data: JSONBody[GatewayIn],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
        clock: NamedDependency[Clock],
    ) -> GatewaySet:
        """The tenant's SMS/WeChat gateway; a new signing secret each time, shown once."""
        # the webhooks' check: ForbiddenDestination, a 422 naming the url; each send checks
        # the URL again
        await Destinations(settings.webhook_allowed_networks).admit(data.url)
        assert request.user.tenant_id is not None
        secret = await GatewayStore(pool, settings).put(
            request.user.tenant_id, data.url, request.user.person, clock.now()
        )
        return GatewaySet(url=data.url, secret=secret)

    @get("/feedback-gateway", operation_id="getFeedbackGateway")
    async def gateway(
        self, request: Req, pool: NamedDependency[asyncpg.Pool], settings: NamedDependency[Settings]
    ) -> GatewayOut:
        assert request.user.tenant_id is not None
        row = await GatewayStore(pool, settings).shown(request.user.tenant_id)
        if row is None:
            raise NotFound("feedback gateway", request.user.tenant_id)
        return GatewayOut(**dict(row))
