"""CPU time of the processes taking part in a measurement, read from ``/proc`` (Linux), so a
row can say what each part of the product costs per request, not only how long it took."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")
# processes counted by their executable's name (``/proc/<pid>/comm``), beside the ones given
# by pid. Not by command line: a process given a postgresql:// URL there (as the bench's API
# once was) would be counted as PostgreSQL too.
NAMED = {"postgres": "postgres", "nats": "nats-server"}


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _snapshot(pids: Mapping[str, int]) -> dict[tuple[str, int], float]:
    seen: dict[tuple[str, int], float] = {}
    for name, pid in pids.items():
        with suppress(OSError):
            seen[(name, pid)] = _cpu_seconds(pid)
    given = set(pids.values())
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in given:
            continue
        try:
            executable = (entry / "comm").read_text().strip()
            for name, comm in NAMED.items():
                if executable == comm:
                    seen[(name, int(entry.name))] = _cpu_seconds(int(entry.name))
        except OSError:
            continue
    return seen


@contextmanager
def cpu_used(pids: Mapping[str, int]) -> Iterator[dict[str, float]]:
    """Seconds of CPU each named process (and every PostgreSQL and NATS process) used inside
    the block, filled in when it ends. Processes that started inside the block count from 0."""
    used: dict[str, float] = {}
    before = _snapshot(pids)
    yield used
    for (name, pid), seconds in _snapshot(pids).items():
        used[name] = used.get(name, 0.0) + seconds - before.get((name, pid), 0.0)
