"""Rows 4 and 5: projection lag and fan-out while commands are applied at a fixed rate.

The server runs as ``complaints serve`` does (projection runner and relay in its process) on
core 0. ``bench.load`` applies commands from core 1, open loop, half filings and half notes,
over 16 tenants, in two phases:

- heavy: 500 commands/s for 30 s, applied through the use cases straight to the ledger
  (``Cases.file`` / ``Cases.run`` in a unit of work), because this machine's HTTP intake
  carries about half that (row 1): over HTTP the commands would queue in the server and the
  views would be measured behind a backlog of requests instead of behind the ledger;
- light: 50 commands/s for 10 s over HTTP, so fan-out is timed from a real 201.

Meanwhile this process watches, with ``CLOCK_MONOTONIC`` times the load's answers share:

Commands of a phase's first 2 s (a quarter of a short phase) are applied but not counted.

- lag: every 5 ms it reads the views' tracking rows; a command's lag is from its answer
  (commit, or 201) to the first look that finds every view at the command's seq (0 when the
  view was there first). The limit is ``bench.follower``, a bare exactly-once follower of
  the same ledger (NOTIFY, read, write, track), looked at in the same query.
- fan-out: a durable consumer per tenant for one notified role (the product's own
  ``role_subscription``) takes each filing's message; its latency is from the filing's
  answer to the message arriving. The limit is JetStream itself: a stream with the product's
  settings, published to by this process at the filings' rate, publish to arrival.
"""

from __future__ import annotations

import asyncio
import bisect
import dataclasses
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID

import asyncpg
import nats

from bench.common import LOAD_CORE, ROOT, Context, Row, app_url, percentile, pin
from bench.fill import FAN_OUT_ROLE, BenchTenant, new_tenant
from bench.follower import TABLES as FOLLOWER_TABLES
from bench.profile import recording
from bench.server import running_server
from projections.runner import VIEWS
from services.bus.consumers import role_subscription
from services.bus.stream_config import ROOT as SUBJECT_ROOT
from services.bus.stream_config import STREAM, ensure_stream
from services.engines import free_port
from services.store.ledger import Ledger

TENANTS = 16
POLL_S = 0.005
WARM_UP_S = 2.0  # the first commands of a phase meet cold caches and pools: not counted
# The limit's messages go through the product's own stream (its settings, its disk) on a
# subject no tenant has, so the bus's users need no permission the product does not have.
RAW_SUBJECT = f"{SUBJECT_ROOT}.bench-raw.x"

LOOK = """
SELECT 'p' AS who, tenant_id, min(seq) AS seq FROM projection_tracking
 WHERE view = ANY($1) GROUP BY tenant_id
UNION ALL
SELECT 'f', tenant_id, seq FROM bench_follow_tracking
"""


class Positions:
    """When each (follower, tenant) was first seen at each position."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, UUID], tuple[list[int], list[float]]] = {}

    def record(self, who: str, tenant: UUID, seq: int, at: float) -> None:
        seqs, times = self.seen.setdefault((who, tenant), ([], []))
        if not seqs or seq > seqs[-1]:
            seqs.append(seq)
            times.append(at)

    def reached(self, who: str, tenant: UUID, seq: int) -> float | None:
        seqs, times = self.seen.get((who, tenant), ([], []))
        n = bisect.bisect_left(seqs, seq)
        return times[n] if n < len(seqs) else None


async def poll(owner: asyncpg.Connection, positions: Positions, stop: asyncio.Event) -> None:
    names = [v.name for v in VIEWS]
    while not stop.is_set():
        rows = await owner.fetch(LOOK, names)
        at = time.monotonic()
        for r in rows:
            positions.record(r["who"], r["tenant_id"], r["seq"], at)
        await asyncio.sleep(POLL_S)


async def consume(
    sub: Any, on_message: Callable[[Any, float], Awaitable[None]], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            messages = await sub.fetch(batch=100, timeout=0.5)
        except (TimeoutError, nats.errors.TimeoutError):
            continue
        at = time.monotonic()
        for message in messages:
            await on_message(message, at)


class Watch:
    """Everything this process observes during a phase."""

    def __init__(self) -> None:
        self.positions = Positions()
        self.arrived: dict[str, float] = {}  # case id -> first message for the role
        self.raw: list[float] = []  # JetStream publish -> arrival, seconds

    async def on_role_message(self, message: Any, at: float) -> None:
        data = json.loads(message.data)["data"]
        self.arrived.setdefault(data["case_id"], at)
        await message.ack()

    async def on_raw_message(self, message: Any, at: float) -> None:
        self.raw.append(at - float(message.data))
        await message.ack()


async def publish_raw(js: Any, rate: float, seconds: float) -> None:
    start = time.monotonic()
    for n in range(int(rate * seconds)):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        await js.publish(RAW_SUBJECT, repr(time.monotonic()).encode(), stream=STREAM)


@dataclasses.dataclass(frozen=True)
class Load:
    mode: str  # "http" or "direct"
    rate: float
    seconds: float


def run_load(
    port: int, url: str, tenants: list[BenchTenant], load: Load, ctx: Context
) -> list[dict[str, Any]]:
    plan = ctx.work_dir / "plan.json"
    out = ctx.work_dir / "answers.json"
    out.unlink(missing_ok=True)
    plan.write_text(
        json.dumps(
            {
                "mode": load.mode,
                "port": port,
                "database_url": app_url(url),
                "rate": load.rate,
                "seconds": load.seconds,
                "tenants": [{"id": t.id.hex, "key": t.key} for t in tenants],
            }
        )
    )
    command = [*pin(LOAD_CORE), sys.executable, "-m", "bench.load", str(plan), str(out)]
    subprocess.run(command, cwd=ROOT, check=True, timeout=load.seconds + 90)
    return json.loads(out.read_text())


def ms(value: float | None) -> float | None:
    return None if value is None else value * 1000


async def settled(owner: asyncpg.Connection, timeout: float = 90.0) -> None:
    """Wait until the views and the relay have every event: the next phase starts level."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        behind = await owner.fetchval(
            "SELECT count(*) FROM ledger_heads h JOIN projection_tracking t"
            " USING (tenant_id) WHERE t.seq < h.seq"
        )
        if not behind:
            return
        await asyncio.sleep(0.2)


async def phase(
    ctx: Context,
    port: int,
    url: str,
    tenants: list[BenchTenant],
    load: Load,
    js: Any,
    subs: list[Any],
    raw_sub: Any,
    owner: asyncpg.Connection,
) -> dict[str, Any]:
    await settled(owner)
    rate, seconds = load.rate, load.seconds
    watch, stop = Watch(), asyncio.Event()
    tasks = [asyncio.create_task(poll(owner, watch.positions, stop))]
    tasks += [asyncio.create_task(consume(s, watch.on_role_message, stop)) for s in subs]
    tasks.append(asyncio.create_task(consume(raw_sub, watch.on_raw_message, stop)))
    publisher = asyncio.create_task(publish_raw(js, rate / 2, seconds))
    answers = await asyncio.to_thread(run_load, port, url, tenants, load, ctx)
    await publisher
    await asyncio.sleep(2.0)  # let the last commands arrive everywhere
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)

    began = min((a["scheduled"] for a in answers), default=0.0)
    warm = min(WARM_UP_S, seconds / 4)
    ok = [a for a in answers if a["status"] < 300 and a["scheduled"] >= began + warm]
    lag: dict[str, list[float]] = {"p": [], "f": []}
    unseen = {"p": 0, "f": 0}
    for a in ok:
        tenant = UUID(hex=a["tenant"])
        for who in ("p", "f"):
            reached = watch.positions.reached(who, tenant, a["seq"])
            if reached is None:
                unseen[who] += 1
            else:
                lag[who].append(max(0.0, reached - a["done"]))
    filings = [a for a in ok if a["kind"] == "file"]
    timed = [
        (a["done"], max(0.0, watch.arrived[a["case_id"]] - a["done"]))
        for a in filings
        if a["case_id"] in watch.arrived
    ]
    fan_out = [latency for _, latency in timed]
    slowest = sorted(timed, key=lambda t: -t[1])[:12]
    span = (max(a["done"] for a in ok) - min(a["scheduled"] for a in ok)) if ok else 0
    latency = [a["done"] - a["scheduled"] for a in ok]
    return {
        "mode": load.mode,
        "rate": rate,
        "seconds": seconds,
        "sent": len(answers),
        "ok": sum(1 for a in answers if a["status"] < 300),
        "failed": dict(
            Counter(
                a["kind"] if a["status"] >= 599 else a["status"]
                for a in answers
                if a["status"] >= 300
            )
        ),
        "counted": len(ok),
        "achieved_rate": len(ok) / span if span else 0,
        "command_p50_ms": ms(percentile(latency, 50)),
        "command_p99_ms": ms(percentile(latency, 99)),
        "lag_p50_ms": ms(percentile(lag["p"], 50)),
        "lag_p99_ms": ms(percentile(lag["p"], 99)),
        "lag_unseen": unseen["p"],
        "follower_p50_ms": ms(percentile(lag["f"], 50)),
        "follower_p99_ms": ms(percentile(lag["f"], 99)),
        "follower_unseen": unseen["f"],
        "fan_out_p50_ms": ms(percentile(fan_out, 50)),
        "fan_out_p99_ms": ms(percentile(fan_out, 99)),
        "fan_out_missing": len(filings) - len(fan_out),
        "raw_p50_ms": ms(percentile(watch.raw, 50)),
        "raw_p99_ms": ms(percentile(watch.raw, 99)),
        # when (s into the phase) the slowest notifications were committed, and their ms
        "fan_out_slowest": [(round(at - began, 2), round(1000 * lat)) for at, lat in slowest],
    }


async def bench_follow(ctx: Context) -> list[Row]:
    relay = True
    heavy = Load("direct", 100.0, 5.0) if ctx.quick else Load("direct", 500.0, 30.0)
    light = Load("http", 50.0, 4.0) if ctx.quick else Load("http", 50.0, 10.0)
    async with ctx.database("follow") as url:
        owner = await asyncpg.connect(url)
        await owner.execute(FOLLOWER_TABLES)
        pool = await asyncpg.create_pool(app_url(url), min_size=1, max_size=2)
        tenants = []
        for n in range(TENANTS):
            tenant, events = new_tenant(f"bench-follow-{n}")
            await Ledger(pool).append(tenant.id, events)
            tenants.append(tenant)
        await pool.close()
        follower = subprocess.Popen(
            [sys.executable, "-m", "bench.follower", url], cwd=ROOT, stdout=subprocess.DEVNULL
        )
        nc = await nats.connect(ctx.urls.nats_url)
        js = nc.jetstream()
        port = free_port()
        log = ctx.work_dir / "server-follow.log"
        try:
            with running_server(url, ctx.urls.nats_url, port, ctx.work_dir / "data", log) as srv:
                subs: list[Any] = []
                await ensure_stream(js)
                if relay:
                    subs = [await role_subscription(js, t.id, FAN_OUT_ROLE) for t in tenants]
                raw_sub = await js.pull_subscribe(RAW_SUBJECT, durable="bench-raw", stream=STREAM)
                results = {}
                for name, load in (("heavy", heavy), ("light", light)):
                    results[name] = await phase(
                        ctx, port, url, tenants, load, js, subs, raw_sub, owner
                    )
                for name, load in (("lag", heavy), ("fanout", heavy)):
                    if name in ctx.profile:  # an extra, unmeasured run under py-spy
                        # the worker follows the ledger for the views, the relay for the bus
                        followed = srv.worker if name == "lag" else srv.relay
                        with recording(followed.pid, name, load.seconds):
                            await phase(ctx, port, url, tenants, load, js, subs, raw_sub, owner)
        finally:
            follower.terminate()
            follower.wait(timeout=10)
            await nc.close()
            await owner.close()
    ctx.details["follow"] = results
    return rows_for(results, relay)


def rows_for(results: dict[str, dict[str, Any]], relay: bool) -> list[Row]:
    h, lt = results["heavy"], results["light"]
    rows = []
    for r in (h, lt):
        how = "applied directly" if r["mode"] == "direct" else "over HTTP"
        load = f"{r['rate']:.0f} cmd/s {how} for {r['seconds']:.0f} s"
        note = (
            f"achieved {r['achieved_rate']:.0f} cmd/s, {r['sent'] - r['ok']} failed,"
            f" command p99 {_fmt(r['command_p99_ms'])} ms"
        )
        judged = r is h
        rows += [
            Row("4 lag", f"projection lag p50, {load}", "ms", r["lag_p50_ms"],
                r["follower_p50_ms"], higher_is_better=False, note=note),
            Row("4 lag", "projection lag p99", "ms", r["lag_p99_ms"], r["follower_p99_ms"],
                "< 100 ms" if judged else "", met=_under(r["lag_p99_ms"], 100) if judged else None,
                higher_is_better=False),
        ]  # fmt: skip
    if not relay:
        return [*rows, Row("5 fan-out", "n/a (relay not built)", "", None, None)]
    for r in (lt, h):
        start = "201" if r["mode"] == "http" else "commit"
        how = "over HTTP" if r["mode"] == "http" else "applied directly"
        missing = f"{r['fan_out_missing']} not delivered" if r["fan_out_missing"] else ""
        if r is h:  # under load: within 3x of raw JetStream at the same rate
            target, met = "<= 3x raw", _within(r["fan_out_p99_ms"], r["raw_p99_ms"], 3)
        else:
            target, met = "< 100 ms", _under(r["fan_out_p99_ms"], 100)
        rows += [
            Row("5 fan-out", f"{start} to role consumer p50, {r['rate']:.0f} cmd/s {how}", "ms",
                r["fan_out_p50_ms"], r["raw_p50_ms"], higher_is_better=False, note=missing),
            Row("5 fan-out", f"{start} to role consumer p99", "ms", r["fan_out_p99_ms"],
                r["raw_p99_ms"], target, met=met, higher_is_better=False),
        ]  # fmt: skip
    return rows


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0f}"


def _under(value: float | None, bound: float) -> bool | None:
    return None if value is None else value < bound


def _within(value: float | None, limit: float | None, times: float) -> bool | None:
    return None if value is None or limit is None else value <= times * limit
