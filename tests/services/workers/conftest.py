"""The watchers the tests run: two, as two processes would, on one controlled clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.runtime import Runtime, role_url
from services.store.codec import make_mapper
from services.store.ledger import Ledger
from services.store.repository import Repository
from services.workers.watcher import DeadlineWatcher
from tests.fakes import FakeClock
from tests.services.workers.test_watcher import RECEIVED


@pytest.fixture
async def watchers(
    runtime: Runtime, database_url: str
) -> AsyncIterator[tuple[FakeClock, list[DeadlineWatcher]]]:
    """Two watchers as two processes would run them: each its own pool, one shared clock."""
    clock = FakeClock()
    clock.set(RECEIVED)
    pools = [
        await asyncpg.create_pool(role_url(database_url, None), min_size=1, max_size=3)
        for _ in range(2)
    ]
    made = []
    for pool in pools:
        ledger = Ledger(pool)
        repository = Repository(ledger, make_mapper())
        cases = Cases(repository, ledger, clock)
        made.append(DeadlineWatcher(pool, cases, TenantDirectory(repository), clock, interval=0.05))
    yield clock, made
    for pool in pools:
        await pool.close()
