"""``GET /v1/complaints/{id}/replay``: the case after each of its events, oldest first.

``GET /v1/complaints/{id}?as_of=`` (in complaints.py) answers for one moment; this answers
for all of them, so an auditor can watch a case unfold. The replay and the encoding of its
answer run off the event loop (``HeavyWork``, services/audit/heavy.py), a few at a time per
process; past that the answer is a 503 with ``Retry-After``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import ServiceUnavailableException
from litestar.params import FromPath

from services.api.audit_schemas import ReplayStep
from services.api.auth import Principal, tenant_member
from services.api.complaints import complaint_out
from services.api.deps import readable_case, roles_on
from services.api.timestamps import in_utc
from services.audit.heavy import Busy, HeavyWork, Lane
from services.audit.time_travel import Row, case_rows, moments
from services.handlers.cases import Cases
from services.store.codec import TenantMapper, make_mapper
from services.store.data_keys import KeyProvider
from services.store.repository import Repository

STEPS_A_PART = 100  # steps encoded between two yields (inline) or two parts (pooled)


def admit(lane: Lane) -> None:
    """Take one of the lane's slots, or answer 503 with Retry-After when none is free."""
    try:
        lane.take()
    except Busy as busy:
        raise ServiceUnavailableException(
            str(busy), headers={"Retry-After": str(busy.retry_after)}
        ) from None


@asynccontextmanager
async def admitted(lane: Lane) -> AsyncIterator[None]:
    admit(lane)
    try:
        yield
    finally:
        lane.release()


@functools.lru_cache(maxsize=8)
def _mapper(keys: KeyProvider) -> TenantMapper:
    return make_mapper(keys)


def replay_parts(
    keys: KeyProvider,
    tenant_id: UUID,
    case_id: UUID,
    rows: list[Row],
    roles: frozenset[str] = frozenset(),
) -> Iterator[bytes]:
    """The answer's JSON array, in parts: each step encoded as soon as it is replayed, as a
    reader holding ``roles`` may see it (B9)."""
    encode = msgspec.json.Encoder().encode
    steps: list[bytes] = []
    opened = False
    for moment in moments(_mapper(keys), tenant_id, case_id, rows):
        step = ReplayStep(
            seq=moment.seq,
            version=moment.event.originator_version,
            event=type(moment.event).__name__,
            recorded_at=moment.recorded_at,
            state=complaint_out(moment.case, roles),
        )
        steps.append(encode(in_utc(msgspec.to_builtins(step, builtin_types=(datetime,)))))
        if len(steps) == STEPS_A_PART:
            yield (b"," if opened else b"[") + b",".join(steps)
            opened, steps = True, []
    yield (b"," if opened else b"[") + b",".join(steps) + b"]"


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
        cases: NamedDependency[Cases],
        heavy: NamedDependency[HeavyWork],
    ) -> Response[list[ReplayStep]]:
        tenant_id = request.user.tenant_id
        roles = roles_on(request.user, await readable_case(cases, request.user, case_id))
        async with admitted(heavy.compute):
            rows = await case_rows(repository.ledger.pool, tenant_id, case_id)
            parts = await heavy.run(replay_parts, tenant_id, case_id, rows, roles)
        return Response(b"".join(parts), media_type="application/json")
