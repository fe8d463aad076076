"""The composition root: one object that owns the pools and hands out the services."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import nats
from nats.aio.client import Client as NatsClient

from projections.runner import ProjectionRunner
from services.audit_trail import ReadLog
from services.auth import TenantDirectory
from services.checkpoints import Checkpoints
from services.clock import Clock, SystemClock
from services.codec import envelope_decoder, make_mapper
from services.keys import FileKeyProvider
from services.ledger import Announcer, Ledger
from services.repository import Repository
from services.settings import APP_ROLE, Settings
from services.workers import start_workers


def app_role_url(owner_url: str, password: str | None) -> str:
    """The owner's URL with the application role's credentials in it."""
    parts = urlsplit(owner_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = APP_ROLE + (f":{quote(password)}" if password else "") + "@" + host
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


async def keep_session(conn: asyncpg.Connection) -> None:
    """What a connection goes back to the pool with: asyncpg has already rolled back an open
    transaction and dropped listeners; nothing else is reset. Our sessions keep no state past
    a transaction (``set_config(..., true)``), and the two that do (the follower's LISTEN, the
    watcher's advisory locks) undo it themselves: asyncpg's default reset would cost every
    request one more round trip."""


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    nats_url: str
    clock: Clock = field(default_factory=SystemClock)
    pool: asyncpg.Pool | None = None
    nats: NatsClient | None = None
    announcer: Announcer | None = None
    _tasks: list[asyncio.Task] = field(default_factory=list)

    async def open(self) -> Runtime:
        url = app_role_url(self.database_url, self.settings.app_db_password)
        self.pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=self.settings.pool_size,
            command_timeout=30,
            reset=keep_session,
        )
        self.announcer = Announcer(self.pool)
        self.announcer.start()
        self.ledger = Ledger(self.pool, self.announcer)
        self.keys = FileKeyProvider(self.settings.key_path)
        self.repository = Repository(self.ledger, make_mapper(self.keys))
        self.directory = TenantDirectory(self.repository)
        self.reads = ReadLog(self.repository)
        self.checkpoints = Checkpoints(self.pool, self.settings.checkpoint_key_path, self.clock)
        self.projections = ProjectionRunner(self.pool, envelope_decoder(self.repository.mapper))
        self.nats = await nats.connect(
            [url.strip() for url in self.nats_url.split(",")],  # a cluster: comma-separated
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            allow_reconnect=True,
            connect_timeout=5,
        )
        return self

    def start_background(self) -> None:
        """The workers that follow the ledger, when they run inside this process."""
        if self.settings.workers_in_process:
            self._tasks += start_workers(self, watcher=self.settings.watch_deadlines)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self.announcer is not None:
            await self.announcer.close()
        if self.nats is not None:
            await self.nats.drain()
        if self.pool is not None:
            await self.pool.close()
