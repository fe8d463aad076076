"""Filing a complaint and reading it back, with its history."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from domain import commands as c
from domain.complaint import Complaint
from services.api.deps import caller_tenant, write_once
from services.api.schemas import ComplaintCreate, ComplaintOut, DeadlineOut, HistoryItem, WrittenOut
from services.auth import Principal, tenant_member
from services.cases import Cases
from services.idempotency import Answer
from services.ledger import UnitOfWork
from services.runtime import Runtime

Req = Request[Principal, Any, Any]


class ComplaintController(Controller):
    path = "/v1/complaints"
    guards = [tenant_member]
    tags = ["complaints"]

    @post("/", operation_id="fileComplaint", status_code=201)
    async def file(
        self, request: Req, data: JSONBody[ComplaintCreate], runtime: NamedDependency[Runtime]
    ) -> Response[WrittenOut]:
        tenant = await caller_tenant(runtime, request.user)

        async def work(uow: UnitOfWork) -> Answer:
            now = runtime.clock.now()
            command = c.File(
                received_at=data.received_at or now,
                channel=data.channel,
                summary=data.summary,
                details=data.details,
                complainant={"name": data.complainant.name, "contact": data.complainant.contact},
                site=data.site,
                category=data.category,
                public_figure=data.public_figure,
            )
            written = await Cases(runtime.repository).file(
                uow, tenant, command, request.user.actor, now
            )
            return Answer(201, WrittenOut(written.id, written.version, written.seq))

        return await write_once(request, runtime, work)

    @get("/{case_id:uuid}", operation_id="getComplaint")
    async def show(
        self, request: Req, case_id: FromPath[UUID], runtime: NamedDependency[Runtime]
    ) -> ComplaintOut:
        case = await Cases(runtime.repository).get(request.user.tenant_id, case_id)
        return complaint_out(case)

    @get("/{case_id:uuid}/history", operation_id="getComplaintHistory")
    async def history(
        self, request: Req, case_id: FromPath[UUID], runtime: NamedDependency[Runtime]
    ) -> list[HistoryItem]:
        tenant_id = request.user.tenant_id
        await Cases(runtime.repository).get(tenant_id, case_id)  # 404 unless the tenant's case
        recorded = await runtime.ledger.originator_events(tenant_id, case_id)
        mapper = runtime.repository.mapper
        return [
            history_item(r.seq, r.recorded_at, mapper.to_domain_event(r.stored)) for r in recorded
        ]


def complaint_out(case: Complaint) -> ComplaintOut:
    return ComplaintOut(
        id=case.id,
        version=case.version,
        policy=case.policy,
        status=str(case.status),
        summary=case.summary,
        details=case.details,
        channel=case.channel,
        complainant=case.complainant,
        received_at=case.received_at,
        filed_at=case.filed_at,
        filed_by=case.filed_by,
        owner=case.owner,
        category=case.category,
        level=case.level,
        rung=case.rung,
        handlers=case.handlers,
        deadlines=[
            DeadlineOut(
                d.deadline_id, d.kind, d.rule, d.started_at, d.due_at, str(d.state), list(d.roles)
            )
            for d in case.deadlines.values()
        ],
        penalties=case.penalties,
        incidents=case.incidents,
        flags=case.flags,
        group=case.group,
        site=case.site,
    )


def history_item(seq: int, recorded_at: Any, event: Any) -> HistoryItem:
    data = {
        k: v
        for k, v in vars(event).items()
        if k not in {"originator_id", "originator_version", "timestamp", "originator_topic"}
    }
    return HistoryItem(
        version=event.originator_version,
        seq=seq,
        event=type(event).__name__,
        recorded_at=recorded_at,
        by=data.pop("by", None),
        at=data.pop("at", None),
        data=data,
    )
