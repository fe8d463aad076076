"""The asyncpg event store: one append-only, hash-chained ledger for all tenants.

The database assigns ``seq``, ``recorded_at`` and the hashes (trigger ``ledger_chain``), so a
single ``INSERT ... SELECT unnest(...)`` is the whole append: one round trip per batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import astuple, dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
from eventsourcing.persistence import StoredEvent

from services import tracing

log = logging.getLogger(__name__)

# The API's statements on the ledger are functions (migration 041) that name their tenant for
# row-level security first, each still one round trip and, alone, its own transaction.
APPEND = "SELECT seq FROM ledger_append($1, $2, $3, $4, $5) AS a(seq)"
# The append and, with a key, the answer to give a retry, whose "seq" is the append's last.
APPEND_ANSWERED = (
    "SELECT seq FROM ledger_append_answered($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS a(seq)"
)
ORIGINATOR_EVENTS = "SELECT * FROM ledger_originator_events($1, $2, $3, $4)"
REMEMBER = "SELECT idempotency_remember($1, $2, $3, $4, $5, $6)"
RECALL = "SELECT * FROM idempotency_recall($1, $2, $3)"
TRACE = "SELECT ledger_trace($1, $2, $3)"
TRACES = "SELECT seq, traceparent FROM event_traces WHERE tenant_id = $1 AND seq = ANY($2)"


class Conflict(Exception):
    """Someone else wrote to the aggregate first: the writer's version is stale."""


@dataclass(frozen=True)
class RecordedEvent:
    seq: int
    recorded_at: datetime
    stored: StoredEvent


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    head_seq: int
    bad_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Remember:
    """An answer to keep for retries with ``key``: ``body`` is JSON whose ``seq`` the ledger
    fills in with the append's last seq. It is kept in the appending tenant's rows."""

    scope_id: UUID
    key: str
    request_sha256: str
    status: int
    body: bytes


@dataclass(frozen=True)
class Remembered:
    request_sha256: str
    status: int
    body: bytes


def columns(events: Sequence[StoredEvent]) -> tuple[list, list, list, list]:
    """The events as the append's arrays ($2..$5): originators, versions, topics, states."""
    return (
        [e.originator_id for e in events],
        [e.originator_version for e in events],
        [e.topic for e in events],
        [e.state for e in events],
    )


async def announce(conn: asyncpg.Connection, tenants: set[UUID]) -> None:
    """Wake the ledger's followers (views, relay) after the append has committed.

    A NOTIFY inside the appending transaction would take PostgreSQL's global notify lock and
    hold it through that commit's disk flush, queueing every writer behind every other. Sent
    afterwards in its own transaction without waiting for the flush, it costs one short round
    trip; if it is lost (a crash right here), the followers' sweep finds the tenant anyway.
    """
    if not tenants:
        return
    notifies = "; ".join(f"SELECT pg_notify('ledger', '{UUID(str(t))}')" for t in sorted(tenants))
    try:
        await conn.execute(f"BEGIN; SET LOCAL synchronous_commit = off; {notifies}; COMMIT")
    except (asyncpg.PostgresError, OSError):
        # The append is committed and must be answered as such; the sweep will find it.
        log.warning("could not announce appends for %s", sorted(tenants), exc_info=True)


class Announcer:
    """Sends the wake-ups of many commits in one round trip, off the writers' path.

    Writers hand over the tenants they appended to and answer at once; one task sends what
    gathered since its last send. Under load that is one NOTIFY statement for dozens of
    commits instead of one round trip each, and the sweep still covers a lost one.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._pending: set[UUID] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="announcer")

    def announce(self, tenants: set[UUID]) -> None:
        if tenants:
            self._pending |= tenants
            self._wake.set()

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            await self._send()

    async def _send(self) -> None:
        self._wake.clear()
        tenants, self._pending = self._pending, set()
        if not tenants:
            return
        try:
            async with self.pool.acquire() as conn:
                await announce(conn, tenants)
        except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
            log.warning("could not announce appends for %s", sorted(tenants), exc_info=True)

    async def close(self) -> None:
        """Stop, sending what is still pending first."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._send()


async def record_trace(conn: asyncpg.Connection, tenant_id: UUID, seqs: list[int]) -> None:
    """With tracing on, keep the current trace with the appended seqs, for the relay to carry
    on (migration 044); off, or outside a trace, nothing. Before the wake-up, so a woken relay
    finds it; a failure costs the link between traces, never the append."""
    traceparent = tracing.current_traceparent()
    if traceparent is None or not seqs:
        return
    try:
        if conn.is_in_transaction():  # a savepoint: a failure must not abort the unit of work
            async with conn.transaction():
                await conn.execute(TRACE, tenant_id, seqs, traceparent)
        else:
            await conn.execute(TRACE, tenant_id, seqs, traceparent)
    except (asyncpg.PostgresError, OSError):
        log.warning("could not record the trace of appends for %s", tenant_id, exc_info=True)


async def recorded_traces(
    conn: asyncpg.Connection, tenant_id: UUID, seqs: list[int]
) -> dict[int, str]:
    """seq -> the trace it was appended in, for those of ``seqs`` that have one; nothing at
    all, and no query, while tracing is off."""
    if not tracing.enabled() or not seqs:
        return {}
    rows = await conn.fetch(TRACES, tenant_id, seqs)
    return {r["seq"]: r["traceparent"] for r in rows}


class UnitOfWork:
    """One transaction: appends and the idempotency record commit together or not at all."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn
        self.moved: set[UUID] = set()  # tenants whose ledger this unit appended to

    async def append(self, tenant_id: UUID, events: Sequence[StoredEvent]) -> list[int]:
        if not events:
            return []
        self.moved.add(tenant_id)
        try:
            rows = await self.conn.fetch(APPEND, tenant_id, *columns(events))
        except asyncpg.UniqueViolationError as error:
            raise Conflict(str(error)) from None
        seqs = sorted(r["seq"] for r in rows)
        await record_trace(self.conn, tenant_id, seqs)
        return seqs

    async def remember(
        self,
        tenant_id: UUID,
        scope_id: UUID,
        key: str,
        request_sha256: str,
        status: int,
        body: bytes,
    ) -> None:
        """Keep the answer among ``tenant_id``'s rows (the platform's scope for its own)."""
        await self.conn.execute(REMEMBER, tenant_id, scope_id, key, request_sha256, status, body)


class Ledger:
    def __init__(self, pool: asyncpg.Pool, announcer: Announcer | None = None) -> None:
        self.pool = pool
        self.announcer = announcer

    async def _announce(self, conn: asyncpg.Connection, tenants: set[UUID]) -> None:
        if self.announcer is not None:
            self.announcer.announce(tenants)
        else:
            await announce(conn, tenants)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        async with self.pool.acquire() as conn:
            uow = UnitOfWork(conn)
            async with conn.transaction():
                yield uow
            await self._announce(conn, uow.moved)

    async def append(self, tenant_id: UUID, events: Sequence[StoredEvent]) -> list[int]:
        # One statement is its own transaction: no BEGIN and COMMIT round trips around it.
        async with self.pool.acquire() as conn:
            seqs = await UnitOfWork(conn).append(tenant_id, events)
            await self._announce(conn, {tenant_id})
            return seqs

    async def append_answered(
        self, tenant_id: UUID, events: Sequence[StoredEvent], remember: Remember | None
    ) -> list[int]:
        """Append and keep the answer for retries in one statement: a write that needs
        nothing else in its transaction costs one round trip instead of four (BEGIN, append,
        remember, COMMIT). ``UniqueViolationError`` if the key is taken."""
        if not events:
            raise ValueError("nothing to append")
        args = (None, None, None, 0, b"") if remember is None else astuple(remember)
        async with self.pool.acquire() as conn:
            try:
                rows = await conn.fetch(APPEND_ANSWERED, tenant_id, *columns(events), *args)
            except asyncpg.UniqueViolationError as error:
                if error.table_name == "idempotency_keys":
                    raise
                raise Conflict(str(error)) from None
            seqs = sorted(r["seq"] for r in rows)
            await record_trace(conn, tenant_id, seqs)
            await self._announce(conn, {tenant_id})
        return seqs

    async def originator_events(
        self,
        tenant_id: UUID,
        originator_id: UUID,
        after_version: int = 0,
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> list[RecordedEvent]:
        # Inside a unit of work, read on its connection: taking a second one from the pool
        # while holding the first deadlocks once every connection is held that way.
        rows = await (conn or self.pool).fetch(
            ORIGINATOR_EVENTS, tenant_id, originator_id, after_version, as_of
        )
        return [
            RecordedEvent(
                seq=r["seq"],
                recorded_at=r["recorded_at"],
                # asyncpg's own UUID subclass would not transcode: take the stdlib type
                stored=StoredEvent(
                    UUID(int=r["originator_id"].int),
                    r["originator_version"],
                    r["topic"],
                    r["state"],
                ),
            )
            for r in rows
        ]

    async def recall(self, tenant_id: UUID, scope_id: UUID, key: str) -> Remembered | None:
        row = await self.pool.fetchrow(RECALL, tenant_id, scope_id, key)
        return Remembered(row["request_sha256"], row["status"], row["body"]) if row else None

    async def head(self, tenant_id: UUID) -> tuple[int, bytes] | None:
        row = await self.pool.fetchrow("SELECT * FROM ledger_head($1)", tenant_id)
        return (row["seq"], row["hash"]) if row else None

    async def verify(self, tenant_id: UUID) -> ChainReport:
        row = await self.pool.fetchrow("SELECT * FROM ledger_verify($1)", tenant_id)
        return ChainReport(row["ok"], row["head_seq"], row["bad_seq"], row["reason"])
