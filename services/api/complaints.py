"""Filing a complaint and reading it back, with its history."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, Parameter, QueryParameter
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from domain import commands as c
from domain.complaint import Complaint
from domain.restricted import CASE, redact, withheld
from domain.tenant import Tenant
from projections import case_list, timeline
from services.api.auth import Principal, tenant_member
from services.api.deps import (
    answered_case_write,
    caller_tenant,
    idempotent,
    readable_case,
    roles_on,
    visible_units,
)
from services.api.paging import (
    Cursor,
    decode_cursor,
    moment,
    next_cursor,
    paged,
    query_moment,
    uuid,
)
from services.api.read_models import CaseListItem, CasePage
from services.api.schemas import (
    ComplaintCreate,
    ComplaintOut,
    DeadlineOut,
    FeedbackDeliveryOut,
    HistoryItem,
    TimelineItem,
    WrittenOut,
)
from services.api.views import AfterSeq, Wait, caught_up
from services.clock import Clock
from services.handlers.cases import Cases, Written
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy
from services.handlers.tracking import case_link, draw_unless_answered, new_access
from services.handlers.views import ViewReads
from services.settings import Settings
from services.store.idempotency import Answer

Req = Request[Principal, Any, Any]


class ComplaintController(Controller):
    path = "/v1/complaints"
    guards = [tenant_member]
    tags = ["complaints"]

    @post("/", operation_id="fileComplaint", status_code=201, creates_case=True)
    async def file(
        self,
        request: Req,
        data: JSONBody[ComplaintCreate],
        cases: NamedDependency[Cases],
        directory: NamedDependency[TenantDirectory],
        clock: NamedDependency[Clock],
        pool: NamedDependency[asyncpg.Pool],
        settings: NamedDependency[Settings],
    ) -> Response[WrittenOut]:
        """201: the case, its tracking number and the complainant's secret ``link`` to hand
        over, told once (a retry with the same Idempotency-Key answers ``link`` null)."""
        tenant = await caller_tenant(directory, request.user)
        once = await idempotent(request)
        received_at = data.received_at or clock.now()
        # the year a number is drawn for comes from the receipt: one outside the range the
        # case itself would refuse is refused before any number is drawn for it
        Complaint.check_received_at(received_at, clock.now())
        tracking = await draw_unless_answered(pool, tenant, received_at, once)
        if not isinstance(tracking, str):  # a retry: no second number drawn, no second link
            return await filed_answer(cases, tenant, tracking, settings)
        token, access_sha256 = new_access()
        command = c.File(
            received_at=received_at,
            channel=data.channel,
            summary=data.summary,
            details=data.details,
            complainant={"name": data.complainant.name, "contact": data.complainant.contact},
            site=data.site,
            category=data.category,
            public_figure=data.public_figure,
            unit=data.unit,
            tracking=tracking,
            access_sha256=access_sha256,
        )
        answer = await cases.file_new(tenant, command, request.user.actor, once)
        return await filed_answer(cases, tenant, answer, settings, (tracking, token))

    @get("/", operation_id="listComplaints")
    async def list_complaints(
        self,
        request: Req,
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        clock: NamedDependency[Clock],
        status: FromQuery[Literal["open", "resolved", "closed"] | None] = None,
        category: Annotated[str | None, Parameter(max_length=64)] = None,
        level: Annotated[int | None, Parameter(ge=0, le=20)] = None,
        role: Annotated[str | None, Parameter(max_length=64)] = None,
        assignee: Annotated[str | None, Parameter(max_length=64)] = None,
        overdue: FromQuery[bool | None] = None,
        received_from: FromQuery[datetime | None] = None,
        received_to: FromQuery[datetime | None] = None,
        text: Annotated[str | None, QueryParameter(name="q", max_length=200)] = None,
        group: Annotated[str | None, Parameter(max_length=10_000)] = None,
        unit: Annotated[
            str | None,
            Parameter(
                max_length=40, description="a unit: its cases and those of the units below it"
            ),
        ] = None,
        cursor: Cursor = None,
        limit: Annotated[int, Parameter(ge=1, le=200)] = 50,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
    ) -> Response[CasePage]:
        """Newest first; only the cases of the units the reader serves (every case for a
        tenant-wide role); ``unit``: that unit's and those of the units below it."""
        tenant_id = request.user.tenant_id
        units = visible_units(request.user, await caller_tenant(directory, request.user), unit)
        headers = await caught_up(views, "case_list", tenant_id, after_seq, wait)
        async with views.reading(tenant_id) as conn:
            rows = await case_list.list_cases(
                conn,
                tenant_id,
                status=status,
                category=category,
                level=level,
                role=role,
                assignee=assignee,
                overdue=overdue,
                received_from=query_moment("received_from", received_from),
                received_to=query_moment("received_to", received_to),
                text=text,
                group=group,
                units=units,
                after=decode_cursor(cursor, moment, uuid) if cursor else None,
                limit=limit,
                now=clock.now(),
            )
        items = [CaseListItem(**list_item(r)) for r in rows]
        following = next_cursor(rows, limit, "received_at", "case_id")
        return Response(
            CasePage(items=items, next_cursor=following), headers=paged(request, headers, following)
        )

    @get("/{case_id:uuid}", operation_id="getComplaint", answers_etag=True)
    async def show(
        self,
        request: Req,
        case_id: FromPath[UUID],
        cases: NamedDependency[Cases],
        views: NamedDependency[ViewReads],
        directory: NamedDependency[TenantDirectory],
        lang: FromQuery[Literal["zh-CN", "en"] | None] = None,
        after_seq: AfterSeq = None,
        wait: Wait = 2.0,
        as_of: FromQuery[datetime | None] = None,
    ) -> Response[ComplaintOut]:
        tenant = await caller_tenant(directory, request.user)
        as_of = query_moment("as_of", as_of)
        # as_of: the case as it stood then, replayed from the events recorded up to that time
        case = await readable_case(cases, request.user, case_id, as_of)
        etag = f'"{case.version}"'
        if unchanged_for(request, etag):
            return Response(None, status_code=HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        headers = await caught_up(views, "timeline", tenant.id, after_seq, wait)
        async with views.reading(tenant.id) as conn:
            steps = await timeline.for_case(conn, tenant.id, case_id, lang or tenant.language)
        out = complaint_out(case, roles_on(request.user, case))
        out.timeline = [
            TimelineItem(**dict(step)) for step in steps if step["version"] <= case.version
        ]
        return Response(out, headers={**headers, "ETag": etag})

    @get("/{case_id:uuid}/history", operation_id="getComplaintHistory")
    async def history(
        self, request: Req, case_id: FromPath[UUID], cases: NamedDependency[Cases]
    ) -> list[HistoryItem]:
        roles = roles_on(request.user, await readable_case(cases, request.user, case_id))
        recorded = await cases.recorded(request.user.tenant_id, case_id)
        policy = load_policy(recorded[0][1].policy)  # the policy the case was filed under
        return [history_item(r.seq, r.recorded_at, event, policy, roles) for r, event in recorded]


async def filed_answer(
    cases: Cases,
    tenant: Tenant,
    answer: Answer,
    settings: Settings,
    drawn: tuple[str, str] | None = None,
) -> Response:
    """A filing's answer: the first tells the tracking number ``drawn`` with its link's
    secret, and the link; a retry's kept answer (a dict, maybe of a concurrent request that
    drew its own number) its case's tracking number and no link."""
    body = answer.body
    if isinstance(body, Written) and drawn is not None:
        tracking, token = drawn
        link = case_link(settings.public_base_url, tenant.slug, token)
        out = WrittenOut(body.id, body.version, body.seq, tracking=tracking, link=link)
    else:
        case = await cases.get(tenant.id, UUID(str(body["id"])))
        out = WrittenOut(case.id, body["version"], body["seq"], tracking=case.tracking, link=None)
    return answered_case_write(Answer(answer.status, out))


def complaint_out(case: Complaint, roles: frozenset[str] = frozenset()) -> ComplaintOut:
    """The case as a reader holding ``roles`` may see it: what its policy restricts to other
    roles is withheld (B9)."""
    policy = load_policy(case.policy)
    state = dict(
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
        unit=case.unit_id,
        restricted=dict(case.restricted),
        tracking=case.tracking,
        deliveries=[
            FeedbackDeliveryOut(delivery=key, **held) for key, held in case.deliveries.items()
        ],
    )
    return ComplaintOut(
        **redact(policy, CASE, state, roles), withheld=list(withheld(policy, CASE, roles))
    )


def history_item(
    seq: int, recorded_at: Any, event: Any, policy: object, roles: frozenset[str]
) -> HistoryItem:
    """One recorded event as a reader holding ``roles`` may see it (B9)."""
    name = type(event).__name__
    data = redact(
        policy,
        name,
        {
            k: v
            for k, v in vars(event).items()
            if k not in {"originator_id", "originator_version", "timestamp", "originator_topic"}
        },
        roles,
    )
    return HistoryItem(
        version=event.originator_version,
        seq=seq,
        event=name,
        recorded_at=recorded_at,
        by=data.pop("by", None),
        at=data.pop("at", None),
        data=data,
        withheld=list(withheld(policy, name, roles)),
    )


def unchanged_for(request: Request, etag: str) -> bool:
    """``If-None-Match`` (RFC 9110 §13.1.2): weak comparison, ``*`` or a list."""
    raw = request.headers.get("if-none-match")
    if raw is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in raw.split(",")}
    return "*" in tags or etag in tags


def list_item(row: Mapping[str, Any]) -> dict[str, Any]:
    """A case of the list as the case itself shows it: ``handlers`` an object (the view
    keeps it as jsonb, which the driver hands over as text)."""
    item = dict(row)
    if isinstance(item.get("handlers"), str):
        item["handlers"] = json.loads(item["handlers"])
    return item
