"""py-spy on a running process, and a plain-text summary of where its time went.

``python -m bench.run --profile intake`` (or ``lag``, ``fanout``) records the bench server
during an extra, unmeasured run of that step and writes ``bench/profiles/<step>.txt``:
the functions with the most samples on the stack (inclusive) and at its top (self).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROFILES = Path(__file__).resolve().parent / "profiles"


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


@contextmanager
def recording(pid: int, name: str, seconds: float) -> Iterator[None]:
    """Sample ``pid`` for ``seconds`` while the body runs; summarise into profiles/<name>.txt."""
    binary = py_spy()
    if binary is None:
        print(f"  (no py-spy: pip install -e '.[bench]'; {name} not profiled)")
        yield
        return
    PROFILES.mkdir(exist_ok=True)
    raw = PROFILES / f"{name}.collapsed"
    command = [binary, "record", "--pid", str(pid), "--duration", str(int(seconds))]
    command += ["--rate", "250", "--format", "raw", "--output", str(raw), "--nonblocking"]
    spy = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.wait(timeout=seconds + 30)
    if raw.exists():
        summary = summarise(raw.read_text())
        (PROFILES / f"{name}.txt").write_text(summary)
        print(f"  profile: {PROFILES / f'{name}.txt'}")


def summarise(collapsed: str, top: int = 40) -> str:
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = stack.split(";")
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    lines = [f"{total} samples", "", "inclusive (on the stack):"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines += ["", "self (top of the stack):"]
    lines += [f"{100 * n / total:5.1f}%  {frame}" for frame, n in own.most_common(top)]
    return "\n".join(lines) + "\n"
