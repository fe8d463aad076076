"""CPU-heavy reads (replaying a case step by step, an auditor's export, the chain's check)
kept off the event loop and bounded per process.

Decoding events and applying them is pure Python, so a thread would hold the GIL the loop
needs: by default the work runs in a small pool of separate processes (``mode="process"``),
each with its own key provider built from ``keys_factory`` (keys never cross a pipe). With
``mode="inline"`` it runs on the loop in parts, yielding between them (for tools and single
core machines); ``mode="thread"`` exists to be measured against (docs/performance.md).

Work is a generator function ``work(keys, *args)`` yielding parts (e.g. bytes of the answer);
``run`` returns the list of parts. In a process its arguments and parts are pickled, so pass
plain data (rows, not connections), and raise only exceptions that pickle.

Admission: each ``Lane`` lets ``size`` requests in at a time and refuses the next at once
(``Busy``, with the seconds to wait): the API answers 503 with ``Retry-After``, so a burst of
replays queues at the client, not in this process's memory.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Literal, TypeVar

from services.store.data_keys import KeyProvider

log = logging.getLogger(__name__)

T = TypeVar("T")
Mode = Literal["process", "thread", "inline"]
MODES: tuple[Mode, ...] = ("process", "thread", "inline")
Work = Callable[..., Iterator[T]]

_child_keys: KeyProvider | None = None  # in a pool process: its own key provider


class Busy(Exception):
    """Every slot of a lane is taken: try again after ``retry_after`` seconds."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many {what} in progress on this server; retry after {retry_after}s")
        self.retry_after = retry_after


class Lane:
    """At most ``size`` holders at once; the next is refused, never queued."""

    def __init__(self, what: str, size: int, retry_after: int) -> None:
        self.what = what
        self.size = size
        self.retry_after = retry_after
        self.taken = 0

    def take(self) -> None:
        if self.taken >= self.size:
            raise Busy(self.what, self.retry_after)
        self.taken += 1

    def release(self) -> None:
        self.taken -= 1

    @contextlib.asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        self.take()
        try:
            yield
        finally:
            self.release()


class HeavyWork:
    def __init__(
        self,
        keys: KeyProvider,
        keys_factory: Callable[[], KeyProvider] | None = None,
        mode: Mode = "process",
        workers: int = 1,
        slots: int = 4,
        export_slots: int = 2,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"heavy work mode {mode!r}: one of {', '.join(MODES)}")
        if mode == "process" and keys_factory is None:
            raise ValueError("a process pool needs keys_factory to build its own key provider")
        self.keys = keys
        self.keys_factory = keys_factory
        self.mode = mode
        self.workers = max(1, workers)
        # replays, what-if runs, the chain's check: short, CPU-bound
        self.compute = Lane("replays and checks", max(1, slots), retry_after=1)
        # exports stream for as long as the client reads: a lane of their own
        self.exports = Lane("exports", max(1, export_slots), retry_after=5)
        self._executor: concurrent.futures.Executor | None = None

    def _pool(self) -> concurrent.futures.Executor:
        if self._executor is None:
            if self.mode == "process":
                # spawn: a fresh interpreter, not a fork of one holding sockets, threads and locks
                self._executor = concurrent.futures.ProcessPoolExecutor(
                    max_workers=self.workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_child,
                    initargs=(self.keys_factory,),
                )
            else:
                self._executor = concurrent.futures.ThreadPoolExecutor(
                    max_workers=self.workers, thread_name_prefix="heavy"
                )
        return self._executor

    async def run(self, work: Work[T], *args: Any) -> list[T]:
        """All the parts ``work(keys, *args)`` yields, computed off the loop (or, inline, on
        it with a yield between parts)."""
        if self.mode == "inline":
            parts = []
            for part in work(self.keys, *args):
                parts.append(part)
                await asyncio.sleep(0)
            return parts
        loop = asyncio.get_running_loop()
        if self.mode == "thread":
            return await loop.run_in_executor(self._pool(), _collect, work, self.keys, args)
        for attempt in (1, 2):
            try:
                return await loop.run_in_executor(self._pool(), _in_child, work, args)
            except BrokenProcessPool:
                # a pool process died (killed, out of memory): start afresh, try once more
                log.warning("heavy work pool broke; starting a new one", exc_info=True)
                self._drop_pool()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _drop_pool(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            await asyncio.to_thread(executor.shutdown, True, cancel_futures=True)


def _collect(work: Work[T], keys: KeyProvider, args: tuple[Any, ...]) -> list[T]:
    return list(work(keys, *args))


def _start_child(keys_factory: Callable[[], KeyProvider]) -> None:
    global _child_keys
    _child_keys = keys_factory()


def _in_child(work: Work[T], args: tuple[Any, ...]) -> list[T]:
    assert _child_keys is not None, "a pool process starts with its key provider"
    return list(work(_child_keys, *args))
