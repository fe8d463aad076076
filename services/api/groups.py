"""``POST /v1/groups/{group}/resolve``: one decision closes a group complaint (B12)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from projections import case_list
from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant, visible_units, write_once
from services.api.schemas import GroupResolve, GroupResolvedOut, WrittenOut
from services.api.views import AfterSeq, Wait, caught_up
from services.clock import Clock
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.handlers.views import ViewReads
from services.store.idempotency import Answer
from services.store.ledger import UnitOfWork

Req = Request[Principal, Any, Any]


class GroupController(Controller):
    path = "/v1/groups"
    guards = [tenant_member]
    tags = ["case actions"]

    @post("/{group:str}/resolve", operation_id="resolveGroup", status_code=200)
    async def resolve(
        self,
        request: Req,
        group: FromPath[str],
        data: JSONBody[GroupResolve],
        cases: NamedDependency[Cases],
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        clock: NamedDependency[Clock],
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[GroupResolvedOut]:
        """Resolve (and with ``close``, close) every open case linked to the group, each
        through the tenant's policy, in one transaction: a refusal on any case refuses all.
        Pass the seq of a recent link as ``after_seq`` so the group's list includes it."""
        tenant = await caller_tenant(directory, request.user)
        await caught_up(views, "case_list", tenant.id, after_seq, wait)
        async with views.reading(tenant.id) as conn:
            case_ids = await case_list.group_cases(
                conn, tenant.id, group, units=visible_units(request.user, tenant, None)
            )

        async def work(uow: UnitOfWork) -> Answer:
            written = await cases.resolve_group(
                uow,
                tenant,
                group,
                case_ids,
                data.outcome,
                data.close,
                request.user.actor,
                clock.now(),
            )
            each = [WrittenOut(w.id, w.version, w.seq) for w in written]
            return Answer(200, GroupResolvedOut(group, each, max(w.seq for w in written)))

        return await write_once(request, cases.ledger, work, rolls_back=True)
