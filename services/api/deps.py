"""Helpers every controller shares: the runtime, the caller's tenant, idempotent writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

from litestar import Request, Response
from litestar.datastructures import State

from domain.complaint import Complaint
from domain.tenant import Tenant
from services.api.problems import FieldError
from services.api.schemas import WrittenOut
from services.auth import Principal
from services.idempotency import Answer, Decided, Work, append_once, fingerprint, run_once
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


def idempotency_of(request: Request[Principal, Any, Any]) -> tuple[UUID, str | None]:
    """The scope and the Idempotency-Key (if any) of a write, the key checked."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise FieldError("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    return request.user.tenant_id or PLATFORM_SCOPE, key


async def save_case_once(
    request: Request[Principal, Any, Any],
    runtime: Runtime,
    tenant_id: UUID,
    decide: Callable[[], Awaitable[Complaint]],
    status: int,
) -> Response:
    """Save the case ``decide`` returns (its new events) and answer its id, version and seq;
    with an Idempotency-Key, at most once, in one statement (``append_once``)."""
    scope, key = idempotency_of(request)
    body = await request.body()

    async def decided() -> Decided:
        case = await decide()
        return Decided(
            tenant_id,
            runtime.repository.to_stored(case),
            status,
            lambda seq: WrittenOut(case.id, case.version, seq),
        )

    sha = fingerprint(request.method, request.url.path, body)
    answer = await append_once(runtime.ledger, scope, key, sha, decided)
    return Response(answer.body, status_code=answer.status)


async def write_once(
    request: Request[Principal, Any, Any],
    runtime: Runtime,
    work: Work,
    headers: dict[str, str] | None = None,
    rolls_back: bool = False,
) -> Response:
    """Run ``work`` in one transaction; with an Idempotency-Key, at most once.
    ``rolls_back``: every effect of ``work`` is in the ledger (see ``run_once``)."""
    scope, key = idempotency_of(request)
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
