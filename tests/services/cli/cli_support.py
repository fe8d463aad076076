"""Running ``complaints`` as an operator does: a process of its own, with its environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from services.cli import parser
from services.engines import EngineUrls, free_port
from services.settings import Settings

ROOT = Path(__file__).resolve().parents[3]


def cli_env(data_dir: Path, **variables: str) -> dict[str, str]:
    """This process's environment without the service's settings, then ``variables``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMPLAINTS_") and k not in ("DATABASE_URL", "NATS_URL")
    }
    env.update(PYTHONPATH=str(ROOT), COMPLAINTS_DATA_DIR=str(data_dir), **variables)
    return env


def complaints(
    *argv: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "services.cli", *argv],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def closed_nats_url() -> str:
    """A bus address where nothing listens."""
    return f"nats://127.0.0.1:{free_port()}"


async def run(argv: list[str], settings: Settings, urls: EngineUrls) -> int:
    """A database command in this process, on the tests' engines instead of ones it would
    start."""
    args = parser().parse_args(argv)
    return await args.run(args, settings, urls)
