"""``complaints serve`` as a subprocess on a free port, against engines the test chose.

Each server is stopped in ``finally``: SIGINT first (uvicorn's graceful stop), SIGKILL if it
lingers, so no test leaves a process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from services.engines import free_port
from tests.conftest import with_database

ROOT = Path(__file__).parents[2]
PLATFORM_KEY = "e2e-platform-key-of-at-least-32-chars"


@dataclass
class Served:
    """A running ``complaints serve`` and how to reach it."""

    base_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self, timeout: float = 60) -> Served:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "serve"],
                env=self.env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited:\n{self.log.read_text()[-4000:]}")
            try:
                if httpx.get(f"{self.base_url}/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AssertionError(f"serve did not answer within {timeout}s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def serve_env(database_url: str, nats_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLAINTS_")}
    env.update(
        DATABASE_URL=database_url,
        NATS_URL=nats_url,
        PYTHONPATH=str(ROOT),
        COMPLAINTS_PORT=str(free_port()),
        COMPLAINTS_DATA_DIR=str(data_dir),
        COMPLAINTS_PLATFORM_ADMIN_KEY=PLATFORM_KEY,
        COMPLAINTS_WATCH_DEADLINES="0",  # no missed deadline recorded under a test's feet
        **extra,
    )
    return env


@contextmanager
def served(database_url: str, nats_url: str, tmp_path: Path, **extra: str) -> Iterator[Served]:
    env = serve_env(database_url, nats_url, tmp_path / "data", **extra)
    server = Served(f"http://127.0.0.1:{env['COMPLAINTS_PORT']}", env, tmp_path / "serve.log")
    try:
        yield server.start()
    finally:
        server.stop()


@asynccontextmanager
async def fresh_database(owner_url: str, prefix: str = "e2e") -> AsyncIterator[str]:
    """An empty database on ``owner_url``'s server (``serve`` migrates it), dropped after."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(owner_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        yield with_database(owner_url, name)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()
