"""Liveness and readiness, for load balancers and for ``make run``'s first look."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec

from services.runtime import Runtime


@get("/health", operation_id="health", exclude_from_auth=True, tags=["health"])
async def health() -> dict[str, str]:
    return {"status": "ok"}


@get(
    "/ready",
    operation_id="ready",
    exclude_from_auth=True,
    tags=["health"],
    responses={
        503: ResponseSpec(
            dict[str, Any], description="not ready: the same checks", generate_examples=False
        )
    },
)
async def ready(runtime: NamedDependency[Runtime]) -> Response[dict[str, object]]:
    checks = {"database": await _database_answers(runtime), "bus": _bus_answers(runtime)}
    status = 200 if all(checks.values()) else 503
    headers = {} if status == 200 else {"Retry-After": "2"}
    lag = await runtime.projections.worst_lag() if checks["database"] else {}
    body = {"ready": status == 200, "checks": checks, "projection_lag": lag}
    return Response(body, status_code=status, headers=headers)


async def _database_answers(runtime: NamedDependency[Runtime]) -> bool:
    try:
        return await runtime.pool.fetchval("SELECT 1", timeout=2) == 1
    except Exception:
        return False


def _bus_answers(runtime: NamedDependency[Runtime]) -> bool:
    return runtime.nats is not None and runtime.nats.is_connected
