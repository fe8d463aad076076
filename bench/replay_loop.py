"""Diagnostic: does a long case's replay hold the API's event loop, and what does a command on
a long case cost next to one on a short case?

- loop: ``GET /health`` latency while four ``GET /v1/complaints/{id}/replay`` of a
  1,500-event case run at once, against ``/health`` on the idle server (same process, same
  run). The replays' own wall time and any 503s are in the details.
- snapshots: ``POST /v1/complaints/{id}/notes`` on a 1,000-event case against the same on a
  10-event case, alternating, sequential (p50 of each).

The server is ``bench.server`` (no worker: nothing follows the ledger) pinned to core 0 as in
the other rows; the probe runs here, on core 1, and the replays are fetched by ``curl`` so that
reading their answers does not delay the probe. Run alone to compare code or modes:

    python -m bench.replay_loop                                  # this tree, its defaults
    python -m bench.replay_loop --mode inline --mode thread --mode process
    python -m bench.replay_loop --source /tmp/before             # another checkout's code
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import httpx

from bench.common import (
    LOAD_CORE,
    PLATFORM_KEY,
    ROOT,
    SERVER_CORE,
    Context,
    Row,
    bench_engines,
    cores,
    percentile,
    pin,
)
from bench.server import wait_healthy
from domain import commands as c
from domain.complaint import Complaint
from domain.handling import execute
from services.engines import free_port
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.settings import Settings

LONG, MEDIUM, SHORT = 1_500, 1_000, 10
REPLAYS = 4
POLICY = "hospital@1"


@dataclass(frozen=True)
class Setup:
    admin: dict[str, str]
    long_case: str
    medium_case: str
    short_case: str


@dataclass(frozen=True)
class LoopReading:
    health_idle_p50: float
    health_idle_p99: float
    health_p50: float
    health_p99: float
    health_max: float
    health_answers: int
    replays_s: list[float]
    refused: int


@contextmanager
def server(
    database_url: str,
    nats_url: str,
    data_dir: Path,
    env: dict[str, str],
    source: Path | None,
    pinned: bool = True,
) -> Iterator[int]:
    port = free_port()
    code = source or ROOT
    command = [
        *(pin(SERVER_CORE) if pinned else []),
        sys.executable,
        "-m",
        "bench.server",
        f"--port={port}",
        f"--data-dir={data_dir}",
    ]
    environment = {
        **os.environ,
        **env,
        "PYTHONPATH": str(code),
        "DATABASE_URL": database_url,  # not on the command line: it carries the password
        "NATS_URL": nats_url,
    }
    log = open(data_dir / f"server-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(command, cwd=code, env=environment, stdout=log, stderr=log)
    try:
        wait_healthy(process, port)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def make_cases(base: str, database_url: str, nats_url: str, data_dir: Path) -> Setup:
    """A tenant with cases of 1,500, 1,000 and 10 events: filed over HTTP, the notes made by
    the domain and appended in one batch each (sealed with the tenant's key, as served)."""
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        made = await client.post(
            "/v1/tenants",
            headers={"Authorization": f"Bearer {PLATFORM_KEY}"},
            json={
                "slug": f"loop-{os.getpid()}",
                "name": "Loop",
                "policy": POLICY,
                "admin": {"person_id": "admin", "name": "Admin"},
            },
        )
        made.raise_for_status()
        tenant_id, admin = UUID(made.json()["tenant_id"]), made.json()["key"]
        headers = {"Authorization": f"Bearer {admin}"}
        person = {"person_id": "dr.li", "name": "Li", "roles": ["department_head"]}
        (await client.post("/v1/people", headers=headers, json=person)).raise_for_status()
        issued = await client.post("/v1/keys", headers=headers, json={"person_id": "dr.li"})
        staff = {"Authorization": f"Bearer {issued.json()['key']}"}
        ids = []
        for _ in range(3):
            body = {
                "summary": "Dressing changed late on ward 3",
                "channel": "phone",
                "category": "medical_dispute",
                "complainant": {"name": "Li Wei", "contact": "13800000000"},
                "details": "The family asked twice.",
            }
            filed = await client.post("/v1/complaints", headers=staff, json=body)
            filed.raise_for_status()
            ids.append(UUID(filed.json()["id"]))
    settings = Settings(platform_admin_key=PLATFORM_KEY, data_dir=data_dir)
    runtime = await Runtime(settings, database_url, nats_url).open()
    try:
        policy = load_policy(POLICY)
        actor = c.Actor("dr.li", frozenset({"department_head"}))
        tenant = await runtime.directory.get(tenant_id)
        assert tenant is not None
        at = datetime.now(UTC) - timedelta(days=1)
        for case_id, length in zip(ids, (LONG, MEDIUM, SHORT), strict=True):
            case = await runtime.repository.load(tenant_id, case_id, Complaint)
            n = 0
            while case.version < length:
                command = c.AddHandover("handed on") if n % 10 == 9 else c.AddNote(f"note {n}")
                execute(case, command, actor, policy, at + timedelta(seconds=n), tenant.calendar)
                n += 1
            await runtime.ledger.append(tenant_id, runtime.repository.to_stored(case))
    finally:
        await runtime.close()
    return Setup(staff, *(str(i) for i in ids))


async def health_probe(client: httpx.AsyncClient, until: asyncio.Event) -> list[float]:
    latencies = []
    while not until.is_set():
        started = time.perf_counter()
        answer = await client.get("/health")
        latencies.append((time.perf_counter() - started) * 1000)
        answer.raise_for_status()
        await asyncio.sleep(0.002)
    return latencies


async def measure_loop(base: str, setup: Setup) -> LoopReading:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        # warm: the pool processes start on first use, the case's pages come into memory
        (await client.get(f"/v1/complaints/{setup.long_case}/replay", headers=setup.admin))
        idle_done = asyncio.Event()
        idle = asyncio.create_task(health_probe(client, idle_done))
        await asyncio.sleep(1.0)
        idle_done.set()
        idle_latencies = await idle

        async def replay() -> tuple[float, int]:
            # curl, so that reading four large answers does not delay this process's probe
            started = time.perf_counter()
            fetch = await asyncio.create_subprocess_exec(
                "curl",
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-H",
                f"Authorization: {setup.admin['Authorization']}",
                f"{base}/v1/complaints/{setup.long_case}/replay",
                stdout=asyncio.subprocess.PIPE,
            )
            status, _ = await fetch.communicate()
            return time.perf_counter() - started, int(status or 0)

        done = asyncio.Event()
        probe = asyncio.create_task(health_probe(client, done))
        await asyncio.sleep(0.05)
        results = await asyncio.gather(*(replay() for _ in range(REPLAYS)))
        done.set()
        latencies = await probe
    return LoopReading(
        health_idle_p50=percentile(idle_latencies, 50) or 0,
        health_idle_p99=percentile(idle_latencies, 99) or 0,
        health_p50=percentile(latencies, 50) or 0,
        health_p99=percentile(latencies, 99) or 0,
        health_max=max(latencies),
        health_answers=len(latencies),
        replays_s=[round(s, 3) for s, _ in results],
        refused=sum(1 for _, status in results if status != 200),
    )


async def measure_commands(base: str, setup: Setup, rounds: int) -> tuple[float, float]:
    """p50 ms of a note on the 1,000-event case and on the 10-event case, alternating."""
    long_ms: list[float] = []
    short_ms: list[float] = []
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for n in range(rounds):
            for case, into in ((setup.medium_case, long_ms), (setup.short_case, short_ms)):
                started = time.perf_counter()
                answer = await client.post(
                    f"/v1/complaints/{case}/notes", headers=setup.admin, json={"text": f"n{n}"}
                )
                answer.raise_for_status()
                if n >= 2:  # the first ones load cold (and leave the first snapshot)
                    into.append((time.perf_counter() - started) * 1000)
    return percentile(long_ms, 50) or 0, percentile(short_ms, 50) or 0


async def bench_replay_loop(ctx: Context) -> list[Row]:
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {LOAD_CORE % cores()})
    async with ctx.database("loop") as url:
        data_dir = ctx.work_dir / "loop"
        data_dir.mkdir(parents=True, exist_ok=True)
        with server(url, ctx.urls.nats_url, data_dir, {}, None) as port:
            base = f"http://127.0.0.1:{port}"
            setup = await make_cases(base, url, ctx.urls.nats_url, data_dir)
            loop = await measure_loop(base, setup)
            long_ms, short_ms = await measure_commands(base, setup, 12 if ctx.quick else 40)
    ctx.details["replay_loop"] = {**vars(loop), "note_ms": {"1000": long_ms, "10": short_ms}}
    return [
        Row(
            "3 replay",
            f"/health p99 while {REPLAYS} replays of a {LONG:,}-event case run, vs idle "
            f"(diagnostic; max {loop.health_max:.1f} ms, replays {max(loop.replays_s):.2f} s, "
            f"{loop.refused} refused)",
            "ms",
            loop.health_p99,
            loop.health_idle_p99,
            higher_is_better=False,
        ),
        Row(
            "3 replay",
            f"a note on a {MEDIUM:,}-event case vs a {SHORT}-event case, p50",
            "ms",
            long_ms,
            short_ms,
            "<= 2x",
            met=long_ms <= 2 * short_ms,
            higher_is_better=False,
        ),
    ]


async def compare(args: argparse.Namespace) -> None:
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {LOAD_CORE % cores()})
    work = Path(tempfile.mkdtemp(prefix="complaints-loop-"))
    with bench_engines(work) as (urls, embedded):
        ctx = Context(urls, embedded, work)
        async with ctx.database("loop") as url:
            data_dir = work / "data"
            data_dir.mkdir()
            setup = None
            variants: list[tuple[str, dict[str, str]]] = [
                (mode, {"COMPLAINTS_HEAVY_WORK": mode, "COMPLAINTS_HEAVY_WORKERS": str(w)})
                for mode in args.mode or ["default"]
                for w in args.workers or [1]
            ]
            for name, env in variants:
                if name == "default":
                    env = {}
                with server(url, urls.nats_url, data_dir, env, args.source, args.pin) as port:
                    base = f"http://127.0.0.1:{port}"
                    if setup is None:
                        setup = await make_cases(base, url, urls.nats_url, data_dir)
                    for _ in range(args.rounds):
                        loop = await measure_loop(base, setup)
                        print(name, env.get("COMPLAINTS_HEAVY_WORKERS", ""), _show(loop))
                    if args.commands:
                        long_ms, short_ms = await measure_commands(base, setup, args.commands)
                        print(
                            f"  note p50: {MEDIUM} events {long_ms:.2f} ms, {SHORT} {short_ms:.2f}"
                        )


def _show(loop: LoopReading) -> str:
    return (
        f"/health idle p50 {loop.health_idle_p50:.1f} p99 {loop.health_idle_p99:.1f} ms; "
        f"during replays p50 {loop.health_p50:.1f} p99 {loop.health_p99:.1f} "
        f"max {loop.health_max:.1f} ms ({loop.health_answers} answers); "
        f"replays {loop.replays_s} s; refused {loop.refused}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.replay_loop", description=__doc__)
    parser.add_argument("--source", type=Path, help="run the server from this checkout")
    parser.add_argument("--mode", action="append", choices=["process", "thread", "inline"])
    parser.add_argument("--workers", action="append", type=int)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--commands", type=int, default=0, help="notes on long vs short")
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false", help="let the server (and its pool) float"
    )
    asyncio.run(compare(parser.parse_args(argv)))


if __name__ == "__main__":
    main(sys.argv[1:])
