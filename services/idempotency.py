"""``Idempotency-Key``: a retried POST gets the first answer, and writes nothing new.

The answer is stored in the same transaction as the events it reports, so either both are
there or neither is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from services.api.problems import IdempotencyMismatch
from services.ledger import Ledger, UnitOfWork


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any


Work = Callable[[UnitOfWork], Awaitable[Answer]]


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def run_once(
    ledger: Ledger,
    scope_id: UUID,
    key: str | None,
    request_sha256: str,
    work: Work,
    rolls_back: bool = False,
) -> Answer:
    """``work`` in one unit of work, at most once per ``key``.

    ``rolls_back`` says every effect of ``work`` is inside its transaction. Then a key is
    taken to be new and the work runs at once (keys are almost always new: one round trip
    fewer per write); a retry is caught by the key's unique row, or by the work refusing what
    its first run already did, and rolls back to give the first answer. Work with effects
    outside the transaction (a key file rotated or destroyed) looks the key up first.
    """
    if key is None:
        async with ledger.unit_of_work() as uow:
            return await work(uow)
    if not rolls_back:
        prior = await _recall(ledger, scope_id, key, request_sha256)
        if prior is not None:
            return prior
    try:
        async with ledger.unit_of_work() as uow:
            answer = await work(uow)
            body = msgspec.json.encode(answer.body)
            await uow.remember(scope_id, key, request_sha256, answer.status, body)
            return answer
    except asyncpg.UniqueViolationError:
        # A concurrent or earlier run with the same key committed first: give its answer.
        prior = await _recall(ledger, scope_id, key, request_sha256)
        if prior is None:
            raise
        return prior
    except Exception as refused:
        if not rolls_back:
            raise
        # The work may refuse because its first run already happened (a case closed twice):
        # a retry still gets the first answer.
        try:
            prior = await _recall(ledger, scope_id, key, request_sha256)
        except IdempotencyMismatch:
            raise
        except Exception:
            raise refused from None
        if prior is None:
            raise
        return prior


async def _recall(ledger: Ledger, scope_id: UUID, key: str, request_sha256: str) -> Answer | None:
    remembered = await ledger.recall(scope_id, key)
    if remembered is None:
        return None
    if remembered.request_sha256 != request_sha256:
        raise IdempotencyMismatch(key)
    return Answer(remembered.status, msgspec.json.decode(remembered.body))
