"""Helpers every controller shares: the runtime, the caller's tenant, idempotent writes."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.datastructures import State

from domain.tenant import Tenant
from services.api.problems import FieldError
from services.auth import Principal
from services.idempotency import Answer, Work, fingerprint, run_once
from services.repository import NotFound
from services.runtime import Runtime

PLATFORM_SCOPE = UUID(int=0)
IDEMPOTENCY_HEADER = "idempotency-key"
MAX_IDEMPOTENCY_KEY = 200


def provide_runtime(state: State) -> Runtime:
    return state.runtime


async def caller_tenant(runtime: Runtime, principal: Principal) -> Tenant:
    assert principal.tenant_id is not None  # guarded by tenant_member
    tenant = principal.tenant or await runtime.directory.get(principal.tenant_id)
    if tenant is None:
        raise NotFound("tenant", principal.tenant_id)
    return tenant


async def write_once(
    request: Request[Principal, Any, Any],
    runtime: Runtime,
    work: Work,
    headers: dict[str, str] | None = None,
    rolls_back: bool = False,
) -> Response:
    """Run ``work`` in one transaction; with an Idempotency-Key, at most once.
    ``rolls_back``: every effect of ``work`` is in the ledger (see ``run_once``)."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise FieldError("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    scope = request.user.tenant_id or PLATFORM_SCOPE
    body = await request.body()
    answer: Answer = await run_once(
        runtime.ledger,
        scope,
        key,
        fingerprint(request.method, request.url.path, body),
        work,
        rolls_back=rolls_back,
    )
    return Response(answer.body, status_code=answer.status, headers=headers or {})
