"""Migrations are plain SQL files, applied once each and recorded."""

from __future__ import annotations

import asyncpg

from services.store.migrate import migrate, migration_files


async def test_migrations_are_recorded_and_not_applied_twice(
    database_url: str, owner: asyncpg.Connection
) -> None:
    names = [name for name, _ in migration_files()]
    recorded = [
        r["name"] for r in await owner.fetch("SELECT name FROM schema_migrations ORDER BY name")
    ]
    assert recorded == names
    assert await migrate(database_url) == []
