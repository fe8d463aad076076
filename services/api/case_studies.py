"""``GET /v1/complaints/{id}/case-study``: a closed case as anonymised training material (B14)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from msgspec import Struct

from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant, readable_case, roles_on
from services.api.problem_docs import spec
from services.handlers.case_studies import case_study_of
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory

Req = Request[Principal, Any, Any]


class StudyIncident(Struct):
    kind: str
    police_called: bool


class StudyProposal(Struct):
    text: str
    compensation_fen: int | None


class StudyResponse(Struct):
    accepted: bool


class StudyDeadline(Struct):
    kind: str
    rule: str
    state: str


class StudyAccountability(Struct):
    target_role: str
    rule: str


class CaseStudyOut(Struct):
    """A closed case with every personal detail replaced by a placeholder of its kind:
    ``[phone]``, ``[id-number]``, ``[card]``, ``[email]``, ``[staff]``, ``[redacted]``."""

    policy: str
    category: str | None
    level_reached: int
    rung: str | None
    channel: str
    summary: str
    flags: list[str]
    group_complaint: bool
    incidents: list[StudyIncident]
    proposals: list[StudyProposal]
    responses: list[StudyResponse]
    resolution: str
    deadlines: list[StudyDeadline]
    accountability: list[StudyAccountability]
    reopened: int


class CaseStudyController(Controller):
    path = "/v1/complaints"
    guards = [tenant_member]
    tags = ["complaints"]

    # a read that still answers 409: the case is not closed yet (B14)
    @get(
        "/{case_id:uuid}/case-study",
        operation_id="getComplaintCaseStudy",
        responses={409: spec(409)},
    )
    async def case_study(
        self,
        request: Req,
        case_id: FromPath[UUID],
        cases: NamedDependency[Cases],
        directory: NamedDependency[TenantDirectory],
    ) -> CaseStudyOut:
        tenant = await caller_tenant(directory, request.user)
        roles = roles_on(request.user, await readable_case(cases, request.user, case_id))
        study = await case_study_of(cases, tenant, case_id, roles)
        return msgspec.convert(study, CaseStudyOut)
