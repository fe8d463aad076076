"""``complaints projections rebuild --processes P``: the tenants shared among P child
processes, each running ``ProjectionRunner.rebuild_many`` on its own pool of the workers'
role and its own decoder, so the Python side (decode, project, encode) uses more than one
core.

The children take the next tenant from one shared queue rather than a split fixed in
advance: a tenant's cost is only known once it is rebuilt, and a queue keeps every child busy
until the last tenant, whatever the sizes. The first failure stops every child; none
outlives the call (an error, Ctrl-C or the parent going away).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg

from projections.runner import REBUILD_JOBS, ProjectionRunner
from services.runtime import keep_session
from services.store.codec import envelope_decoder, make_mapper
from services.store.data_keys import FileKeyProvider

# "spawn": a child starts from a clean interpreter, not a copy of the parent's pools, loop
# and threads, which fork would give it in a state it cannot use.
CONTEXT = multiprocessing.get_context("spawn")
# How often the parent looks whether a child died without a word, and a child whether its
# parent is gone.
WATCH_SECONDS = 0.5
Done = Callable[[UUID, int, float], None]


def tenants_from(shared: Any) -> Iterator[UUID]:
    """The shared queue's tenants, until the end mark (``None``)."""
    while (tenant_id := shared.get()) is not None:
        yield tenant_id


def sendable(error: BaseException) -> BaseException:
    """The error itself when it crosses a pipe intact; else one naming its kind and message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def leave_with_parent(parent: int) -> None:
    """A child whose parent was killed (no chance to stop it) stops itself."""
    while os.getppid() == parent:
        time.sleep(WATCH_SECONDS)
    os._exit(1)


async def rebuild_shared(
    worker_url: str,
    key_path: Path,
    shared: Any,
    results: Any,
    view_names: Sequence[str] | None,
    jobs: int,
) -> None:
    pool = await asyncpg.create_pool(
        worker_url, min_size=1, max_size=max(1, jobs), command_timeout=30, reset=keep_session
    )
    try:
        # the decoder the service builds: personal fields opened with the tenants' own keys
        runner = ProjectionRunner(pool, envelope_decoder(make_mapper(FileKeyProvider(key_path))))

        def done(tenant_id: UUID, applied: int, took: float) -> None:
            results.put(("done", tenant_id, applied, took))

        # a generator, not a list: each job of the child pulls from the shared queue
        await runner.rebuild_many(tenants_from(shared), view_names, jobs, done)
    finally:
        await pool.close()


def child(
    parent: int,
    worker_url: str,
    key_path: Path,
    shared: Any,
    results: Any,
    view_names: Sequence[str] | None,
    jobs: int,
) -> None:
    threading.Thread(target=leave_with_parent, args=(parent,), daemon=True).start()
    try:
        asyncio.run(rebuild_shared(worker_url, key_path, shared, results, view_names, jobs))
    except BaseException as error:  # Ctrl-C reaches the children too: say so and stop
        results.put(("failed", sendable(error)))
    else:
        results.put(("finished",))


async def rebuild_in_processes(
    worker_url: str,
    key_path: Path,
    tenant_ids: Sequence[UUID],
    view_names: Sequence[str] | None = None,
    jobs: int = REBUILD_JOBS,
    processes: int = 2,
    done: Done | None = None,
) -> int:
    """Rebuild ``tenant_ids`` in ``processes`` children, ``jobs`` tenants at a time in each;
    ``done`` hears of each tenant (events applied, seconds taken) as ``rebuild_many`` tells.
    Returns how many events were applied; the first failure stops the rest and is raised."""
    count = max(1, min(processes, len(tenant_ids)))
    shared = CONTEXT.Queue()
    results = CONTEXT.Queue()
    for tenant_id in tenant_ids:
        shared.put(tenant_id)
    for _ in range(count):
        shared.put(None)
    args = (os.getpid(), worker_url, key_path, shared, results, view_names, jobs)
    children: list[BaseProcess] = [
        CONTEXT.Process(target=child, args=args, daemon=True, name=f"rebuild {n}")
        for n in range(count)
    ]
    applied = 0
    try:
        for process in children:
            process.start()
        finished = 0
        while finished < count:
            try:
                message = await asyncio.to_thread(results.get, timeout=WATCH_SECONDS)
            except queue.Empty:
                # a child that fails says so and exits 0: any other code means it was killed
                # (out of memory, a signal) before it could
                if codes := [p.exitcode for p in children if p.exitcode not in (None, 0)]:
                    raise RuntimeError(f"a rebuild process stopped with code {codes[0]}") from None
                continue
            match message:
                case ("done", tenant_id, events, took):
                    applied += events
                    if done is not None:
                        done(tenant_id, events, took)
                case ("finished",):
                    finished += 1
                case ("failed", error):
                    raise error
    finally:
        for process in children:
            if process.is_alive():
                process.terminate()  # its open transaction rolls back with the connection
        for process in children:
            process.join()
        shared.close()
        results.close()
    return applied
