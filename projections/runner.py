"""Apply the ledger to the views exactly once.

A batch of events and the views' tracking rows are written in one transaction, under a row
lock on those tracking rows: a crash mid-batch leaves nothing, and a second runner skips a
tenant that the first is working on. A round takes every woken tenant in one such transaction,
so many tenants cost about what one does. The runner wakes on the ledger's NOTIFY (the
payload names the tenant) and sweeps on a timer, so a lost notification delays nothing long.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from projections import case_list, deadlines, stats, timeline
from projections.changes import Change, Envelope, View
from projections.follow import LedgerFollower
from projections.store import apply
from projections.tracking import lock_positions, move_positions, next_batches, unfinished

log = logging.getLogger(__name__)

VIEWS: tuple[View, ...] = (case_list.VIEW, deadlines.VIEW, timeline.VIEW, stats.VIEW)
# Tenants rebuilt at once: two keep the process's core busy while the database works on the
# other's statements (docs/performance.md, row 3).
REBUILD_JOBS = 2
Decode = Callable[[asyncpg.Record], Envelope]

EVENTS_AFTER = """
SELECT tenant_id, seq, originator_id, originator_version, topic, state, recorded_at
  FROM events WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
"""

BEHIND = """
SELECT h.tenant_id FROM ledger_heads h
 WHERE h.seq > COALESCE((SELECT min(t.seq) FROM projection_tracking t
                          WHERE t.tenant_id = h.tenant_id AND t.view = ANY($1)), 0)
    OR (SELECT count(*) FROM projection_tracking t
         WHERE t.tenant_id = h.tenant_id AND t.view = ANY($1)) < cardinality($1)
"""


QUARANTINE = """
INSERT INTO projection_quarantine (view, tenant_id, seq, error) VALUES ($1, $2, $3, $4)
ON CONFLICT DO NOTHING
"""


# Failures that say nothing about the event: the database went away or rolled the
# transaction back. The batch is tried again later; nothing is set aside for them.
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
    asyncpg.TransactionRollbackError,
    asyncpg.InternalClientError,
)


def error_kind(error: BaseException) -> str:
    """What went wrong, without the message (which can quote the row's personal data)."""
    sqlstate = getattr(error, "sqlstate", None)
    return type(error).__name__ + (f" ({sqlstate})" if sqlstate else "")


async def set_tenant(conn: asyncpg.Connection, tenant_id: UUID) -> None:
    """Row-level security keys on this per-transaction setting."""
    await conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(tenant_id))


async def set_round_tenants(conn: asyncpg.Connection, tenants: list[UUID]) -> None:
    """Row-level security admits these tenants' rows for this transaction (migration 030):
    a round writes them all in one set of statements, and no other tenant's."""
    await conn.execute(
        "SELECT set_config('app.round_tenants', $1, true)", "{" + ",".join(map(str, tenants)) + "}"
    )


@dataclass(frozen=True)
class Quarantined:
    view: str
    tenant_id: UUID
    events: int


@dataclass(frozen=True)
class Lag:
    view: str
    tenant_id: UUID
    behind: int
    updated_at: datetime | None


class ProjectionRunner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        decode: Decode,
        views: Sequence[View] = VIEWS,
        batch_size: int = 1000,
        sweep_seconds: float = 2.0,
    ) -> None:
        self.pool = pool
        self.decode = decode
        self.views = tuple(views)
        self.names = [v.name for v in self.views]
        self.batch_size = batch_size
        self.sweep_seconds = sweep_seconds
        self._follower = LedgerFollower(
            pool, self._behind, self._work, sweep_seconds, name="projection runner"
        )

    # --- applying ----------------------------------------------------------------------

    async def catch_up(self, tenant_id: UUID) -> int:
        """Apply everything recorded for the tenant; returns how many events were applied
        (0 when another runner holds the tenant)."""
        return await self.catch_up_many([tenant_id])

    async def catch_up_many(self, tenants: Sequence[UUID]) -> int:
        """``catch_up`` for many tenants in rounds of one transaction each: one lock, one
        read, one set of view writes (row-level security admitting exactly the round's
        tenants) and one tracking update a round, however many tenants moved. Tenants another
        runner holds are skipped. Returns how many events were applied."""
        applied = 0
        pending = sorted(set(tenants))
        while pending:
            async with self.pool.acquire() as conn, conn.transaction():
                positions = await lock_positions(conn, pending, self.names)
                if not positions:
                    return applied
                starts = {t: min(p.values()) for t, p in positions.items()}
                batches = await next_batches(conn, starts, self.batch_size)
                changes: list[Change] = []
                for tenant_id, rows in batches.items():
                    changes += self._project(rows, positions[tenant_id])
                if changes:
                    await set_round_tenants(conn, list(batches))
                    await apply(conn, changes)
                await move_positions(conn, batches, self.names)
            applied += sum(len(rows) for rows in batches.values())
            pending = unfinished(batches, self.batch_size)
        return applied

    def _project(
        self,
        rows: Sequence[asyncpg.Record],
        positions: dict[str, int],
        views: Sequence[View] | None = None,
    ) -> list[Change]:
        """The row changes of ``rows`` for every view that has not applied them yet."""
        changes: list[Change] = []
        projects = [(v.project, positions[v.name]) for v in views or self.views]
        for row in rows:
            envelope = self.decode(row)
            for project, position in projects:
                if envelope.seq > position:
                    changes += project(envelope)
        return changes

    async def _lock(
        self,
        conn: asyncpg.Connection,
        tenant_id: UUID,
        skip_locked: bool,
        views: Sequence[View] | None = None,
    ) -> dict[str, int] | None:
        names = [v.name for v in views or self.views]
        lock = (
            "SELECT view, seq FROM projection_tracking WHERE tenant_id = $1 AND view = ANY($2)"
            " ORDER BY view FOR UPDATE" + (" SKIP LOCKED" if skip_locked else "")
        )
        rows = await conn.fetch(lock, tenant_id, names)
        if len(rows) < len(names):  # a new tenant or view (or rows another runner holds)
            await conn.executemany(
                "INSERT INTO projection_tracking (view, tenant_id) VALUES ($1, $2)"
                " ON CONFLICT DO NOTHING",
                [(n, tenant_id) for n in names],
            )
            rows = await conn.fetch(lock, tenant_id, names)
        if len(rows) < len(names):
            return None
        return {r["view"]: r["seq"] for r in rows}

    async def _apply_batch(
        self,
        conn: asyncpg.Connection,
        tenant_id: UUID,
        positions: dict[str, int],
        views: Sequence[View] | None = None,
    ) -> int:
        await set_tenant(conn, tenant_id)
        start = min(positions.values())
        rows = await conn.fetch(EVENTS_AFTER, tenant_id, start, self.batch_size)
        if not rows:
            return 0
        await apply(conn, self._project(rows, positions, views))
        last = rows[-1]["seq"]
        await conn.execute(
            "UPDATE projection_tracking SET seq = $3, updated_at = now()"
            " WHERE tenant_id = $1 AND view = ANY($2)",
            tenant_id,
            list(positions),
            last,
        )
        for name in positions:
            positions[name] = last
        return len(rows)

    # --- rebuilding --------------------------------------------------------------------

    async def rebuild(self, tenant_id: UUID, view_names: Sequence[str] | None = None) -> int:
        """Rebuild from zero in one transaction: readers keep seeing the old rows until the
        new ones commit, so the service keeps serving."""
        views = [v for v in self.views if view_names is None or v.name in view_names]
        async with self.pool.acquire() as conn, conn.transaction():
            positions = await self._lock(conn, tenant_id, skip_locked=False, views=views)
            assert positions is not None
            await set_tenant(conn, tenant_id)
            for table in {t for v in views for t in v.tables}:
                await conn.execute(f"DELETE FROM {table} WHERE tenant_id = $1", tenant_id)
            # what was set aside is tried again: a rebuild after a fix applies it
            await conn.execute(
                "DELETE FROM projection_quarantine WHERE tenant_id = $1 AND view = ANY($2)",
                tenant_id,
                list(positions),
            )
            positions = dict.fromkeys(positions, 0)
            applied = 0
            while count := await self._apply_batch(conn, tenant_id, positions, views):
                applied += count
            return applied

    async def rebuild_many(
        self,
        tenant_ids: Iterable[UUID],
        view_names: Sequence[str] | None = None,
        jobs: int = REBUILD_JOBS,
        done: Callable[[UUID, int, float], None] | None = None,
    ) -> int:
        """Rebuild tenants ``jobs`` at a time, each in its own transaction as ``rebuild``
        does: while one waits on the database, another decodes and projects. ``done`` hears
        of each tenant (events applied, seconds taken); the first failure stops the rest."""
        pending = iter(tenant_ids)
        applied = 0

        async def work() -> None:
            nonlocal applied
            for tenant_id in pending:  # shared: each job takes the next tenant
                started = time.perf_counter()
                count = await self.rebuild(tenant_id, view_names)
                applied += count
                if done is not None:
                    done(tenant_id, count, time.perf_counter() - started)

        # A rebuild makes and drops millions of objects, and each full collection they set
        # off would walk every object the process already holds (modules, pools): frozen, the
        # collector leaves those alone until the rebuild is over (a fifth of its time).
        gc.freeze()
        try:
            async with asyncio.TaskGroup() as group:
                for _ in range(max(1, jobs)):
                    group.create_task(work())
        except BaseExceptionGroup as failed:
            raise failed.exceptions[0] from None
        finally:
            gc.unfreeze()
        return applied

    async def tenants(self) -> list[UUID]:
        return [r["tenant_id"] for r in await self.pool.fetch("SELECT tenant_id FROM ledger_heads")]

    # --- following ---------------------------------------------------------------------

    async def run(self) -> None:
        """Follow the ledger until cancelled (``projections/follow.py``). A lost database
        (restart, failover) is waited out: the listener is opened again and the first sweep
        finds what was missed."""
        await self._follower.run()

    async def _behind(self) -> list[UUID]:
        return [r["tenant_id"] for r in await self.pool.fetch(BEHIND, self.names)]

    async def _work(self, tenants: list[UUID]) -> None:
        try:
            await self.catch_up_many(tenants)
        except Exception:
            # The round rolled back. One tenant's bad event (say, one no code can decode) must
            # not stop the views of the others: work them one by one.
            log.warning("projection round failed; working its tenants one by one", exc_info=True)
            for tenant_id in tenants:
                await self._catch_up_logged(tenant_id)

    async def sweep(self) -> None:
        await self._work(await self._behind())

    async def _catch_up_logged(self, tenant_id: UUID) -> None:
        try:
            await self.catch_up(tenant_id)
        except TRANSIENT:
            # The batch rolled back; the next notification or sweep retries it.
            log.warning("projection batch for tenant %s failed", tenant_id, exc_info=True)
        except Exception:
            # An event of this batch cannot be applied: find it, set it aside, go on.
            log.exception("projection batch for tenant %s failed; isolating it", tenant_id)
            try:
                await self.set_aside(tenant_id)
            except Exception:
                log.exception("projection batch for tenant %s not isolated", tenant_id)

    async def set_aside(self, tenant_id: UUID) -> int:
        """Apply the tenant's next batch one event and one view at a time (a savepoint each),
        setting aside in ``projection_quarantine`` what fails for a reason of its own, so
        one bad event stalls neither the tenant's views nor its other events. A failure of
        the database itself aborts it all, to be tried again. Returns how many were set
        aside."""
        set_aside = 0
        async with self.pool.acquire() as conn, conn.transaction():
            positions = await self._lock(conn, tenant_id, skip_locked=True)
            if positions is None:
                return 0
            await set_tenant(conn, tenant_id)
            rows = await conn.fetch(
                EVENTS_AFTER, tenant_id, min(positions.values()), self.batch_size
            )
            for row in rows:
                due = [v for v in self.views if row["seq"] > positions[v.name]]
                try:
                    envelope = self.decode(row)
                except TRANSIENT:
                    raise
                except Exception as error:
                    failed = [(view, error) for view in due]
                else:
                    failed = []
                    for view in due:
                        try:
                            async with conn.transaction():
                                await apply(conn, view.project(envelope))
                        except TRANSIENT:
                            raise
                        except Exception as error:
                            failed.append((view, error))
                for view, error in failed:
                    log.error(
                        "view %s set aside event %s of tenant %s: %s",
                        view.name, row["seq"], tenant_id, error_kind(error),
                    )  # fmt: skip
                    await conn.execute(
                        QUARANTINE, view.name, tenant_id, row["seq"], error_kind(error)
                    )
                set_aside += len(failed)
            if rows:
                await conn.execute(
                    "UPDATE projection_tracking SET seq = $3, updated_at = now()"
                    " WHERE tenant_id = $1 AND view = ANY($2) AND seq < $3",
                    tenant_id,
                    list(positions),
                    rows[-1]["seq"],
                )
        return set_aside

    # --- observing ---------------------------------------------------------------------

    async def lag(self) -> list[Lag]:
        rows = await self.pool.fetch("SELECT * FROM projection_lag($1)", self.names)
        return [Lag(r["view"], r["tenant_id"], r["behind"], r["updated_at"]) for r in rows]

    async def quarantined(self) -> list[Quarantined]:
        """Per view and tenant, how many events are set aside (``set_aside``)."""
        rows = await self.pool.fetch("SELECT * FROM projection_set_aside()")
        return [Quarantined(r["view"], r["tenant_id"], r["events"]) for r in rows]

    async def worst_lag(self) -> dict[str, int]:
        """Per view, the most events any tenant is behind (for readiness; one row a view)."""
        rows = await self.pool.fetch(
            "SELECT view, max(behind) AS behind FROM projection_lag($1) GROUP BY view", self.names
        )
        return {r["view"]: r["behind"] for r in rows}

    async def wait_for(self, view: str, tenant_id: UUID, seq: int, timeout: float) -> int:
        """Wait until ``view`` has applied the tenant's ``seq`` (read-your-writes); returns
        the position reached, which is below ``seq`` only if the wait timed out."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            reached = await self.pool.fetchval("SELECT view_position($1, $2)", view, tenant_id) or 0
            if reached >= seq or loop.time() >= deadline:
                return reached
            await asyncio.sleep(0.01)
