"""``complaints worker``: the projection runner, the checkpoint signer, the relay, the deadline
watcher and webhook deliveries as a process of their own, for scale-out. Point it at the
service's servers with DATABASE_URL and NATS_URL; run API processes with
COMPLAINTS_WORKERS_IN_PROCESS=0 so they leave this work to it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

from services import tracing
from services.cli.errors import FAILED, OK, OperatorError
from services.cli.session import open_runtime
from services.engines import READER, RELAY, EngineUrls
from services.metrics import serve_metrics
from services.settings import Settings
from services.workers.start import start_workers

log = logging.getLogger(__name__)


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker",
        help="run the projections, checkpoint signing, the bus relay, the deadline watcher"
        " and webhook deliveries",
    )
    worker.add_argument("--no-projections", dest="projections", action="store_false")
    worker.add_argument("--no-checkpoints", dest="checkpoints", action="store_false")
    worker.add_argument("--no-relay", dest="relay", action="store_false")
    worker.add_argument("--no-watcher", dest="watcher", action="store_false")
    worker.add_argument("--no-webhooks", dest="webhooks", action="store_false")
    worker.add_argument("--relay-batch-size", type=int, default=500, help="events per batch")
    worker.set_defaults(run=run_worker)


async def run_worker(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # only a worker that runs the relay logs in as the bus user that may publish
    bus_user = RELAY if args.relay else READER
    tracing.install(settings.tracing_endpoint)  # off unless set: then publishes and posts join
    runtime = await open_runtime(settings, urls, bus=True, bus_user=bus_user, runs_workers=True)
    scrapes = None
    if settings.worker_metrics_port is not None:
        runtime.metrics.count_process()  # no API registry here to count the process
        try:
            scrapes = serve_metrics(
                runtime.metrics.registry,
                settings.host,
                settings.worker_metrics_port,
                settings.metrics_key,
            )
        except OSError as error:
            await runtime.close()
            raise OperatorError(
                f"COMPLAINTS_WORKER_METRICS_PORT {settings.worker_metrics_port}: {error.strerror}"
            ) from None
        print(f"metrics on http://{settings.host}:{settings.worker_metrics_port}/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    tasks = start_workers(
        runtime,
        projections=args.projections,
        checkpoints=args.checkpoints,
        relay=args.relay,
        watcher=args.watcher and settings.watch_deadlines,
        webhooks=args.webhooks,
        relay_batch_size=args.relay_batch_size,
    )
    print(f"worker running: {', '.join(t.get_name() for t in tasks) or 'nothing'}", flush=True)
    stopping = asyncio.create_task(stop.wait())
    try:
        done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
    finally:
        if scrapes is not None:
            await asyncio.to_thread(scrapes.shutdown)
            scrapes.server_close()
        for task in [stopping, *tasks]:
            task.cancel()
        await asyncio.gather(stopping, *tasks, return_exceptions=True)
        await runtime.close()
        tracing.uninstall()  # the spans still buffered go out
    # A worker that stopped on its own is a fault: exit non-zero so a supervisor restarts us.
    failed = [t for t in done if t is not stopping]
    for task in failed:
        log.error("%s stopped: %r", task.get_name(), task.exception())
    return FAILED if failed else OK
