"""The service as deploy/compose.yaml runs it: an API process (``complaints serve`` with
``COMPLAINTS_WORKERS_IN_PROCESS=false``, plus the bench's bare handler) and a ``complaints
worker`` process following the ledger (views, checkpoints, relay, watcher, webhooks).

``POST /bench/bare`` parses the same body as ``POST /v1/complaints`` (the same msgspec schema)
and answers 201 with the same shape, and nothing else: no key, no tenant, no ledger. It is
mounted only by this factory, in the same app, server and event loop as the product, so the
two differ by exactly what the product does for a request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from uuid import UUID

import uvicorn
from litestar import Litestar, post
from litestar.params import JSONBody

from bench.common import PLATFORM_KEY, ROOT, SERVER_CORE, pin
from services.api.app import create_app
from services.api.schemas import ComplaintCreate, WrittenOut
from services.logs import log_config
from services.runtime import Runtime
from services.settings import Settings

BARE_ID = UUID(int=1)
TUNABLE = ("heavy_work", "heavy_workers", "heavy_slots", "snapshot_every")


@post("/bench/bare", exclude_from_auth=True, status_code=201, include_in_schema=False)
async def bare(data: JSONBody[ComplaintCreate]) -> WrittenOut:
    return WrittenOut(BARE_ID, 1, 1)


def bench_app(runtime: Runtime) -> Litestar:
    app = create_app(runtime)
    app.register(bare)
    return app


async def serve(args: argparse.Namespace) -> None:
    settings = Settings(
        platform_admin_key=PLATFORM_KEY,
        data_dir=Path(args.data_dir),
        host="127.0.0.1",
        port=args.port,
    )
    # The bench measures capacity, not the per-key token buckets (0 switches them off).
    unlimited = {f: 0.0 for f in ("rate_per_key", "rate_per_tenant") if hasattr(settings, f)}
    # What a diagnostic varies (bench/replay_loop.py), taken from the environment when set.
    from_env = Settings.from_env()
    tuned = {f: getattr(from_env, f) for f in TUNABLE if f"COMPLAINTS_{f.upper()}" in os.environ}
    settings = replace(settings, workers_in_process=False, **unlimited, **tuned)
    runtime = Runtime(settings, args.database_url, args.nats_url)
    # logged as ``complaints serve`` logs: a JSON line a request (both handlers), to the log file
    config = uvicorn.Config(
        bench_app(runtime),
        host="127.0.0.1",
        port=args.port,
        log_level="info",
        log_config=log_config(),
        access_log=False,
    )
    await uvicorn.Server(config).serve()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.server")
    # the URLs come from the environment, as for the service: on a command line the embedded
    # engine's password would be in every process listing while the bench runs
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL"))
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--data-dir", required=True)
    args = parser.parse_args(argv)
    if not args.database_url or not args.nats_url:
        parser.error("DATABASE_URL and NATS_URL (the owner's database URL, the bus URL)")
    asyncio.run(serve(args))


@dataclass(frozen=True)
class Served:
    api: subprocess.Popen
    worker: subprocess.Popen  # views, checkpoint signing, deadlines, webhooks, feedback
    relay: subprocess.Popen  # the bus relay alone, as deploy/compose.yaml runs it


# The relay in a process of its own (deploy/compose.yaml's ``relay``): notifications do not
# wait behind the views' rounds when the ledger is busy (docs/performance.md, row 5).
WORKER = ["worker", "--no-relay"]
RELAY = ["worker", "--no-projections", "--no-checkpoints", "--no-watcher", "--no-webhooks"]


@contextmanager
def running_server(
    database_url: str, nats_url: str, port: int, data_dir: Path, log: Path
) -> Iterator[Served]:
    """The server on core 0 (when there are two), up and answering ``/health``, and its
    worker and relay, which float: in production they have a machine of their own or share
    the API's."""
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [
        *pin(SERVER_CORE),
        sys.executable,
        "-m",
        "bench.server",
        f"--port={port}",
        f"--data-dir={data_dir}",
    ]
    worker_env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "NATS_URL": nats_url,
        "COMPLAINTS_DATA_DIR": str(data_dir),
        "COMPLAINTS_PLATFORM_ADMIN_KEY": PLATFORM_KEY,
    }
    cli = [sys.executable, "-m", "services.cli"]
    with open(log, "ab") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=worker_env, stdout=out, stderr=out)
        worker = subprocess.Popen([*cli, *WORKER], cwd=ROOT, env=worker_env, stdout=out, stderr=out)
        relay_env = {**worker_env, "COMPLAINTS_SEND_FEEDBACK": "false"}
        relay = subprocess.Popen([*cli, *RELAY], cwd=ROOT, env=relay_env, stdout=out, stderr=out)
    children = (process, worker, relay)
    try:
        wait_healthy(process, port)
        yield Served(process, worker, relay)
    finally:
        for child in children:
            child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def wait_healthy(process: subprocess.Popen, port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"bench server exited with {process.returncode}; see its log")
        health = f"http://127.0.0.1:{port}/health"
        with contextlib.suppress(OSError), urllib.request.urlopen(health, timeout=1) as answer:
            if answer.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"bench server did not answer on port {port} within {timeout}s")


if __name__ == "__main__":
    main(sys.argv[1:])
