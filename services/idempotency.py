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
    ledger: Ledger, scope_id: UUID, key: str | None, request_sha256: str, work: Work
) -> Answer:
    if key is None:
        async with ledger.unit_of_work() as uow:
            return await work(uow)
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
        # A concurrent retry with the same key committed first: give its answer.
        prior = await _recall(ledger, scope_id, key, request_sha256)
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
