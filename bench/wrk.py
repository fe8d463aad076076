"""Closed-loop HTTP load from ``wrk`` (Debian's package), a C process pinned to its own core.

Each run is described by a Lua script this module writes: a request function (fresh
``Idempotency-Key`` per POST, or a random tenant's key per GET) and a ``done`` hook that
prints the figures as one JSON line, so nothing is scraped from wrk's human output.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.common import LOAD_CORE, pin

DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
    .. '"mean_us": %.1f, "status": %d, "connect": %d, "read": %d, "write": %d, '
    .. '"timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.status, e.connect, e.read, e.write, e.timeout))
end
"""


@dataclass(frozen=True)
class WrkResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx answers, socket errors and timeouts

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal here


def post_script(path: str, body: str, keys: list[str], id_prefix: str) -> str:
    """POSTs of one body with a fresh Idempotency-Key each, as the tenants of ``keys`` in
    turn (no Authorization header if ``keys`` is empty)."""
    key_list = ",\n".join(lua_string(k) for k in keys)
    auth = '["Authorization"] = "Bearer " .. keys[n % #keys + 1],' if keys else ""
    return f"""
local body = {lua_string(body)}
local keys = {{
{key_list}
}}
local n = 0
request = function()
  n = n + 1
  return wrk.format("POST", {lua_string(path)}, {{
    ["Host"] = "127.0.0.1", ["Content-Type"] = "application/json", {auth}
    ["Idempotency-Key"] = {lua_string(id_prefix)} .. n}}, body)
end
{DONE}"""


def get_script(paths: list[str], keys: list[str]) -> str:
    """GETs of random paths as random tenants (one key a tenant)."""
    path_list = ", ".join(lua_string(p) for p in paths)
    key_list = ",\n".join(lua_string(k) for k in keys)
    return f"""
local paths = {{{path_list}}}
local keys = {{
{key_list}
}}
math.randomseed(7)
request = function()
  local key = keys[math.random(#keys)]
  return wrk.format("GET", paths[math.random(#paths)], {{
    ["Host"] = "127.0.0.1", ["Authorization"] = "Bearer " .. key}})
end
{DONE}"""


def run_wrk(port: int, script: str, connections: int, seconds: float) -> WrkResult:
    binary = shutil.which("wrk")
    if binary is None:
        raise RuntimeError("wrk not found: apt-get install -y wrk (make bench does this)")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = [*pin(LOAD_CORE), binary, "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s"]
    command += ["--timeout", "10s", "-s", lua.name, f"http://127.0.0.1:{port}/"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
    finally:
        Path(lua.name).unlink(missing_ok=True)
    line = next((x for x in done.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result:\n{done.stdout}\n{done.stderr}")
    figures = json.loads(line.removeprefix("WRKJSON "))
    errors = sum(figures[k] for k in ("status", "connect", "read", "write", "timeout"))
    return WrkResult(
        figures["requests"],
        figures["duration_us"] / 1e6,
        figures["p50_us"] / 1e3,
        figures["p99_us"] / 1e3,
        errors,
    )
