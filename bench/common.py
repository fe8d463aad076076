"""What every bench step shares: engines, fresh databases, percentiles, result rows, CPU pins."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from services.engines import RELAY, EngineUrls, bus_login, engines, free_port
from services.runtime import role_url
from services.settings import WORKER_ROLE, Settings
from services.store.migrate import migrate

ROOT = Path(__file__).resolve().parent.parent
PLATFORM_KEY = "bench-platform-key-of-32-characters"


@dataclass
class Row:
    """One line of the table: the product's figure beside its limit's, measured together."""

    row: str
    measure: str
    unit: str
    product: float | None
    limit: float | None
    target: str = ""
    met: bool | None = None
    note: str = ""
    higher_is_better: bool = True

    @property
    def ratio(self) -> float | None:
        if self.product is None or self.limit is None or self.limit == 0:
            return None
        return self.product / self.limit

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


@dataclass
class Context:
    """The engines of this run and what every step needs to reach them."""

    urls: EngineUrls
    embedded: bool
    work_dir: Path
    quick: bool = False
    profile: set[str] = field(default_factory=set)
    details: dict[str, Any] = field(default_factory=dict)

    def settings(self, **changes: Any) -> Settings:
        return replace(
            Settings(platform_admin_key=PLATFORM_KEY, data_dir=self.work_dir / "data"), **changes
        )

    @asynccontextmanager
    async def database(self, label: str) -> AsyncIterator[str]:
        """A fresh, migrated database (owner URL), dropped afterwards."""
        name = f"complaints_bench_{label}_{uuid.uuid4().hex[:8]}"
        admin = await asyncpg.connect(self.urls.database_url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
            url = with_database(self.urls.database_url, name)
            await migrate(url)
            yield url
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await admin.close()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def app_url(owner_url: str) -> str:
    """The application role's URL: the product never connects as the owner."""
    return role_url(owner_url, None)


def worker_url(owner_url: str) -> str:
    """The workers' role (projection runner, relay): it follows every tenant's ledger."""
    return role_url(owner_url, None, WORKER_ROLE)


@contextmanager
def bench_engines(work_dir: Path) -> Iterator[tuple[EngineUrls, bool]]:
    """The configured servers (DATABASE_URL / NATS_URL), or embedded ones on free ports."""
    settings = replace(
        Settings.from_env(),
        data_dir=work_dir / "engines",
        embedded_pg_port=free_port(),
        embedded_nats_port=free_port(),
    )
    embedded = settings.database_url is None or settings.nats_url is None
    with engines(settings) as urls:
        login = bus_login(settings, RELAY) if settings.nats_url is None else None
        if login:
            # The embedded bus wants a login, and the bench's processes keep other data dirs:
            # they get the relay's (which may do everything they do) in the URL.
            user, password = login
            nats_url = urls.nats_url.replace("nats://", f"nats://{user}:{password}@", 1)
            urls = replace(urls, nats_url=nats_url)
        yield urls, embedded


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


# --- CPU pins: the server gets core 0, load generators core 1 ----------------------------


def cores() -> int:
    return len(os.sched_getaffinity(0))


def pin(core: int) -> list[str]:
    """A ``taskset`` prefix that keeps a process on one core, when there are two or more."""
    if cores() < 2 or shutil.which("taskset") is None:
        return []
    return ["taskset", "-c", str(core % cores())]


SERVER_CORE = 0
LOAD_CORE = 1
