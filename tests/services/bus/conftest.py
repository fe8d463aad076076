"""Fault tests run on engines of their own, on free ports, which they may stop and kill;
the machine's servers and the session's shared ones are never touched."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from services.engines import (
    NATS_CONFIG,
    EmbeddedNats,
    EmbeddedPostgres,
    EngineUrls,
    engines,
    free_port,
)
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate
from tests.conftest import with_database


@pytest.fixture(scope="package")
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedPostgres]:
    pg = EmbeddedPostgres(tmp_path_factory.mktemp("own-pg") / "pg", free_port()).start()
    yield pg
    pg.stop()


@pytest.fixture
async def own_database(own_postgres: EmbeddedPostgres) -> AsyncIterator[str]:
    """A fresh, migrated database on our own PostgreSQL, so a relay sees only this test."""
    name = f"bus_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(own_postgres.url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = with_database(own_postgres.url, name)
        await migrate(url)
        yield url
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def nats_server(data_dir: Path, port: int) -> EmbeddedNats:
    """Our nats-server with the deploy config (fsync every write), as production runs it."""
    return EmbeddedNats(data_dir, port, config=NATS_CONFIG)


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[EmbeddedNats]:
    server = nats_server(tmp_path / "nats", free_port()).start()
    yield server
    server.stop()


@pytest.fixture
async def own_runtime(
    own_database: str, own_nats: EmbeddedNats, tmp_path: Path
) -> AsyncIterator[Runtime]:
    """A runtime on the test's own engines that runs no workers: the test starts the ones
    it looks at."""
    settings = Settings(data_dir=tmp_path / "data", workers_in_process=False)
    runtime = await Runtime(settings, own_database, own_nats.url).open()
    yield runtime
    await runtime.close()


@pytest.fixture
def secured_nats(tmp_path: Path) -> Iterator[tuple[Settings, EngineUrls]]:
    """An embedded NATS as ``complaints serve`` starts one (``engines``): the deploy's users
    with passwords generated under the data dir, on a free port; stopped afterwards. The
    settings name that data dir, as every process of such a run shares it."""
    settings = Settings(
        database_url="postgresql://unused",  # set: engines() starts no PostgreSQL
        data_dir=tmp_path / "data",
        embedded_nats_port=free_port(),
        workers_in_process=False,
    )
    with engines(settings) as urls:
        yield settings, urls
