"""Shared fixtures: real PostgreSQL and NATS (the configured ones, or embedded), a fresh
database per test session, and the application over an in-process HTTP client."""

from __future__ import annotations

import asyncio
import copy
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import pytest
import uvicorn

from services.api.app import create_app
from services.engines import EmbeddedNats, EmbeddedPostgres, EngineUrls, free_port
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate
from services.workers.start import in_process_workers
from tests.fakes import FakeClock

PLATFORM_KEY = "test-platform-key"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        path = Path(str(item.fspath))
        if not path.is_relative_to(here):
            continue  # e.g. a plug-in's own tests under examples/, which mark themselves
        layer = path.relative_to(here).parts[0]
        if layer in {"domain", "services", "projections", "e2e"}:
            item.add_marker(getattr(pytest.mark, layer))


@pytest.fixture(scope="session")
def engine_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineUrls]:
    """The machine's servers when DATABASE_URL / NATS_URL are set, else our own."""
    root = tmp_path_factory.mktemp("engines")
    started = []
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        pg = EmbeddedPostgres(root / "pg", free_port()).start()
        started.append(pg)
        database_url = pg.url
    nats_url = os.environ.get("NATS_URL")
    if not nats_url:
        bus = EmbeddedNats(root / "nats", free_port()).start()
        started.append(bus)
        nats_url = bus.url
    yield EngineUrls(database_url, nats_url)
    for engine in started:
        engine.stop()


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


@asynccontextmanager
async def fresh_database(server_url: str, prefix: str) -> AsyncIterator[str]:
    """A new, migrated database on the server of ``server_url``, dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(server_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(server_url, name)
    try:
        await migrate(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(engine_urls: EngineUrls) -> AsyncIterator[str]:
    """A fresh, migrated database for this test session, dropped afterwards."""
    async with fresh_database(engine_urls.database_url, "complaints_test") as url:
        yield url


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # data_dir holds files the service makes (the checkpoint key): never the work tree's var/
    return Settings(
        platform_admin_key=PLATFORM_KEY,
        max_body_bytes=256 * 1024,
        data_dir=tmp_path_factory.mktemp("data"),
        # No deadline watcher in the shared runtime: on the clock it would record misses in
        # other tests' past-dated cases while they compare views; tests/services/bus runs its own.
        watch_deadlines=False,
        # the tests' webhook receivers listen on loopback, which production refuses
        webhook_allowed_networks=("127.0.0.0/8", "::1"),
        # no mail from the shared runtime: the feedback tests run their own sender on their
        # own SMTP server, and every test files from one address, past any per-address limit
        send_feedback=False,
        public_filings_per_address=0,
    )


@pytest.fixture(scope="session")
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
async def runtime(
    settings: Settings, database_url: str, engine_urls: EngineUrls, clock: FakeClock
) -> AsyncIterator[Runtime]:
    opened = await Runtime(settings, database_url, engine_urls.nats_url, clock=clock).open()
    async with in_process_workers(opened):
        yield opened
    await opened.close()


@pytest.fixture(scope="session")
async def client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the tests' own event loop, so tests may share the runtime's pool."""
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", timeout=30
    ) as test_client:
        yield test_client


@pytest.fixture
async def public_only(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the session's runtime with no network allowed beyond public addresses,
    as production runs (the session's own lets the tests' receivers on loopback through)."""
    strict = copy.copy(runtime)
    strict.settings = replace(runtime.settings, webhook_allowed_networks=())
    transport = httpx.ASGITransport(app=create_app(strict))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture(scope="session")
async def owner(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection, for looking below the application."""
    conn = await asyncpg.connect(database_url)
    yield conn
    await conn.close()


@pytest.fixture(scope="module")
async def base_url(runtime: Runtime) -> AsyncIterator[str]:
    """The app on a real socket, sharing the session's runtime (its relay publishes): streams
    and every header behave as in production, which the in-process transport cannot give."""
    port = free_port()
    config = uvicorn.Config(
        create_app(runtime), host="127.0.0.1", port=port, lifespan="off", log_level="warning",
        timeout_graceful_shutdown=1,
    )  # fmt: skip
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await asyncio.wait_for(serving, 10)
