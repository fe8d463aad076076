"""Browser access: ``/v1/session`` turns a tenant's API key into a session cookie, and the
CORS configuration says which other origins' pages may call the API with it.

The cookie (``complaints_session``) is HttpOnly, SameSite=Strict, Path=/ and Secure where the
request came over https (``COMPLAINTS_SESSION_SECURE``); every write sent with it carries the
session's ``X-CSRF-Token`` (services/api/auth.py checks it). docs/api.md, "Browser sessions
and CORS", is the contract.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.config.cors import CORSConfig
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.params import JSONBody
from msgspec import Meta, Struct

from services.api.auth import SESSION_COOKIE, Principal, check_csrf, tenant_member
from services.api.problem_docs import spec
from services.api.schemas import NO_NUL
from services.handlers.sessions import Session, Sessions
from services.settings import Settings

Req = Request[Principal, Any, Any]
MAX_KEY = 200  # characters; a tenant's key is about 110
# What a page on an allowed origin may send and read besides the CORS-safelisted headers.
ALLOWED_HEADERS = [
    "authorization",
    "content-type",
    "idempotency-key",
    "if-match",
    "if-none-match",
    "last-event-id",
    "x-csrf-token",
    "x-request-id",
]
EXPOSED_HEADERS = ["ETag", "Location", "Retry-After", "X-Request-ID", "X-View-Seq"]


def cors_config(settings: Settings) -> CORSConfig:
    """Always installed, so a preflight is answered before authentication; with no origins
    configured every cross-origin preflight is refused and the console's own origin alone
    calls the API. Origins are exact (settings refuse wildcards), credentials allowed."""
    return CORSConfig(
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=ALLOWED_HEADERS,
        allow_credentials=True,
        expose_headers=EXPOSED_HEADERS,
        max_age=600,
    )


class SessionCreate(Struct, kw_only=True, forbid_unknown_fields=True):
    key: Annotated[str, Meta(min_length=1, max_length=MAX_KEY, pattern=NO_NUL)]


class SessionTenantOut(Struct):
    id: str
    slug: str
    name: str
    language: str
    timezone: str


class SessionPersonOut(Struct):
    id: str
    name: str
    roles: list[str]


class SessionOut(Struct):
    csrf_token: str
    tenant: SessionTenantOut
    person: SessionPersonOut
    expires_at: datetime
    idle_expires_at: datetime


def session_out(session: Session) -> SessionOut:
    principal = session.principal
    tenant = principal.tenant
    assert tenant is not None  # a session's principal is always a tenant's
    person = tenant.people.get(principal.person)
    return SessionOut(
        csrf_token=session.csrf_token,
        tenant=SessionTenantOut(
            str(tenant.id), tenant.slug, tenant.name, tenant.language, tenant.timezone
        ),
        person=SessionPersonOut(
            principal.person, person.name if person else principal.person, sorted(principal.roles)
        ),
        expires_at=session.expires_at,
        idle_expires_at=session.idle_expires_at,
    )


def session_cookie(value: str, max_age: int, secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/",
        max_age=max_age,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def secure_cookie(request: Request, settings: Settings) -> bool:
    """``auto``: over https, as uvicorn saw it (it applies X-Forwarded-Proto only from the
    proxies FORWARDED_ALLOW_IPS trusts, loopback by default)."""
    if settings.session_secure == "auto":
        return request.url.scheme == "https"
    return settings.session_secure == "true"


DOCUMENTED_COOKIE = Cookie(
    key=SESSION_COOKIE,
    path="/",
    httponly=True,
    samesite="strict",
    description="The session, sent back by the browser; Secure where served over https",
    documentation_only=True,
)


class SessionController(Controller):
    path = "/v1/session"
    tags = ["session"]

    @post(
        "/",
        exclude_from_auth=True,
        status_code=201,
        operation_id="signIn",
        summary="Sign in: an API key becomes the browser's session cookie",
        response_cookies=[DOCUMENTED_COOKIE],
        responses={401: spec(401), 415: spec(415), 422: spec(422)},
    )
    async def sign_in(
        self,
        request: Request,
        data: JSONBody[SessionCreate],
        sessions: NamedDependency[Sessions],
        settings: NamedDependency[Settings],
    ) -> Response[SessionOut]:
        previous = request.cookies.get(SESSION_COOKIE)
        session = await sessions.open(data.key)
        if session is None:
            raise NotAuthorizedException("unknown or revoked API key, or not a tenant's key")
        if previous:
            await sessions.close(previous)  # one browser, one session
        max_age = int(sessions.lifetime.total_seconds())
        cookie = session_cookie(session.token, max_age, secure_cookie(request, settings))
        return Response(session_out(session), status_code=201, cookies=[cookie])

    @get("/", guards=[tenant_member], operation_id="getSession", summary="Who is signed in")
    async def show(self, request: Req) -> SessionOut:
        """The session's CSRF token, tenant and person; a request with an API key has none."""
        if not isinstance(request.auth, Session):
            raise NotAuthorizedException("no session: sign in (POST /v1/session)")
        return session_out(request.auth)

    @delete(
        "/",
        exclude_from_auth=True,
        status_code=204,
        operation_id="signOut",
        summary="Sign out: the session ends and its cookie is cleared",
        responses={403: spec(403)},
    )
    async def sign_out(
        self,
        request: Request,
        sessions: NamedDependency[Sessions],
        settings: NamedDependency[Settings],
    ) -> Response[None]:
        """Ends the session the cookie names; a live one only with its X-CSRF-Token. Without
        a cookie, or with one that has ended already, there is nothing to end: still a 204."""
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            session = await sessions.use(token)
            if session is not None:
                check_csrf(request, session)
            await sessions.close(token)
        cleared = session_cookie("", 0, secure_cookie(request, settings))
        return Response(None, status_code=204, cookies=[cleared])
