"""Liveness and readiness, for load balancers and for ``make run``'s first look."""

from __future__ import annotations

import asyncpg
from litestar import Response, get
from litestar.di import NamedDependency
from litestar.openapi.datastructures import ResponseSpec
from msgspec import Struct
from nats.aio.client import Client as NatsClient

from projections.runner import ProjectionRunner
from services.audit.checkpoints import Checkpoints


class Health(Struct):
    status: str  # always "ok": the process answers


class ReadyChecks(Struct):
    database: bool  # SELECT 1 answered within 2 s
    bus: bool  # connected to NATS


class Ready(Struct, kw_only=True):
    ready: bool  # both checks pass (the status is 200, else 503)
    checks: ReadyChecks
    projection_lag: dict[str, int]  # per view, the most events any tenant is behind
    projection_quarantined: dict[str, int]  # per view, events set aside
    checkpoints_refused: dict[str, str]  # tenant id -> why the signer refused its chain


@get("/health", operation_id="health", exclude_from_auth=True, tags=["health"])
async def health() -> Health:
    return Health(status="ok")


@get(
    "/ready",
    operation_id="ready",
    exclude_from_auth=True,
    tags=["health"],
    responses={
        503: ResponseSpec(Ready, description="not ready: the same checks", generate_examples=False)
    },
)
async def ready(
    pool: NamedDependency[asyncpg.Pool],
    nats: NamedDependency[NatsClient],
    projections: NamedDependency[ProjectionRunner],
    checkpoints: NamedDependency[Checkpoints],
) -> Response[Ready]:
    checks = ReadyChecks(database=await _database_answers(pool), bus=nats.is_connected)
    status = 200 if checks.database and checks.bus else 503
    headers = {} if status == 200 else {"Retry-After": "2"}
    lag = await projections.worst_lag() if checks.database else {}
    # Set-aside events want an operator, not a restart: reported, and the process stays ready.
    aside = await projections.quarantined() if checks.database else []
    quarantined: dict[str, int] = {}
    for row in aside:
        quarantined[row.view] = quarantined.get(row.view, 0) + row.events
    # a chain the signer refused to vouch for: the auditors' business, shown, not a restart
    refused = await checkpoints.refusals() if checks.database else []
    body = Ready(
        ready=status == 200,
        checks=checks,
        projection_lag=lag,
        projection_quarantined=quarantined,
        checkpoints_refused={str(r["tenant_id"]): r["reason"] for r in refused},
    )
    return Response(body, status_code=status, headers=headers)


async def _database_answers(pool: asyncpg.Pool) -> bool:
    try:
        return await pool.fetchval("SELECT 1", timeout=2) == 1
    except Exception:
        return False
