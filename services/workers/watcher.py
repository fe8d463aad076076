"""The deadline watcher: records each missed deadline once, and the policy's consequences follow;
before that, it sends each of the deadline's reminders once (domain/reminders.py).

It asks the ``deadlines`` view which open deadlines are past due, re-checks each on the case
itself (the view may lag a met or resumed deadline), and runs ``MissDeadline`` as the system
actor through the ordinary write path, so the tenant's policy decides what a miss brings:
escalation, penalties (the school's S11 fines), notices to the named roles.

Tenants are split into shards; a watcher works the shards whose PostgreSQL advisory lock it
holds, on a connection kept for that purpose. Others stand by, trying the locks each round,
and take a shard over as soon as its holder's connection goes. Two watchers at work on one
deadline (a lock lost unnoticed) still record it once: the domain refuses to miss a deadline
that is no longer open, and the ledger's unique (tenant, case, version) turns a race into a
Conflict; both mean it is already done. A reminder is the same: the case refuses to send one
that is not due or already sent, so two watchers send it once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.commands import SYSTEM, Command, MissDeadline, RemindDeadline
from domain.errors import DomainError
from services.clock import Clock
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.metrics import WorkMetrics
from services.store.ledger import Conflict
from services.store.repository import NotFound

log = logging.getLogger(__name__)

LOCK_KIND = "watcher"  # the advisory lock's first key is hashtext of this
DB_FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError, TimeoutError)


class DeadlineWatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cases: Cases,
        directory: TenantDirectory,
        clock: Clock,
        shards: int = 1,
        interval: float = 1.0,
        batch_size: int = 200,
        metrics: WorkMetrics | None = None,
    ) -> None:
        self.pool = pool
        self.cases = cases
        self.ledger = cases.ledger
        self.directory = directory
        self.clock = clock
        self.shards = shards
        self.interval = interval
        self.batch_size = batch_size
        self.metrics = metrics or WorkMetrics()
        self.held: set[int] = set()
        self._lock_conn: asyncpg.Connection | None = None
        self._gave_up: set[tuple[Any, ...]] = set()

    # --- standing by and taking over ---------------------------------------------------

    async def run(self) -> None:
        """Hold what shards it can and work them, every ``interval``, until cancelled."""
        try:
            while True:
                started = time.perf_counter()
                try:
                    await self.claim()
                    if self.held:
                        await self.sweep(self.held)
                except DB_FAILURES:
                    log.exception("deadline watcher lost the database; standing by")
                    await self._let_go()
                self.metrics.watcher_tick.observe(time.perf_counter() - started)
                await asyncio.sleep(self.interval)
        finally:
            await self._let_go()

    async def claim(self) -> set[int]:
        """Try the locks of the shards not held yet. The query runs every round even when all
        are held, so a lock connection that died is noticed (and its shards dropped) at once."""
        if self._lock_conn is None:
            self._lock_conn = await self.pool.acquire()
        free = sorted(set(range(self.shards)) - self.held)
        won = await self._lock_conn.fetchval(
            "SELECT coalesce(array_agg(s), '{}') FROM unnest($2::int[]) AS s"
            " WHERE pg_try_advisory_lock(hashtext($1), s)",
            LOCK_KIND,
            free,
        )
        for shard in won:
            log.info("deadline watcher now active for shard %d of %d", shard, self.shards)
        self.held |= set(won)
        self.metrics.watching(len(self.held))
        if not self.held:
            # Standing by costs no connection: give it back until the next try.
            await self._let_go()
        return self.held

    async def _let_go(self) -> None:
        conn, self._lock_conn = self._lock_conn, None
        self.held = set()
        self.metrics.watching(0)
        if conn is None:
            return
        # The pool does not reset sessions (services/runtime.py): give the locks up here. A
        # connection that cannot take the unlock is closed instead, which frees them too.
        try:
            await conn.execute("SELECT pg_advisory_unlock_all()")
        except DB_FAILURES:
            conn.terminate()
        with contextlib.suppress(*DB_FAILURES):
            await self.pool.release(conn)

    # --- missing deadlines -------------------------------------------------------------

    async def sweep(self, shards: set[int]) -> int:
        """Record every due deadline of these shards as missed; returns how many it recorded."""
        now = self.clock.now()
        rows = await self.pool.fetch(
            "SELECT * FROM due_deadlines($1, $2, $3, $4)",
            now,
            self.shards,
            sorted(shards),
            self.batch_size,
        )
        self.metrics.watcher_sweeps.inc()
        missed = 0
        for row in rows:
            try:
                done = await self.miss(row["tenant_id"], row["case_id"], row["deadline_id"], now)
            except DB_FAILURES:
                self.metrics.watcher_overdue.labels("failed").inc()
                raise
            except Exception:
                # One case that cannot be loaded must not stop every other tenant's clocks.
                log.exception("deadline %s of case %s failed", row["deadline_id"], row["case_id"])
                self.metrics.watcher_overdue.labels("failed").inc()
                continue
            self.metrics.watcher_overdue.labels("missed" if done else "skipped").inc()
            missed += done
        await self.send_reminders(shards, now)
        return missed

    async def send_reminders(self, shards: set[int], now: datetime) -> int:
        """Send every reminder of these shards whose moment has come; returns how many."""
        rows = await self.pool.fetch(
            "SELECT * FROM due_reminders($1, $2, $3, $4)",
            now,
            self.shards,
            sorted(shards),
            self.batch_size,
        )
        sent = 0
        for row in rows:
            try:
                sent += await self.remind(row["tenant_id"], row["case_id"], row["deadline_id"], now)
            except DB_FAILURES:
                raise
            except Exception:
                log.exception(
                    "reminder of %s of case %s failed", row["deadline_id"], row["case_id"]
                )
        return sent

    async def remind(self, tenant_id: UUID, case_id: UUID, deadline_id: str, now: datetime) -> bool:
        """Run RemindDeadline once the case itself says a reminder is due; False if there was
        nothing (any more) to send."""
        tenant = await self.directory.get(tenant_id)
        try:
            case = await self.cases.get(tenant_id, case_id)
        except NotFound:
            return False
        held = case.deadlines.get(deadline_id)
        if tenant is None or held is None or held.due_at < now:
            return False
        name = held.reminder_due(now)
        if name is None:
            return False  # sent, paused or moved since the view last looked
        return await self._run(tenant, case, RemindDeadline(deadline_id), now, (name,))

    async def miss(self, tenant_id: UUID, case_id: UUID, deadline_id: str, now: datetime) -> bool:
        """Run MissDeadline once the case itself says the deadline is open and past due;
        False if there was nothing (any more) to do."""
        tenant = await self.directory.get(tenant_id)
        try:
            case = await self.cases.get(tenant_id, case_id)
        except NotFound:
            return False
        held = case.deadlines.get(deadline_id)
        if tenant is None or held is None or not held.is_running or held.due_at >= now:
            return False  # met, paused or moved on since the view last looked
        return await self._run(tenant, case, MissDeadline(deadline_id), now, (held.due_at,))

    async def _run(
        self, tenant: Any, case: Any, command: Command, now: datetime, moment: tuple
    ) -> bool:
        """Run the watcher's command on the case: False when another writer (or watcher) got
        there first, or when the case refuses it (said once per deadline and moment)."""
        deadline_id = command.deadline_id  # type: ignore[attr-defined]
        key = (tenant.id, case.id, deadline_id, command.action, *moment)
        if key in self._gave_up:
            return False
        try:
            async with self.ledger.unit_of_work() as uow:
                await self.cases.run(uow, tenant, case, command, SYSTEM, now)
        except Conflict:
            return False
        except DomainError as error:
            # e.g. a closed case whose deadline was left open: not ours to force; say it once.
            log.warning(
                "%s of deadline %s of case %s not recorded: %s",
                command.action,
                deadline_id,
                case.id,
                error,
            )
            self._gave_up.add(key)
            return False
        return True
