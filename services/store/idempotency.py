"""``Idempotency-Key``: a retried POST gets the first answer, and writes nothing new.

The answer is stored in the same transaction as the events it reports, so either both are
there or neither is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from eventsourcing.persistence import StoredEvent

from services.store.ledger import Ledger, Remember, UnitOfWork


class IdempotencyMismatch(Exception):
    """The Idempotency-Key was used before for a different request."""


@dataclass(frozen=True)
class IdempotentRequest:
    """Who asked (the caller's scope, and the tenant whose rows keep the answer: the
    platform's scope for the platform's own), their Idempotency-Key if they sent one, and the
    request's fingerprint: a key reused for another request is refused."""

    tenant_id: UUID
    scope_id: UUID
    key: str | None
    sha256: str


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    # What a retry is answered, when it must differ from ``body``: no secret is kept (an
    # issued API key is told once; a retry gets its id, not the key).
    kept: Any = None

    @property
    def to_keep(self) -> Any:
        return self.body if self.kept is None else self.kept


Work = Callable[[UnitOfWork], Awaitable[Answer]]


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


async def run_once(
    ledger: Ledger,
    request: IdempotentRequest,
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
    key = request.key
    if key is None:
        async with ledger.unit_of_work() as uow:
            return await work(uow)
    if not rolls_back:
        prior = await _recall(ledger, request)
        if prior is not None:
            return prior
    try:
        async with ledger.unit_of_work() as uow:
            answer = await work(uow)
            body = msgspec.json.encode(answer.to_keep)
            await uow.remember(
                request.tenant_id, request.scope_id, key, request.sha256, answer.status, body
            )
            return answer
    except asyncpg.UniqueViolationError as taken:
        # A concurrent or earlier run with the same key committed first: give its answer.
        return await _first_answer(ledger, request, taken)
    except Exception as refused:
        if not rolls_back:
            raise
        return await _first_answer(ledger, request, refused)


@dataclass(frozen=True)
class Decided:
    """A write of one batch of events to one tenant's ledger, decided but not yet appended.
    ``answer(seq)`` is what to answer once the batch's last event has its ``seq``; its body
    must carry that seq as ``seq`` (a retry's stored answer gets it from the ledger)."""

    tenant_id: UUID
    events: Sequence[StoredEvent]
    status: int
    answer: Callable[[int], Any]


async def append_once(
    ledger: Ledger,
    request: IdempotentRequest,
    decide: Callable[[], Awaitable[Decided]],
) -> Answer:
    """``run_once(..., rolls_back=True)`` for a write that is one append: the append and the
    answer for retries go to the ledger in one statement (one round trip). The append is to
    the requesting tenant's ledger, which keeps the answer."""
    key = request.key
    try:
        decided = await decide()
        if decided.tenant_id != request.tenant_id:
            raise ValueError("an answer is kept by the tenant whose ledger the write appends to")
        remember = None
        if key is not None:
            body = msgspec.json.encode(decided.answer(0))
            remember = Remember(request.scope_id, key, request.sha256, decided.status, body)
        seqs = await ledger.append_answered(decided.tenant_id, decided.events, remember)
        return Answer(decided.status, decided.answer(seqs[-1]))
    except Exception as failed:
        if key is None:
            raise
        # A retry: the key's row is taken, or the work refuses what its first run did.
        return await _first_answer(ledger, request, failed)


async def _first_answer(ledger: Ledger, request: IdempotentRequest, failed: Exception) -> Answer:
    """The stored answer for the key; else ``failed`` goes on, as it does when the lookup
    fails for its own reason (the database away)."""
    try:
        prior = await _recall(ledger, request)
    except IdempotencyMismatch:
        raise
    except Exception:
        prior = None
    if prior is None:
        raise failed
    return prior


async def _recall(ledger: Ledger, request: IdempotentRequest) -> Answer | None:
    assert request.key is not None
    remembered = await ledger.recall(request.tenant_id, request.scope_id, request.key)
    if remembered is None:
        return None
    if remembered.request_sha256 != request.sha256:
        raise IdempotencyMismatch(request.key)
    return Answer(remembered.status, msgspec.json.decode(remembered.body))
