"""What controllers receive: the typed services of the runtime as Litestar dependencies, the
caller's tenant, and the Idempotency-Key of a write.

A controller names the services it uses (``cases: NamedDependency[Cases]``); none receives
the whole Runtime.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

import asyncpg
from litestar import Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from nats.aio.client import Client as NatsClient

from domain.complaint import Complaint
from domain.tenant import Tenant
from domain.units import units_seen
from projections.runner import ProjectionRunner
from services.api.auth import Principal
from services.api.problems import FieldError
from services.audit.checkpoints import Checkpoints
from services.audit.heavy import HeavyWork
from services.audit.trail import ReadLog
from services.bus.signing import BusSigner
from services.bus.webhooks import WebhookStore
from services.clock import Clock
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.handlers.sessions import Sessions
from services.handlers.tenancy import Tenancy
from services.handlers.tenant_keys import DataKeys
from services.handlers.views import ViewReads
from services.settings import Settings
from services.store.idempotency import Answer, IdempotentRequest, Work, fingerprint, run_once
from services.store.ledger import Ledger
from services.store.repository import NotFound, Repository

PLATFORM_SCOPE = UUID(int=0)
IDEMPOTENCY_HEADER = "idempotency-key"
MAX_IDEMPOTENCY_KEY = 200

# name -> the runtime's attribute of that name; each a typed dependency of the app
SERVICES: dict[str, type] = {
    "cases": Cases,
    "tenancy": Tenancy,
    "data_keys": DataKeys,
    "directory": TenantDirectory,
    "views": ViewReads,
    "ledger": Ledger,
    "repository": Repository,
    "pool": asyncpg.Pool,
    "projections": ProjectionRunner,
    "checkpoints": Checkpoints,
    "reads": ReadLog,
    "heavy": HeavyWork,
    "nats": NatsClient,
    "bus_signer": BusSigner,
    "webhooks": WebhookStore,
    "clock": Clock,
    "settings": Settings,
    "sessions": Sessions,
}


def service_dependencies() -> dict[str, Provide]:
    def provider(name: str) -> Provide:
        def provide(state: State) -> Any:
            return getattr(state.runtime, name)

        provide.__name__ = f"provide_{name}"
        return Provide(provide, sync_to_thread=False)

    return {name: provider(name) for name in SERVICES}


async def caller_tenant(directory: TenantDirectory, principal: Principal) -> Tenant:
    assert principal.tenant_id is not None  # guarded by tenant_member
    tenant = principal.tenant or await directory.get(principal.tenant_id)
    if tenant is None:
        raise NotFound("tenant", principal.tenant_id)
    return tenant


async def readable_case(
    cases: Cases, principal: Principal, case_id: UUID, as_of: datetime | None = None
) -> Complaint:
    """The case (as it stood at ``as_of``), when the reader's roles count in its unit now:
    another unit's case is as unknown to them as another tenant's (404)."""
    assert principal.tenant_id is not None  # guarded by tenant_member
    case = await cases.get(principal.tenant_id, case_id)
    if not principal.actor.sees(case.unit_id):
        raise NotFound("complaint", case_id)
    return case if as_of is None else await cases.get(principal.tenant_id, case_id, as_of=as_of)


def roles_on(principal: Principal, case: Complaint) -> frozenset[str]:
    """The reader's roles that count on the case, the ones its restricted fields are shown
    to (B9): a role held in another unit does not open this one's."""
    return principal.actor.on(case.unit_id).roles


def visible_units(principal: Principal, tenant: Tenant, unit: str | None) -> frozenset[str] | None:
    """The units whose cases a list or count shows the reader (domain.units.units_seen); an
    unknown ``unit`` is a 422 naming the field."""
    return units_seen(tenant.units, principal.scope, unit)


def idempotency_scope(principal: Principal) -> UUID:
    """Keys are the caller's own: two clerks' ``intake-0001`` are two requests, and a retry
    never answers what another key's caller was told."""
    if principal.tenant_id is None or principal.key_id is None:
        return PLATFORM_SCOPE
    return uuid5(principal.tenant_id, principal.key_id)


async def idempotent(request: Request[Principal, Any, Any]) -> IdempotentRequest:
    """The scope, the Idempotency-Key (if any, checked) and the fingerprint of a write."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not 0 < len(key) <= MAX_IDEMPOTENCY_KEY:
        raise FieldError("Idempotency-Key", f"must be 1 to {MAX_IDEMPOTENCY_KEY} characters")
    body = await request.body()
    sha = fingerprint(request.method, request.url.path, body)
    tenant_id = request.user.tenant_id or PLATFORM_SCOPE
    return IdempotentRequest(tenant_id, idempotency_scope(request.user), key, sha)


def answered(answer: Answer, headers: dict[str, str] | None = None) -> Response:
    return Response(answer.body, status_code=answer.status, headers=headers or {})


def answered_case_write(answer: Answer) -> Response:
    """A write to a case answers its new version as the ETag (the next If-Match), and a
    new case where it lives (``Location``). A retry's kept answer is a dict, a first a
    ``Written``: both name ``id`` and ``version``."""
    body = answer.body
    case_id, version = (
        (body.get("id"), body.get("version"))
        if isinstance(body, dict)
        else (getattr(body, "id", None), getattr(body, "version", None))
    )
    headers = {}
    if version is not None:
        headers["ETag"] = f'"{version}"'
    if answer.status == 201 and case_id is not None:
        headers["Location"] = f"/v1/complaints/{case_id}"
    return answered(answer, headers)


async def write_once(
    request: Request[Principal, Any, Any],
    ledger: Ledger,
    work: Work,
    headers: dict[str, str] | None = None,
    rolls_back: bool = False,
) -> Response:
    """Run ``work`` in one transaction; with an Idempotency-Key, at most once.
    ``rolls_back``: every effect of ``work`` is in the ledger (see ``run_once``)."""
    once = await idempotent(request)
    answer = await run_once(ledger, once, work, rolls_back)
    return answered(answer, headers)
