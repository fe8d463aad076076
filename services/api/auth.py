"""Authentication and guards: the Bearer key, or the browser's session cookie, becomes the
request's Principal (services/handlers/api_keys.py decides whose key it is,
services/handlers/sessions.py which key a session acts as)."""

from __future__ import annotations

import hmac

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.tenant import ADMIN_ROLE
from services.handlers.api_keys import Principal
from services.handlers.sessions import Session

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "ApiKeyAuth",
    "CsrfMismatch",
    "Principal",
    "check_csrf",
    "platform_admin",
    "tenant_admin",
    "tenant_member",
]

SESSION_COOKIE = "complaints_session"
CSRF_HEADER = "x-csrf-token"
# What a browser sends to another site without asking first; with a cookie alone, each of
# the others must prove the page that sends it read the session's CSRF token.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class CsrfMismatch(Exception):
    """A write sent with the session cookie lacks the session's X-CSRF-Token."""


class ApiKeyAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        authorization = connection.headers.get("authorization")
        token = connection.cookies.get(SESSION_COOKIE)
        if authorization is None and token:
            return await by_session(connection, token)
        scheme, _, key = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise NotAuthorizedException(
                "send Authorization: Bearer <API key>, or sign in (POST /v1/session)"
            )
        principal = await connection.app.state.runtime.authenticator.principal(key)
        if principal is None:
            raise NotAuthorizedException("unknown or revoked API key")
        return AuthenticationResult(user=principal, auth=key)


async def by_session(connection: ASGIConnection, token: str) -> AuthenticationResult:
    """The session's principal; ``auth`` is the Session, so a route can tell the two apart."""
    session = await connection.app.state.runtime.sessions.use(token)
    if session is None:
        raise NotAuthorizedException("the session has ended: sign in again (POST /v1/session)")
    check_csrf(connection, session)
    return AuthenticationResult(user=session.principal, auth=session)


def check_csrf(connection: ASGIConnection, session: Session) -> None:
    if connection.scope["method"] in SAFE_METHODS:
        return
    sent = connection.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise CsrfMismatch(
            f"a {connection.scope['method']} with the session cookie needs the session's "
            "X-CSRF-Token (GET /v1/session gives it)"
        )


async def platform_admin(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if not connection.user.is_platform_admin:
        raise PermissionDeniedException("only the platform administrator may do this")


async def tenant_member(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    if connection.user.tenant_id is None:
        raise PermissionDeniedException("this needs a tenant's API key")


async def tenant_admin(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    await tenant_member(connection, handler)
    if ADMIN_ROLE not in connection.user.roles:
        raise PermissionDeniedException("only the tenant administrator may do this")
