"""Auditors: read-only keys whose every read is recorded, the raw ledger, its check, and the
signed checkpoints that let an auditor trust an export without trusting our database."""

from __future__ import annotations

import weakref
from collections.abc import AsyncIterator
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException, ServiceUnavailableException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Parameter
from litestar.response import Stream

from domain.audit import AUDITOR_ROLE
from services.api.audit_schemas import CheckpointOut, VerifyOut
from services.api.auth import Principal, tenant_member
from services.api.time_travel import admit, admitted
from services.api.views import MAX_SEQ
from services.audit.checkpoint_keys import Checkpoint, public_pem
from services.audit.checkpoints import Checkpoints
from services.audit.export import RawRow, encode_rows, ndjson_lines
from services.audit.heavy import HeavyWork, Lane
from services.audit.trail import ReadNotRecorded
from services.store.ledger import Ledger

Req = Request[Principal, Any, Any]
READS = frozenset({"GET", "HEAD"})
NDJSON = "application/x-ndjson"


async def auditors_read_only(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """App-wide guard: an auditor's key changes nothing, and each of its reads is recorded
    in the tenant's ledger before it is answered (a read that cannot be recorded is refused)."""
    principal = connection.scope.get("user")
    if not isinstance(principal, Principal) or AUDITOR_ROLE not in principal.roles:
        return
    if connection.scope["method"] not in READS:
        raise PermissionDeniedException("an auditor's key reads and changes nothing")
    if principal.tenant_id is None:
        return
    runtime = connection.app.state.runtime  # guards take no dependencies
    query = connection.scope.get("query_string", b"").decode("latin-1")
    what = f"{connection.scope['method']} {connection.url.path}" + (f"?{query}" if query else "")
    try:
        await runtime.reads.record(
            principal.tenant_id,
            by=principal.person,
            key_id=principal.key_id,
            what=what,
            at=runtime.clock.now(),
        )
    except ReadNotRecorded as error:
        raise ServiceUnavailableException(str(error), headers={"Retry-After": "1"}) from None


async def auditor(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    await tenant_member(connection, handler)
    if AUDITOR_ROLE not in connection.user.roles:
        raise PermissionDeniedException("only a key with the auditor role may do this")


class AuditController(Controller):
    path = "/v1/audit"
    guards = [auditor]
    tags = ["audit"]

    @get("/ledger", operation_id="exportLedger", media_type=NDJSON)
    async def ledger(
        self,
        request: Req,
        ledger: NamedDependency[Ledger],
        heavy: NamedDependency[HeavyWork],
        after_seq: Annotated[int, Parameter(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int | None, Parameter(ge=1, le=MAX_SEQ)] = None,
    ) -> Stream:
        """The tenant's raw ledger in seq order, one JSON object a line (docs/audit.md)."""
        admit(heavy.exports)  # held by the stream until it ends, however it ends

        async def encode(rows: list[RawRow]) -> bytes:
            return b"".join(await heavy.run(encode_rows, rows))  # off the loop

        lines = ndjson_lines(ledger.pool, request.user.tenant_id, after_seq, limit, encode)
        return Stream(Holding(heavy.exports, lines), media_type=NDJSON)

    @get("/verify", operation_id="verifyLedger")
    async def verify(
        self,
        request: Req,
        ledger: NamedDependency[Ledger],
        heavy: NamedDependency[HeavyWork],
        checkpoints: NamedDependency[Checkpoints],
    ) -> VerifyOut:
        """The chain walked from the first row, then held to the checkpoints signed over it:
        a chain can be whole and still not the one signed (a tail cut, the head moved back)."""
        tenant_id = request.user.tenant_id
        async with admitted(heavy.compute):  # the walk is the database's CPU: a few at a time
            report = await ledger.verify(tenant_id)
        head = await ledger.head(tenant_id)
        ok, head_seq, bad_seq, reason = report.ok, report.head_seq, report.bad_seq, report.reason
        if ok:
            contradicted = await checkpoints.contradiction(tenant_id, report.head_seq)
            if contradicted is not None:
                ok, (bad_seq, reason) = False, contradicted
                head_seq = min(head_seq, bad_seq - 1)
        return VerifyOut(
            ok=ok,
            head_seq=head_seq,
            head_hash=head[1].hex() if head else None,
            bad_seq=bad_seq,
            reason=reason,
        )

    @get("/checkpoints", operation_id="listCheckpoints")
    async def checkpoints(
        self,
        request: Req,
        checkpoints: NamedDependency[Checkpoints],
        after_seq: Annotated[int, Parameter(ge=0, le=MAX_SEQ)] = 0,
        limit: Annotated[int, Parameter(ge=1, le=1000)] = 1000,
    ) -> list[CheckpointOut]:
        """The tenant's signed heads, oldest first; keep them to check later exports."""
        found = await checkpoints.after(request.user.tenant_id, after_seq, limit)
        return [checkpoint_out(c) for c in found]


@get(
    "/v1/audit/checkpoints/public-key",
    operation_id="checkpointPublicKey",
    exclude_from_auth=True,
    media_type="application/x-pem-file",
    tags=["audit"],
)
async def checkpoint_public_key(checkpoints: NamedDependency[Checkpoints]) -> Response[bytes]:
    """The Ed25519 key that checks checkpoint signatures: public, so no key is needed."""
    signer = checkpoints.signer
    return Response(
        public_pem(signer.public_key),
        media_type="application/x-pem-file",
        headers={"X-Key-Id": signer.key_id},
    )


class Holding:
    """The stream's lines, giving the lane's slot back once: when they end, fail or are cut
    off, or when the stream is dropped without being read (a client gone before the start)."""

    def __init__(self, lane: Lane, lines: AsyncIterator[bytes]) -> None:
        self._lines = lines
        self._release = weakref.finalize(self, lane.release)

    def __aiter__(self) -> Holding:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self._lines.__anext__()
        except BaseException:
            self._release()
            raise


def checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(**checkpoint.to_json())
