"""Schema migrations: plain SQL files applied in name order, each recorded once."""

from __future__ import annotations

import contextlib
from importlib.resources import files

import asyncpg

from services.settings import APP_ROLE, WORKER_ROLE

LOCK_ID = 0x636F6D70  # one migrator at a time across processes


def migration_files() -> list[tuple[str, str]]:
    folder = files("services") / "migrations"
    names = sorted(p.name for p in folder.iterdir() if p.name.endswith(".sql"))
    return [(name, (folder / name).read_text()) for name in names]


async def migrate(
    owner_url: str, app_password: str | None = None, worker_password: str | None = None
) -> list[str]:
    """Apply pending migrations as the owner; returns the names applied now."""
    conn = await asyncpg.connect(owner_url)
    try:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_ID)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {r["name"] for r in await conn.fetch("SELECT name FROM schema_migrations")}
        applied = []
        for name, sql in migration_files():
            if name in done:
                continue
            async with conn.transaction():
                await conn.execute(sql)
                await conn.execute("INSERT INTO schema_migrations (name) VALUES ($1)", name)
            applied.append(name)
        # deploy/ creates the roles with their passwords itself
        if app_password:
            await set_role_password(conn, APP_ROLE, app_password)
        if worker_password:
            await set_role_password(conn, WORKER_ROLE, worker_password)
        return applied
    finally:
        await conn.close()


async def set_role_password(conn: asyncpg.Connection, role: str, password: str) -> None:
    """Where the owner may manage roles (development), keep a role's password in step with
    its setting; in production the roles are created with their passwords by deploy/."""
    with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
        await conn.execute(f"ALTER ROLE {role} PASSWORD {quote_literal(password)}")


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
