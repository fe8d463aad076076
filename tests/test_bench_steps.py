"""``make bench`` is not part of ``make test``, so nothing else would notice when a change to
the service breaks it (a role it connects as, a bus permission): every bench module imports,
and a short step runs end to end against the test engines."""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import bench
from services.engines import EngineUrls

ROOT = Path(__file__).resolve().parents[1]


def test_every_bench_module_imports() -> None:
    names = [m.name for m in pkgutil.walk_packages(bench.__path__, "bench.")]
    assert "bench.run" in names and "bench.peer" in names
    for name in names:
        importlib.import_module(name)


def test_a_quick_bench_step_runs_and_reports_its_rows(
    engine_urls: EngineUrls, tmp_path: Path
) -> None:
    out = tmp_path / "results.json"
    env = {
        **os.environ,
        "DATABASE_URL": engine_urls.database_url,
        "NATS_URL": engine_urls.nats_url,
    }
    # the runner's rounds: the worker's database role following many tenants at once
    command = [sys.executable, "-m", "bench.run", "--quick", "--only", "rounds", "--out", out]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rows = json.loads(out.read_text())["rows"]
    assert rows, done.stdout
    assert not [r for r in rows if r["measure"].startswith("failed")], rows
    assert all(r["product"] and r["limit"] for r in rows), rows
