"""Build the Litestar application around a Runtime (the composition root's product)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.datastructures import State
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from services import tracing
from services.api.actions import case_actions
from services.api.audit import AuditController, auditors_read_only, checkpoint_public_key
from services.api.auth import ApiKeyAuth
from services.api.case_commands import command_routes
from services.api.case_studies import CaseStudyController
from services.api.complaints import ComplaintController
from services.api.console import console
from services.api.deps import service_dependencies
from services.api.feedback_settings import FeedbackSettingsController
from services.api.groups import GroupController
from services.api.health import health, ready
from services.api.http_metrics import HttpMetrics
from services.api.originating_reports import OriginatingReportController
from services.api.problem_docs import ProblemResponses
from services.api.problem_types import problem_type, require_json
from services.api.problems import HANDLERS
from services.api.public.intake import file_complaint_publicly, intake_form, intake_page
from services.api.public.pages import style as public_style
from services.api.public.status import public_status
from services.api.rate_limits import Limit, RateLimit, RateLimiter
from services.api.reports import ReportController
from services.api.request_context import HTTP_METRICS, RequestContext, stamp_and_log
from services.api.sessions import SessionController, cors_config
from services.api.stream import stream
from services.api.tenants import TenantController
from services.api.time_travel import TimeTravelController
from services.api.timestamps import utc_timestamps
from services.api.tracing_plugin import litestar_plugins, name_request_span
from services.api.units import UnitController
from services.api.views import ViewController, metrics
from services.api.webhooks import WebhookController
from services.runtime import Runtime
from services.settings import Settings
from services.workers.start import in_process_workers

OPEN_PATHS = ["^/schema"]


def create_app(runtime: Runtime) -> Litestar:
    # off (no endpoint): no provider, no plugin, no hook
    traced = tracing.install(runtime.settings.tracing_endpoint) is not None

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await runtime.open()
        try:
            async with in_process_workers(runtime):
                yield
        finally:
            await runtime.close()
            tracing.uninstall()  # the spans still buffered go out

    return Litestar(
        route_handlers=[
            health,
            ready,
            metrics,
            TenantController,
            UnitController,
            ComplaintController,
            CaseStudyController,
            ReportController,
            FeedbackSettingsController,
            public_style,
            file_complaint_publicly,
            intake_page,
            intake_form,
            public_status(),
            OriginatingReportController,
            GroupController,
            ViewController,
            *command_routes(),
            AuditController,
            TimeTravelController,
            checkpoint_public_key,
            stream,
            SessionController,
            case_actions,
            WebhookController,
            problem_type,
            console,
        ],
        # app-wide, so no write route can forget it: auditor keys read (recorded) and no more
        guards=[auditors_read_only],
        dependencies=service_dependencies(),
        # outermost first: the request's id, then who is calling, then their rate
        middleware=[
            RequestContext,
            # OPTIONS too: Litestar skips it by default, and then the controllers' guards
            # met no principal (a 500); a browser's preflight (OPTIONS with an Origin) is
            # answered before this, by the CORS configuration below
            DefineMiddleware(ApiKeyAuth, exclude=OPEN_PATHS, exclude_http_methods=()),
            DefineMiddleware(RateLimit, limiter=rate_limiter(runtime.settings)),
        ],
        # outside the routes: a preflight is answered before authentication
        cors_config=cors_config(runtime.settings),
        before_request=require_json,
        before_send=[stamp_and_log, *([name_request_span] if traced else [])],
        after_request=utc_timestamps,  # every answer's datetimes in one form
        plugins=[ProblemResponses(), *litestar_plugins()],
        exception_handlers=HANDLERS,
        lifespan=[lifespan],
        state=State({"runtime": runtime, HTTP_METRICS: HttpMetrics()}),
        request_max_body_size=runtime.settings.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Complaints",
            version="1.0.0",
            path="/schema",
            components=Components(
                security_schemes={
                    "apiKey": SecurityScheme(
                        type="http", scheme="bearer", description="Authorization: Bearer <API key>"
                    ),
                }
            ),
            security=[{"apiKey": []}],
        ),
    )


def rate_limiter(settings: Settings) -> RateLimiter:
    return RateLimiter(
        Limit(settings.rate_per_key, max(1, settings.burst_per_key)),
        Limit(settings.rate_per_tenant, max(1, settings.burst_per_tenant)),
    )
