"""The complainant's status page and API, by the case's secret link or a short-lived access
token (tracking number plus a code sent to their e-mail or phone), and their own answers on
it, each run through ``Cases.act`` as the complainant (C4).

What a status shows is status_view.py's. A token that opens nothing is a 404, the same
whatever the reason (unknown tenant, unknown or ended token); asking for a code is a 202,
the same whether or not the number exists, or a 422 when the tenant can send codes by no
channel at all, which says nothing of any case.
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import uuid5

import asyncpg
from litestar import Request, Response, Router, get, post
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency, Provide
from litestar.exceptions import TooManyRequestsException
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import DomainError
from domain.tenant import Tenant, tenant_id_for
from services.api.problem_docs import spec
from services.api.problems import FieldError, status_for
from services.api.public.pages import LANGUAGES, page_language, render
from services.api.public.status_view import (
    FOLLOW_UP,
    Accepted,
    GrantedOut,
    StatusOut,
    status_of,
    words,
)
from services.api.rate_limits import Limit, RateLimiter
from services.api.schemas import NO_NUL
from services.bus.destinations import Destinations
from services.clock import Clock
from services.handlers.cases import Cases
from services.handlers.complainant_access import MAX_TRACKING, ComplainantAccess, NoCodeChannel
from services.handlers.directory import TenantDirectory
from services.settings import Settings
from services.store.idempotency import IdempotentRequest, fingerprint
from services.store.repository import NotFound

# --- finding the case ------------------------------------------------------------------


def language(request: Request, tenant: Tenant, case: Complaint | None = None) -> str:
    """``?lang=`` or the browser's, else the complainant's own (given at intake), else the
    tenant's."""
    theirs = case.complainant.get("language") if case is not None else None
    return page_language(request, theirs if theirs in LANGUAGES else tenant.language)


async def public_tenant(directory: TenantDirectory, slug: str) -> Tenant:
    tenant = await directory.get(tenant_id_for(slug))
    if tenant is None or tenant.offboarded_at is not None:
        raise NotFound("case", "for this link")
    return tenant


async def opened(
    directory: TenantDirectory, gate: ComplainantAccess, slug: str, token: str
) -> tuple[Tenant, Complaint]:
    """The tenant and the case ``token`` opens; one 404 for every reason it opens none."""
    tenant = await public_tenant(directory, slug)
    case = await gate.case_for(tenant, token)
    if case is None:
        raise NotFound("case", "for this link")
    return tenant, case


async def current_status(
    cases: Cases, tenant: Tenant, case: Complaint, lang: str, written: bool = False
) -> StatusOut:
    """The status from the case and its history; after the complainant's own write, from the
    case as it is now."""
    history = [event for _, event in await cases.recorded(tenant.id, case.id)]
    now = await cases.get(tenant.id, case.id) if written else case
    return status_of(tenant, now, history, lang)


async def as_complainant(
    request: Request, cases: Cases, tenant: Tenant, case: Complaint, command: c.Command
) -> None:
    """The complainant's own answer, through the case's policy like any other command (C4)."""
    body = await request.body()
    sha = fingerprint(request.method, request.url.path, body)
    scope = uuid5(tenant.id, f"complainant/{case.id}")
    await cases.act(
        tenant,
        case.id,
        command,
        c.COMPLAINANT,
        None,
        IdempotentRequest(tenant.id, scope, None, sha),
    )


async def answered(
    request: Request,
    cases: Cases,
    directory: TenantDirectory,
    gate: ComplainantAccess,
    slug: str,
    token: str,
    command: c.Command,
) -> StatusOut:
    """The complainant's ``command`` on the case their token opens, and the status after it."""
    tenant, case = await opened(directory, gate, slug, token)
    await as_complainant(request, cases, tenant, case, command)
    return await current_status(cases, tenant, case, language(request, tenant, case), True)


def satisfaction(score: int, comment: str) -> c.RecordSatisfaction:
    """The follow-up's score and what the complainant said with it (S10)."""
    return c.RecordSatisfaction(score=score, stage=FOLLOW_UP, comment=comment.strip())


# --- request bodies --------------------------------------------------------------------

Text = Annotated[str, Meta(max_length=4000, pattern=NO_NUL)]
Tracking = Annotated[str, Meta(min_length=1, max_length=MAX_TRACKING, pattern=NO_NUL)]


class ResponseCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    accepted: bool
    text: Text = ""


class MaterialsCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    description: Annotated[str, Meta(min_length=1, max_length=4000, pattern=NO_NUL)]
    reference: Annotated[str, Meta(max_length=500, pattern=NO_NUL)] | None = None


class FollowUpCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    score: Annotated[int, Meta(ge=1, le=5)]
    comment: Text = ""


class TrackCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    tracking: Tracking


class TrackVerify(Struct, kw_only=True, forbid_unknown_fields=True):
    tracking: Tracking
    code: Annotated[str, Meta(min_length=1, max_length=12, pattern=NO_NUL)]


# --- the JSON API ----------------------------------------------------------------------

API = "/public/{slug:str}/api/cases/{token:str}"
NOT_FOUND = {404: spec(404)}
WRITE_ANSWERS = {403: spec(403), 404: spec(404), 409: spec(409), 422: spec(422)}


@get(
    API,
    exclude_from_auth=True,
    operation_id="getComplainantStatus",
    tags=["complainant"],
    summary="The complainant's view of their case",
    responses=NOT_FOUND,
)
async def status_json(
    request: Request,
    slug: FromPath[str],
    token: FromPath[str],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
) -> StatusOut:
    tenant, case = await opened(directory, gate, slug, token)
    return await current_status(cases, tenant, case, language(request, tenant, case))


@post(
    f"{API}/response",
    exclude_from_auth=True,
    status_code=200,
    tags=["complainant"],
    operation_id="answerComplainantProposal",
    summary="Accept or decline the proposed answer",
    responses=WRITE_ANSWERS,
)
async def response_json(
    request: Request,
    slug: FromPath[str],
    token: FromPath[str],
    data: JSONBody[ResponseCreate],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
) -> StatusOut:
    command = c.RecordResponse(accepted=data.accepted, text=data.text)
    return await answered(request, cases, directory, gate, slug, token, command)


@post(
    f"{API}/materials",
    exclude_from_auth=True,
    status_code=200,
    tags=["complainant"],
    operation_id="addComplainantMaterials",
    summary="Add written materials (H6)",
    responses=WRITE_ANSWERS,
)
async def materials_json(
    request: Request,
    slug: FromPath[str],
    token: FromPath[str],
    data: JSONBody[MaterialsCreate],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
) -> StatusOut:
    command = c.AttachEvidence(description=data.description, reference=data.reference)
    return await answered(request, cases, directory, gate, slug, token, command)


@post(
    f"{API}/follow-up",
    exclude_from_auth=True,
    status_code=200,
    tags=["complainant"],
    operation_id="answerComplainantFollowUp",
    summary="Rate the handling at the follow-up (S10)",
    responses=WRITE_ANSWERS,
)
async def follow_up_json(
    request: Request,
    slug: FromPath[str],
    token: FromPath[str],
    data: JSONBody[FollowUpCreate],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
) -> StatusOut:
    command = satisfaction(data.score, data.comment)
    return await answered(request, cases, directory, gate, slug, token, command)


# --- by tracking number and a code -----------------------------------------------------

SENT = "if this number exists, a code was sent to the e-mail address or phone given with it"
NO_CHANNEL = (
    "this organisation sends codes neither by e-mail nor by SMS: use the link given when the "
    "complaint was filed, or ask the organisation"
)


async def ask_code(gate: ComplainantAccess, tenant: Tenant, tracking: str) -> None:
    try:
        await gate.send_code(tenant, tracking)
    except NoCodeChannel:
        raise FieldError("tracking", NO_CHANNEL) from None


def check_rate(limiter: RateLimiter, request: Request, tenant: Tenant, *more: str) -> None:
    """Per client address and per tenant (and per number where given): past it, a 429."""
    address = request.client.host if request.client else "unknown"
    for name in (address, *more):
        wait = limiter.take(f"{tenant.id}/{name}", str(tenant.id))
        if wait > 0:
            raise TooManyRequestsException(
                "too many requests; retry after the pause given",
                headers={"Retry-After": str(max(1, int(wait + 0.999)))},
            )


@post(
    "/public/{slug:str}/track",
    exclude_from_auth=True,
    status_code=202,
    tags=["complainant"],
    operation_id="requestComplainantCode",
    summary="Send a one-time code for a tracking number by e-mail or SMS",
    responses={422: spec(422), 429: spec(429)},
)
async def track_json(
    request: Request,
    slug: FromPath[str],
    data: JSONBody[TrackCreate],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
    code_limiter: NamedDependency[RateLimiter],
) -> Response[Accepted]:
    """202, whether or not the number exists; 422 (``tracking``) when the organisation has
    no channel to send codes by, whatever the number."""
    tenant = await directory.get(tenant_id_for(slug))
    if tenant is not None and tenant.offboarded_at is None:
        check_rate(code_limiter, request, tenant, data.tracking.strip().upper())
        await ask_code(gate, tenant, data.tracking)
    return Response(Accepted(SENT), status_code=202)


@post(
    "/public/{slug:str}/track/verify",
    exclude_from_auth=True,
    status_code=200,
    tags=["complainant"],
    operation_id="verifyComplainantCode",
    summary="Trade the code for an hour's access to the case",
    responses={404: spec(404), 422: spec(422), 429: spec(429)},
)
async def verify_json(
    request: Request,
    slug: FromPath[str],
    data: JSONBody[TrackVerify],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
    verify_limiter: NamedDependency[RateLimiter],
) -> GrantedOut:
    tenant = await public_tenant(directory, slug)
    check_rate(verify_limiter, request, tenant)
    granted = await gate.verify(tenant, data.tracking, data.code.strip())
    if granted is None:
        raise NotFound("code", "for this number: ask for a new one")
    case = await cases.get(tenant.id, granted.case_id)
    lang = language(request, tenant, case)
    status = await current_status(cases, tenant, case, lang)
    return GrantedOut(granted.token, granted.expires_at, status)


# --- the pages -------------------------------------------------------------------------

PAGE = "/public/{slug:str}/cases/{token:str}"


async def forms_too(request: Request) -> None:
    """The pages post plain forms (no script): the API's JSON-only check does not apply."""


def not_found_page(request: Request) -> Response[str]:
    lang = page_language(request, "zh-CN")
    return render(request, "status.html", lang, status_code=404, tenant_name="", status=None)


async def page(
    request: Request,
    slug: str,
    token: str,
    cases: Cases,
    directory: TenantDirectory,
    gate: ComplainantAccess,
    message: str = "",
    error: str = "",
    status_code: int = 200,
) -> Response[str]:
    try:
        tenant, case = await opened(directory, gate, slug, token)
    except NotFound:
        return not_found_page(request)
    lang = language(request, tenant, case)
    status = await current_status(cases, tenant, case, lang)
    return render(
        request,
        "status.html",
        lang,
        status_code=status_code,
        tenant_name=tenant.name,
        status=status,
        action=f"/public/{slug}/cases/{token}",
        message=message,
        error=error,
    )


@get(PAGE, exclude_from_auth=True, include_in_schema=False)
async def status_page(
    request: Request,
    slug: FromPath[str],
    token: FromPath[str],
    cases: NamedDependency[Cases],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
) -> Response[str]:
    return await page(request, slug, token, cases, directory, gate)


def form_command(kind: str, form: dict[str, str]) -> c.Command:
    """The answer a page's form asks for; a wrong value is a FieldError naming the field."""
    if kind == "response":
        if form.get("accepted") not in ("true", "false"):
            raise FieldError("accepted", "choose accept or decline")
        return c.RecordResponse(accepted=form["accepted"] == "true", text=form.get("text", ""))
    if kind == "materials":
        if not form.get("description", "").strip():
            raise FieldError("description", "describe the materials")
        return c.AttachEvidence(
            description=form["description"], reference=form.get("reference") or None
        )
    score = form.get("score", "")
    if score not in {"1", "2", "3", "4", "5"}:
        raise FieldError("score", "a score is 1 to 5")
    return satisfaction(int(score), form.get("comment", ""))


DONE = {
    "response": ("已收到您的答复", "Your answer was recorded"),
    "materials": ("已收到您的材料", "Your materials were recorded"),
    "follow-up": ("感谢您的评分", "Thank you for your rating"),
}


async def answer_page(
    kind: str,
    request: Request,
    slug: str,
    token: str,
    cases: Cases,
    directory: TenantDirectory,
    gate: ComplainantAccess,
) -> Response[str]:
    """A page's form answered: the page again, with what was recorded or why not."""
    try:
        tenant, case = await opened(directory, gate, slug, token)
    except NotFound:
        return not_found_page(request)
    zh = language(request, tenant, case) == "zh-CN"
    form = {k: str(v) for k, v in (await request.form()).items()}
    try:
        command = form_command(kind, form)
        await as_complainant(request, cases, tenant, case, command)
    except (FieldError, DomainError) as error:
        # the status the API's JSON answer gives the same error (services/api/problems.py):
        # a refusal 403, a bad field 422, a state that allows no such answer 409
        status = status_for(request, error)
        return await page(
            request, slug, token, cases, directory, gate, error=str(error), status_code=status
        )
    return await page(request, slug, token, cases, directory, gate, message=words(DONE[kind], zh))


def page_answer(kind: str) -> Any:
    """The page's route for one kind of answer (a form posted to ``{page}/{kind}``)."""

    async def answer(
        request: Request,
        slug: FromPath[str],
        token: FromPath[str],
        cases: NamedDependency[Cases],
        directory: NamedDependency[TenantDirectory],
        gate: NamedDependency[ComplainantAccess],
    ) -> Response[str]:
        return await answer_page(kind, request, slug, token, cases, directory, gate)

    answer.__name__ = f"answer_page_{kind.replace('-', '_')}"
    return post(
        f"{PAGE}/{kind}",
        exclude_from_auth=True,
        include_in_schema=False,
        status_code=200,
        before_request=forms_too,
    )(answer)


@get("/public/{slug:str}/track", exclude_from_auth=True, include_in_schema=False)
async def track_page(
    request: Request, slug: FromPath[str], directory: NamedDependency[TenantDirectory]
) -> Response[str]:
    try:
        tenant = await public_tenant(directory, slug)
    except NotFound:
        return not_found_page(request)
    lang = language(request, tenant)
    # the number comes filled in from the link in a message (services/feedback): ?number=
    number = request.query_params.get("number", "")[:40]
    return render(request, "track.html", lang, tenant_name=tenant.name, slug=slug, tracking=number)


@post(
    "/public/{slug:str}/track/form",
    exclude_from_auth=True,
    include_in_schema=False,
    status_code=200,
    before_request=forms_too,
)
async def track_form(
    request: Request,
    slug: FromPath[str],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
    code_limiter: NamedDependency[RateLimiter],
) -> Response[str]:
    try:
        tenant = await public_tenant(directory, slug)
    except NotFound:
        return not_found_page(request)
    form = await request.form()
    tracking = str(form.get("tracking", "")).strip()[:MAX_TRACKING]
    lang = language(request, tenant)
    if tracking:
        check_rate(code_limiter, request, tenant, tracking.upper())
        try:
            await gate.send_code(tenant, tracking)
        except NoCodeChannel:
            return render(
                request, "track.html", lang, status_code=422, tenant_name=tenant.name,
                slug=slug, tracking=tracking, no_channel=True,
            )  # fmt: skip
    return render(
        request,
        "track.html",
        lang,
        tenant_name=tenant.name,
        slug=slug,
        tracking=tracking,
        sent=bool(tracking),
    )


@post(
    "/public/{slug:str}/track/verify/form",
    exclude_from_auth=True,
    include_in_schema=False,
    status_code=200,
    before_request=forms_too,
)
async def verify_form(
    request: Request,
    slug: FromPath[str],
    directory: NamedDependency[TenantDirectory],
    gate: NamedDependency[ComplainantAccess],
    verify_limiter: NamedDependency[RateLimiter],
) -> Response[str]:
    try:
        tenant = await public_tenant(directory, slug)
    except NotFound:
        return not_found_page(request)
    check_rate(verify_limiter, request, tenant)
    form = await request.form()
    tracking = str(form.get("tracking", "")).strip()[:MAX_TRACKING]
    granted = await gate.verify(tenant, tracking, str(form.get("code", "")).strip()[:12])
    lang = language(request, tenant)
    if granted is None:
        return render(
            request,
            "track.html",
            lang,
            status_code=404,
            tenant_name=tenant.name,
            slug=slug,
            tracking=tracking,
            sent=True,
            wrong=True,
        )
    return Response(
        "",
        status_code=303,
        headers={
            "Location": f"/public/{slug}/cases/{granted.token}",
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )


# --- the router ------------------------------------------------------------------------


def public_status() -> Router:
    """The status routes with their own limiters (one set per app): codes asked for are
    limited per address, number and tenant; tries at a code per address and tenant."""
    code_limiter = RateLimiter(Limit(1 / 60, 5), Limit(1, 60))
    verify_limiter = RateLimiter(Limit(1 / 6, 20), Limit(5, 200))

    def provide_gate(
        cases: NamedDependency[Cases],
        settings: NamedDependency[Settings],
        pool: NamedDependency[asyncpg.Pool],
        clock: NamedDependency[Clock],
    ) -> ComplainantAccess:
        destinations = Destinations(settings.webhook_allowed_networks)
        return ComplainantAccess(pool, cases, clock, settings, pin=destinations.resolve)

    return Router(
        path="/",
        route_handlers=[
            status_json,
            response_json,
            materials_json,
            follow_up_json,
            track_json,
            verify_json,
            status_page,
            *map(page_answer, DONE),
            track_page,
            track_form,
            verify_form,
        ],
        # a status names the case and a token opens it: kept by no cache, sent to no one
        response_headers=[
            ResponseHeader(name="Cache-Control", value="no-store"),
            ResponseHeader(name="Referrer-Policy", value="no-referrer"),
        ],
        dependencies={
            "gate": Provide(provide_gate, sync_to_thread=False),
            "code_limiter": Provide(lambda: code_limiter, sync_to_thread=False),
            "verify_limiter": Provide(lambda: verify_limiter, sync_to_thread=False),
        },
    )
