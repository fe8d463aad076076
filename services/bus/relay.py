"""Follow each tenant's ledger and publish its role-routed events to JetStream, losing none.

Like a projection, the relay keeps its place in ``projection_tracking`` (view ``relay``) and
works a batch in one transaction under those rows' locks, so a second relay skips a tenant the
first is working on. A round takes every woken tenant in one transaction and one wait for the
server's acks. The position moves only after the server has acknowledged every message
of the batch: NATS down, or the relay killed mid-batch, leaves the position where it was and
the batch is published again; the server drops the copies it already has by ``Nats-Msg-Id``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg
import nats.errors
from nats.aio.client import Client as NatsClient
from nats.js.api import PubAck

from projections.changes import Envelope
from projections.follow import LedgerFollower
from projections.tracking import lock_positions, move_positions, next_batches, unfinished
from services import tracing
from services.bus.case_context import case_contexts
from services.bus.messages import CONTENT_TYPE, builtin_policy, cloud_event, copy_unit, routes
from services.bus.signing import HEADER, BusSigner
from services.bus.stream_config import STREAM, ensure_stream, message_id, subject
from services.metrics import WorkMetrics
from services.store.ledger import recorded_traces

log = logging.getLogger(__name__)

VIEW = "relay"
Decode = Callable[[asyncpg.Record], Envelope]
PolicyLookup = Callable[[str], object]  # name@version -> the policy, for what it restricts

BEHIND = """
SELECT h.tenant_id, h.seq - COALESCE(t.seq, 0) AS behind FROM ledger_heads h
  LEFT JOIN projection_tracking t ON t.view = $1 AND t.tenant_id = h.tenant_id
 WHERE h.seq > COALESCE(t.seq, 0)
"""


class BusUnavailable(Exception):
    """NATS is not connected: publishing now would only fill the client's buffer."""


BUS_FAILURES = (BusUnavailable, nats.errors.Error, TimeoutError)
DB_FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)


@dataclass(frozen=True)
class Outgoing:
    subject: str
    msg_id: str
    body: bytes
    traceparent: str | None = None  # the trace its event was appended in


@dataclass(frozen=True)
class Relayed:
    events: int = 0
    messages: int = 0
    duplicates: int = 0  # already in the stream: dropped by the server's dedup window

    def __add__(self, other: Relayed) -> Relayed:
        return Relayed(
            self.events + other.events,
            self.messages + other.messages,
            self.duplicates + other.duplicates,
        )


class Relay:
    def __init__(
        self,
        pool: asyncpg.Pool,
        nc: NatsClient,
        decode: Decode,
        signer: BusSigner,
        replicas: int = 1,
        batch_size: int = 500,
        sweep_seconds: float = 2.0,
        ack_timeout: float = 15.0,
        policies: PolicyLookup = builtin_policy,
        metrics: WorkMetrics | None = None,
    ) -> None:
        self.pool = pool
        self.nc = nc
        self.js = nc.jetstream()
        self.decode = decode
        self.signer = signer
        self.replicas = replicas
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self.ack_timeout = ack_timeout
        self.policies = policies
        self.metrics = metrics or WorkMetrics()
        self.failures = 0
        self._stream_ready = False
        self._follower = LedgerFollower(pool, self._behind, self._work, sweep_seconds, name="relay")

    # --- a round of tenants -------------------------------------------------------------

    async def catch_up(self, tenant_id: UUID) -> Relayed:
        """Publish everything recorded for the tenant since the relay's position (nothing if
        another relay holds the tenant). Raises if a batch could not be published."""
        return await self.catch_up_many([tenant_id])

    async def catch_up_many(self, tenants: list[UUID]) -> Relayed:
        """``catch_up`` for many tenants at once: one transaction, one read and one wait for
        the server's acks a round, however many tenants moved (skipping those another relay
        holds). Under load from many tenants a round costs about what one tenant's did."""
        await self._ensure_stream()
        done = Relayed()
        pending = sorted(set(tenants))
        while pending:
            async with self.pool.acquire() as conn, conn.transaction():
                positions = await lock_positions(conn, pending, [VIEW])
                if not positions:
                    return done
                starts = {t: p[VIEW] for t, p in positions.items()}
                batches = await next_batches(conn, starts, self.batch_size)
                outgoing: list[Outgoing] = []
                committed: list[datetime] = []  # routed events' commit times
                for tenant_id, rows in batches.items():
                    events = [self.decode(r) for r in rows]
                    committed += [e.recorded_at for e in events if routes(e)]
                    outgoing += await self._messages(conn, tenant_id, events)
                acks = await self._publish(outgoing)
                acked_at = time.time()
                await move_positions(conn, batches, [VIEW])
            read = sum(len(rows) for rows in batches.values())
            relayed = Relayed(read, len(acks), sum(1 for a in acks if a.duplicate))
            self.metrics.relayed(read, committed, relayed.messages, relayed.duplicates, acked_at)
            done += relayed
            pending = unfinished(batches, self.batch_size)
        return done

    async def _messages(
        self, conn: asyncpg.Connection, tenant_id: UUID, events: list[Envelope]
    ) -> list[Outgoing]:
        routed = [(e, roles) for e in events if (roles := routes(e))]
        if not routed:
            return []
        contexts = await case_contexts(conn, self.decode, tenant_id, [e for e, _ in routed])
        traces = await recorded_traces(conn, tenant_id, [e.seq for e, _ in routed])
        policies = {ref: self.policies(ref) for ref in {c.policy for c in contexts.values()}}
        outgoing: list[Outgoing] = []
        for event, roles in routed:
            case = contexts[event.seq]
            policy = policies[case.policy]
            outgoing += [
                Outgoing(
                    subject(tenant_id, role, event.name, copy_unit(event, role, policy)),
                    message_id(tenant_id, event.seq, role),
                    cloud_event(event, role, roles, case, policy),
                    traces.get(event.seq),
                )
                for role in roles
            ]
        return outgoing

    async def _publish(self, outgoing: list[Outgoing]) -> list[PubAck]:
        if not outgoing:
            return []
        if not self.nc.is_connected:
            raise BusUnavailable("NATS is not connected")
        spans = tracing.Spans()  # a publish span a message, ended by its ack
        # Pipelined in ledger order on one connection, so the stream keeps that order.
        futures = [
            await self.js.publish_async(
                m.subject,
                m.body,
                stream=STREAM,
                headers={
                    "Nats-Msg-Id": m.msg_id,
                    "Content-Type": CONTENT_TYPE,
                    # readers pass on only what carries this (services/bus/signing.py)
                    HEADER: self.signer.sign(m.subject, m.msg_id, m.body),
                    **spans.start(f"publish {STREAM}", m.traceparent, "PRODUCER", _span(m)),
                },
            )
            for m in outgoing
        ]
        try:
            results = await asyncio.wait_for(
                asyncio.gather(*futures, return_exceptions=True), self.ack_timeout
            )
        except TimeoutError as error:
            spans.end(error=error)
            raise BusUnavailable(f"no ack within {self.ack_timeout}s") from None
        spans.end(results)
        failed = [r for r in results if isinstance(r, BaseException)]
        if failed:
            raise BusUnavailable(f"{len(failed)} of {len(results)} not acked: {failed[0]!r}")
        return list(results)

    async def _ensure_stream(self) -> None:
        if self._stream_ready:
            return
        if not self.nc.is_connected:
            raise BusUnavailable("NATS is not connected")
        await ensure_stream(self.js, self.replicas)
        self._stream_ready = True

    # --- following -----------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the ledger until cancelled (``projections/follow.py``): woken by the ledger's
        NOTIFY and swept on a timer whatever the traffic, so a lost notification or a failed
        tenant waits one sweep at most; a lost database connection is re-opened."""
        await self._follower.run()

    async def _behind(self) -> list[UUID]:
        rows = await self.pool.fetch(BEHIND, VIEW)
        self.metrics.relay_behind.set(sum(r["behind"] for r in rows))
        return [r["tenant_id"] for r in rows]

    async def _work(self, tenants: list[UUID]) -> None:
        try:
            relayed = await self.catch_up_many(tenants)
        except (*BUS_FAILURES, *DB_FAILURES) as error:
            # Nothing advanced. Keep them for after a growing pause: while NATS is away every
            # round would fail the same way.
            self._follower.wake(tenants)
            await self._back_off(tenants, error)
            return
        except Exception:
            # One tenant's bad event must not stop the others' notifications: work them one
            # by one, so only that tenant waits (and the sweep retries it, loudly).
            log.warning("relay round failed; relaying its tenants one by one", exc_info=True)
            await self._work_one_by_one(sorted(tenants))
            return
        self.failures = 0
        self._log_duplicates(f"{len(tenants)} tenants", relayed)

    async def _work_one_by_one(self, tenants: list[UUID]) -> None:
        for n, tenant_id in enumerate(tenants):
            try:
                relayed = await self.catch_up(tenant_id)
            except (*BUS_FAILURES, *DB_FAILURES) as error:
                self._follower.wake(tenants[n:])
                await self._back_off(tenants[n:], error)
                return
            except Exception:
                log.exception("relay for tenant %s failed", tenant_id)
                continue
            self.failures = 0
            self._log_duplicates(str(tenant_id), relayed)

    @staticmethod
    def _log_duplicates(whose: str, relayed: Relayed) -> None:
        if relayed.duplicates:
            log.info(
                "relay for %s: %d messages, %d duplicates dropped by the server",
                whose,
                relayed.messages,
                relayed.duplicates,
            )

    async def _back_off(self, tenants: list[UUID], error: BaseException) -> None:
        self.failures += 1
        self.metrics.relay_failed_rounds.labels(
            "bus" if isinstance(error, BUS_FAILURES) else "database"
        ).inc()
        self._stream_ready = False  # a server that lost its store needs the stream again
        pause = min(0.05 * 2**self.failures, 2.0)
        log.warning(
            "relay for %d tenants failed (%r); retrying in %.2fs", len(tenants), error, pause
        )
        await asyncio.sleep(pause)


def _span(m: Outgoing) -> dict[str, str]:
    return {
        "messaging.system": "nats",
        "messaging.operation.type": "send",
        "messaging.destination.name": m.subject,
        "messaging.message.id": m.msg_id,
    }
