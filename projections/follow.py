"""Follow the ledger: wake on its NOTIFY, sweep on a timer, listen again after a lost database.

Writers announce ``NOTIFY ledger, '<tenant id>'`` after their appends commit (batched by the
ledger's announcer). A follower keeps the woken tenants, each once however many commits woke
it, so under load one round takes every commit since the last instead of one round a
notification. Every ``sweep_seconds``, whatever
the traffic, it also asks ``behind()`` for the tenants its owner has not caught up with, so a
lost notification (listener reconnecting, say) or a failed tenant waits one sweep at most.

The owner's ``work(tenants)`` handles its own failures: it logs a tenant's error and goes on
with the others, or calls ``wake(rest)`` to keep tenants for the next round. What escapes
``behind``, ``work`` or the listener as a lost database is waited out and the ledger followed
again; the first sweep finds what was missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from uuid import UUID

import asyncpg

log = logging.getLogger(__name__)

CHANNEL = "ledger"
# what a restarted or unreachable PostgreSQL raises; the follower waits and follows again
LOST_DATABASE = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)
RETRY_S = 1.0
# Rounds start at least this far apart. Idle, a commit is worked at once; under load a round
# takes every commit of the last few milliseconds, and each round's fixed cost (locks, reads,
# tracking rows, commit) is paid once for all of them instead of once for each.
GATHER_S = 0.01


class LedgerFollower:
    def __init__(
        self,
        pool: asyncpg.Pool,
        behind: Callable[[], Awaitable[list[UUID]]],
        work: Callable[[list[UUID]], Awaitable[None]],
        sweep_seconds: float = 2.0,
        name: str = "ledger follower",
        gather_seconds: float = GATHER_S,
    ) -> None:
        self.pool = pool
        self.behind = behind
        self.work = work
        self.sweep_seconds = sweep_seconds
        self.name = name
        self.gather_seconds = gather_seconds
        self._pending: dict[UUID, None] = {}  # insertion-ordered set
        self._wake = asyncio.Event()

    def wake(self, tenants: Iterable[UUID]) -> None:
        """Work these tenants in the next round."""
        self._pending.update(dict.fromkeys(tenants))
        self._wake.set()

    async def run(self) -> None:
        """Follow the ledger until cancelled."""
        while True:
            try:
                await self._follow()
            except LOST_DATABASE:
                log.warning("%s lost the database; retrying", self.name, exc_info=True)
                await asyncio.sleep(RETRY_S)

    async def _follow(self) -> None:
        loop = asyncio.get_running_loop()
        listener = await self.pool.acquire()
        try:
            await listener.add_listener(CHANNEL, self._on_notify)
            next_sweep = loop.time()
            last_round = -self.gather_seconds
            while not listener.is_closed():  # closed by a restart: listen again
                if loop.time() >= next_sweep:
                    next_sweep = loop.time() + self.sweep_seconds
                    self._pending.update(dict.fromkeys(await self.behind()))
                elif not self._pending:
                    # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a
                    # cancel that lands as the wake-up does, and the follower never stops
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(next_sweep - loop.time()):
                            await self._wake.wait()
                if self._pending and (rest := last_round + self.gather_seconds - loop.time()) > 0:
                    await asyncio.sleep(rest)
                last_round = loop.time()
                self._wake.clear()
                woken, self._pending = self._pending, {}
                if woken:
                    await self.work(list(woken))
        finally:
            with contextlib.suppress(*LOST_DATABASE):  # a dead connection has no listener
                await listener.remove_listener(CHANNEL, self._on_notify)
            await self.pool.release(listener)

    def _on_notify(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        self.wake((UUID(payload),))
