"""``make bench``: every row against its limit in one run; prints the table, writes results.json.

python -m bench.run                       # everything (five to six minutes on 2 cores)
python -m bench.run --only intake --only append --quick
python -m bench.run --only lag --profile lag   # py-spy the server, see bench/profiles/
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Context, Row, bench_engines, cores

STEPS = {
    "intake": "bench.intake:bench_intake",
    "append": "bench.append:bench_append",
    "replay": "bench.replay:bench_replay",
    "loop": "bench.replay_loop:bench_replay_loop",  # row 3's diagnostic: replays vs the loop
    "lag": "bench.follow:bench_follow",  # rows 4 and 5: lag and fan-out under one load
    "rounds": "bench.rounds:bench_rounds",  # row 4's diagnostic: the runner's rounds
    "scale": "bench.scale:bench_scale",
}
RESULTS = Path(__file__).resolve().parent / "results.json"


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(rows: Sequence[Row]) -> str:
    lines = [
        "| row | measure | product | limit | ratio | target | met |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ]
    for r in rows:
        unit = f" {r.unit}" if r.unit else ""
        met = "" if r.met is None else ("yes" if r.met else "**no**")
        ratio = "n/a" if r.ratio is None else f"{r.ratio:.2f}"
        product = "n/a" if r.product is None else fmt(r.product) + unit
        limit = "n/a" if r.limit is None else fmt(r.limit) + unit
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.row} | {r.measure}{note} | {product} | {limit} | {ratio} | {r.target} | {met} |"
        )
    return "\n".join(lines)


async def run_steps(ctx: Context, names: Sequence[str]) -> list[Row]:
    rows: list[Row] = []
    for name in names:
        module, _, func = STEPS[name].partition(":")
        step = getattr(importlib.import_module(module), func)
        started = time.monotonic()
        print(f"== {name}", flush=True)
        try:
            got = await step(ctx)
        except Exception as error:  # one broken step must not hide the others' figures
            traceback.print_exc()
            reason = " ".join(f"{type(error).__name__}: {error}".split())
            got = [Row(name, f"failed: {reason}", "", None, None)]
        took = time.monotonic() - started
        ctx.details.setdefault("seconds", {})[name] = round(took, 1)
        print(table(got), f"\n   ({took:.0f} s)", flush=True)
        rows += got
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--only", action="append", choices=list(STEPS), help="repeatable")
    parser.add_argument("--quick", action="store_true", help="short runs, for trying it out")
    parser.add_argument(
        "--profile", action="append", default=[], choices=["intake", "lag", "fanout"]
    )
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    names = args.only or list(STEPS)
    work_dir = Path(tempfile.mkdtemp(prefix="complaints-bench-"))
    started = datetime.now(UTC)
    load_before = os.getloadavg()
    try:
        with bench_engines(work_dir) as (urls, embedded):
            ctx = Context(urls, embedded, work_dir, args.quick, set(args.profile))
            rows = asyncio.run(run_steps(ctx, names))
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
    took = (datetime.now(UTC) - started).total_seconds()
    print(
        f"\n{table(rows)}\n\n{took:.0f} s in all; engines: "
        f"{'embedded' if embedded else 'configured'}"
    )
    results = {
        "started_at": started.isoformat(),
        "seconds": round(took, 1),
        "machine": {
            "cores": cores(),
            "cpus": os.cpu_count(),
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            # other work on the machine: 1-minute load average at the start and the end
            "load_average": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
        "engines": "embedded" if embedded else "configured",
        "quick": args.quick,
        "rows": [r.to_json() for r in rows],
        "details": ctx.details,
        "table": table(rows),
    }
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"wrote {args.out}")
    missed = [r for r in rows if r.met is False]
    print(f"targets: {sum(1 for r in rows if r.met)} met, {len(missed)} missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
