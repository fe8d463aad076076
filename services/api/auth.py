"""Authentication and guards: the Bearer key becomes the request's Principal
(services/handlers/api_keys.py decides whose key it is)."""

from __future__ import annotations

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from domain.tenant import ADMIN_ROLE
from services.handlers.api_keys import Principal

__all__ = ["ApiKeyAuth", "Principal", "platform_admin", "tenant_admin", "tenant_member"]


class ApiKeyAuth(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        scheme, _, key = connection.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key:
            raise NotAuthorizedException("send Authorization: Bearer <API key>")
        principal = await connection.app.state.runtime.authenticator.principal(key)
        if principal is None:
            raise NotAuthorizedException("unknown or revoked API key")
        return AuthenticationResult(user=principal, auth=key)


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
