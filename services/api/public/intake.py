"""A complainant files without a key: the JSON API (``POST /public/{slug}/complaints``) and the
form page (``GET``/``POST /public/{slug}``). Each filing gets a tracking number and the secret
link (told once: only its hash is recorded), is the complainant's own (channel "web"), and is
limited per client address and per tenant (429 with Retry-After)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID, uuid5

import asyncpg
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException, TooManyRequestsException
from litestar.params import FromPath, JSONBody
from msgspec import Meta, Struct

from domain import commands as c
from domain.tenant import Tenant, tenant_id_for
from services.api.problem_docs import spec
from services.api.problems import FieldError
from services.api.public.pages import page_language, render
from services.api.rate_limits import Limit, RateLimiter
from services.api.schemas import NO_NUL, Language, Strict, Text
from services.clock import Clock
from services.handlers.cases import Cases, Written
from services.handlers.directory import TenantDirectory
from services.handlers.tracking import case_link, draw_tracking, new_access
from services.handlers.views import ViewReads
from services.settings import Settings
from services.store.idempotency import IdempotentRequest, fingerprint
from services.store.repository import NotFound

MAX_SUMMARY = 500
MAX_DETAILS = 10_000
MAX_NAME = 100
MAX_EMAIL = 254
MAX_PHONE = 30
EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
PHONE = r"^[0-9+\- ]*[0-9][0-9+\- ]*$"
LIMITER = "public_intake_limiter"  # the app's state: one limiter per application

# what the form's consent box says is recorded, and why (the page shows it in its language)
CONSENT = {
    "en": (
        "I agree that my name, e-mail address and phone number are recorded with my complaint, "
        "so that staff can handle it and tell me what becomes of it. They are kept sealed and "
        "shown only to the staff who handle complaints."
    ),
    "zh-CN": (
        "我同意将我的姓名、电子邮箱和电话号码与投诉一并记录，以便工作人员处理投诉并告知处理结果。"
        "这些信息加密保存，仅向处理投诉的工作人员显示。"
    ),
}

# field -> reason, in each language
REASONS = {
    "summary": (
        "Say in a sentence what happened (up to 500 characters)",
        "请用一句话说明情况（最多 500 字）",
    ),
    "details": ("At most 10,000 characters", "最多 10000 字"),
    "name": ("Your name (up to 100 characters)", "请填写姓名（最多 100 字）"),
    "email": ("Not an e-mail address", "电子邮箱格式不正确"),
    "phone": ("Digits, +, - and spaces, up to 30", "电话号码只能包含数字、+、- 和空格，最多 30 位"),
    "contact": (
        "Give an e-mail address or a phone number, so we can answer you",
        "请至少填写电子邮箱或电话号码，以便答复您",
    ),
    "consent": (
        "Tick the box to agree, or we cannot file the complaint",
        "请勾选同意，否则无法受理投诉",
    ),
}


class PublicComplaintIn(Strict):
    summary: Annotated[str, Meta(min_length=1, max_length=MAX_SUMMARY, pattern=NO_NUL)]
    name: Annotated[str, Meta(min_length=1, max_length=MAX_NAME, pattern=NO_NUL)]
    # must be true: the complainant agrees that their contact is recorded (422 otherwise)
    consent: bool
    details: Text = ""
    # at least one of email and phone, so the organisation can answer
    email: Annotated[str, Meta(max_length=MAX_EMAIL, pattern=EMAIL)] | None = None
    phone: Annotated[str, Meta(max_length=MAX_PHONE, pattern=PHONE)] | None = None
    language: Language | None = None  # the complainant's; absent: the organisation's


class PublicFiledOut(Struct):
    tracking: str  # what the complainant quotes (HOSP-2026-000123)
    # the complainant's secret link to follow the case, told once: keep it
    link: str
    case_id: UUID


@dataclass(frozen=True)
class Filing:
    summary: str
    details: str
    name: str
    email: str | None
    phone: str | None
    language: str


def field_errors(values: dict[str, Any]) -> dict[str, str]:
    """Each field that is wrong, by name, with the key of its reason in ``REASONS`` (neither
    e-mail nor phone: ``email``, for ``contact``): the rules the API and the form apply."""
    summary, name = values.get("summary") or "", values.get("name") or ""
    email, phone = values.get("email") or "", values.get("phone") or ""
    wrong = {
        "summary": not 0 < len(summary.strip()) <= MAX_SUMMARY or "\x00" in summary,
        "details": len(values.get("details") or "") > MAX_DETAILS
        or "\x00" in (values.get("details") or ""),
        "name": not 0 < len(name.strip()) <= MAX_NAME or "\x00" in name,
        "email": bool(email) and (len(email) > MAX_EMAIL or not re.match(EMAIL, email)),
        "phone": bool(phone) and (len(phone) > MAX_PHONE or not re.match(PHONE, phone)),
        "consent": values.get("consent") is not True,
    }
    found = {field: field for field, bad in wrong.items() if bad}
    if not email.strip() and not phone.strip():
        found["email"] = "contact"
    return found


def filing_of(values: dict[str, Any], language: str) -> Filing:
    return Filing(
        summary=values["summary"].strip(),
        details=(values.get("details") or "").strip(),
        name=values["name"].strip(),
        email=(values.get("email") or "").strip() or None,
        phone=(values.get("phone") or "").strip() or None,
        language=language,
    )


async def public_tenant(directory: TenantDirectory, slug: str) -> Tenant | None:
    """The tenant the slug names, unless it is unknown or offboarded."""
    tenant = await directory.get(tenant_id_for(slug))
    return None if tenant is None or tenant.offboarded_at is not None else tenant


def limiter_of(request: Request, settings: Settings) -> RateLimiter:
    """The application's limiter for public filings, made on first use from its settings."""
    state = request.app.state
    limiter = state.get(LIMITER)
    if limiter is None:
        limiter = RateLimiter(
            window_limit(settings.public_filings_per_address, settings.public_address_minutes),
            window_limit(settings.public_filings_per_tenant, settings.public_tenant_minutes),
        )
        state[LIMITER] = limiter
    return limiter


def window_limit(filings: int, minutes: float) -> Limit:
    """``filings`` at once, refilled over ``minutes`` (0 filings: no limit)."""
    if filings <= 0 or minutes <= 0:
        return Limit(rate=0, burst=1)
    return Limit(rate=filings / (minutes * 60), burst=filings)


def wait_for(request: Request, settings: Settings, tenant: Tenant) -> int:
    """Takes a filing from the client address's allowance (whichever tenant it files with)
    and the tenant's: 0 when allowed, else whole seconds to wait."""
    address = request.client.host if request.client else "unknown"
    wait = limiter_of(request, settings).take(address, str(tenant.id))
    return 0 if wait <= 0 else max(1, math.ceil(wait))


async def file_public(
    cases: Cases,
    views: ViewReads,
    pool: asyncpg.Pool,
    clock: Clock,
    settings: Settings,
    tenant: Tenant,
    filing: Filing,
    body: bytes,
) -> PublicFiledOut:
    """File the complainant's case with a tracking number and a new link."""
    received_at = clock.now()
    tracking = await draw_tracking(pool, tenant, received_at)
    token, sha256 = new_access()
    complainant: dict[str, Any] = {
        "name": filing.name,
        "contact": " / ".join(v for v in (filing.email, filing.phone) if v),
        "language": filing.language,
    }
    if filing.email:
        complainant["email"] = filing.email
    if filing.phone:
        complainant["phone"] = filing.phone
    command = c.File(
        received_at=received_at,
        channel="web",
        summary=filing.summary,
        details=filing.details,
        complainant=complainant,
        tracking=tracking,
        access_sha256=sha256,
    )
    # no Idempotency-Key: nothing is kept for a retry (the answer holds the secret link)
    once = IdempotentRequest(
        tenant.id, uuid5(tenant.id, "public"), None, fingerprint("POST", "/public", body)
    )
    answer = await cases.file_new(tenant, command, c.COMPLAINANT, once)
    written = answer.body
    assert isinstance(written, Written)
    # the link is found through the case list: answer once it holds the case, so the link
    # opens the moment it is followed (or after two seconds, when it opens a moment later)
    await views.caught_up("case_list", tenant.id, written.seq, 2.0)
    return PublicFiledOut(
        tracking, case_link(settings.public_base_url, tenant.slug, token), written.id
    )


@post(
    "/public/{slug:str}/complaints",
    operation_id="fileComplaintPublicly",
    summary="A complainant files a complaint, without a key",
    exclude_from_auth=True,
    status_code=201,
    finds_nothing=True,  # documents its 404: an unknown or offboarded organisation
    responses={422: spec(422), 429: spec(429), 415: spec(415)},
    tags=["public"],
)
async def file_complaint_publicly(
    request: Request,
    slug: FromPath[str],
    data: JSONBody[PublicComplaintIn],
    cases: NamedDependency[Cases],
    views: NamedDependency[ViewReads],
    directory: NamedDependency[TenantDirectory],
    pool: NamedDependency[asyncpg.Pool],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Response[PublicFiledOut]:
    """201: the tracking number and the secret link to follow the case (told once: keep it).
    422 names the field; ``contact`` when neither ``email`` nor ``phone`` is given."""
    tenant = await public_tenant(directory, slug)
    if tenant is None:
        raise NotFound("organisation", slug)
    values = {f: getattr(data, f) for f in PublicComplaintIn.__struct_fields__}
    wrong = field_errors(values)
    if wrong:
        field, reason = next(iter(wrong.items()))
        raise FieldError(field, REASONS[reason][0])
    wait = wait_for(request, settings, tenant)
    if wait:
        raise TooManyRequestsException(
            "too many complaints from this address or for this organisation; retry later",
            headers={"Retry-After": str(wait)},
        )
    filing = filing_of(values, data.language or tenant.language)
    body = await request.body()
    filed = await file_public(cases, views, pool, clock, settings, tenant, filing, body)
    return Response(filed, status_code=201)


# --- the form page ------------------------------------------------------------------------


async def form_only(request: Request) -> None:
    """The form page's POST reads a form (the API's JSON rule does not hold here)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise HTTPException(status_code=415, detail="send the form as a browser does")


def form_page(
    request: Request,
    tenant: Tenant,
    lang: str,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
    too_many: bool = False,
) -> Response[str]:
    zh = lang == "zh-CN"
    shown = {field: REASONS[reason][1 if zh else 0] for field, reason in (errors or {}).items()}
    return render(
        request,
        "intake.html",
        lang,
        status_code=status_code,
        tenant_name=tenant.name,
        slug=tenant.slug,
        values=values or {},
        errors=shown,
        consent_text=CONSENT[lang],
        too_many=too_many,
        limits={"summary": MAX_SUMMARY, "details": MAX_DETAILS, "name": MAX_NAME},
    )


def unknown_page(request: Request) -> Response[str]:
    lang = page_language(request, "zh-CN")
    return render(request, "intake.html", lang, status_code=404, tenant_name="", missing=True)


@get("/public/{slug:str}", exclude_from_auth=True, include_in_schema=False)
async def intake_page(
    request: Request, slug: FromPath[str], directory: NamedDependency[TenantDirectory]
) -> Response[str]:
    tenant = await public_tenant(directory, slug)
    if tenant is None:
        return unknown_page(request)
    return form_page(request, tenant, page_language(request, tenant.language))


@post(
    "/public/{slug:str}",
    exclude_from_auth=True,
    include_in_schema=False,
    before_request=form_only,
    status_code=200,
)
async def intake_form(
    request: Request,
    slug: FromPath[str],
    cases: NamedDependency[Cases],
    views: NamedDependency[ViewReads],
    directory: NamedDependency[TenantDirectory],
    pool: NamedDependency[asyncpg.Pool],
    clock: NamedDependency[Clock],
    settings: NamedDependency[Settings],
) -> Response[str]:
    tenant = await public_tenant(directory, slug)
    if tenant is None:
        return unknown_page(request)
    lang = page_language(request, tenant.language)
    form = await request.form()
    values: dict[str, Any] = {
        f: str(form.get(f) or "") for f in ("summary", "details", "name", "email", "phone")
    }
    values["consent"] = form.get("consent") in ("yes", "on", "true")
    wrong = field_errors(values)
    if wrong:
        return form_page(request, tenant, lang, values, wrong, status_code=422)
    wait = wait_for(request, settings, tenant)
    if wait:
        page = form_page(request, tenant, lang, values, status_code=429, too_many=True)
        page.headers["Retry-After"] = str(wait)
        return page
    body = await request.body()
    filing = filing_of(values, lang)
    filed = await file_public(cases, views, pool, clock, settings, tenant, filing, body)
    return render(
        request,
        "filed.html",
        lang,
        tenant_name=tenant.name,
        slug=tenant.slug,
        tracking=filed.tracking,
        link=filed.link,
    )
