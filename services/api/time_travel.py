"""``GET /v1/complaints/{id}/replay``: the case after each of its events, oldest first.

``GET /v1/complaints/{id}?as_of=`` (in complaints.py) answers for one moment; this answers
for all of them, so an auditor can watch a case unfold.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from services.api.audit_schemas import ReplayStep
from services.api.auth import Principal, tenant_member
from services.api.complaints import complaint_out
from services.audit.time_travel import moments
from services.store.repository import Repository


class TimeTravelController(Controller):
    path = "/v1/complaints"
    guards = [tenant_member]
    tags = ["complaints"]

    @get("/{case_id:uuid}/replay", operation_id="replayComplaint")
    async def replay(
        self,
        request: Request[Principal, Any, Any],
        case_id: FromPath[UUID],
        repository: NamedDependency[Repository],
    ) -> list[ReplayStep]:
        found = await moments(repository, request.user.tenant_id, case_id)
        return [
            ReplayStep(
                seq=m.recorded.seq,
                version=m.event.originator_version,
                event=type(m.event).__name__,
                recorded_at=m.recorded.recorded_at,
                state=complaint_out(m.case),
            )
            for m in found
        ]
