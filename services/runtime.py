"""The composition root: one object that owns the pools and builds every service once.

Controllers receive the services (``runtime.cases``, ``runtime.ledger`` ...) as typed
dependencies (services/api/deps.py); workers are started from it by services/workers. Nothing
here starts background work: the API's lifespan and ``complaints worker`` decide that.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import cast
from urllib.parse import quote, urlsplit, urlunsplit

import asyncpg
import nats
from nats.aio.client import Client as NatsClient

from domain.complaint import Complaint
from projections.runner import ProjectionRunner
from services.audit.checkpoints import Checkpoints
from services.audit.heavy import HeavyWork, Mode
from services.audit.trail import ReadLog
from services.bus.purge import notification_purger
from services.bus.signing import BusSigner
from services.bus.webhooks import WebhookStore
from services.clock import Clock, SystemClock
from services.engines import READER, bus_login
from services.handlers.api_keys import KeyAuthenticator
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.handlers.sessions import Sessions
from services.handlers.tenancy import Tenancy
from services.handlers.tenant_keys import DataKeys
from services.handlers.views import ViewReads
from services.metrics import WorkMetrics
from services.settings import APP_ROLE, WORKER_ROLE, Settings
from services.store.codec import envelope_decoder, make_mapper
from services.store.data_keys import FileKeyProvider
from services.store.ledger import Announcer, Ledger
from services.store.repository import Repository
from services.store.snapshots import Snapshots

log = logging.getLogger(__name__)

# Closing the bus connection: with the server gone the client reconnects for ever, and a
# drain would wait for it (nats-py's bounds: 30 s for the subscriptions, 10 s more to flush).
BUS_DRAIN_TIMEOUT_S = 2  # the subscriptions' part (nats-py's drain_timeout)
BUS_CLOSE_TIMEOUT_S = 3.0  # the whole drain; then the connection is closed under it

# The workers' connections: runner, relay, signer and their followers' listeners.
WORKER_POOL_SIZE = 6


def role_url(owner_url: str, password: str | None, role: str = APP_ROLE) -> str:
    """The owner's URL with one of the service's roles and its credentials in it."""
    parts = urlsplit(owner_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = role + (f":{quote(password)}" if password else "") + "@" + host
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
    # The NATS user this process logs in as when the data dir holds the embedded bus's
    # passwords: RELAY where the relay runs (only it may publish), READER elsewhere.
    # COMPLAINTS_NATS_USER/COMPLAINTS_NATS_PASSWORD, when set, are used instead.
    bus_user: str = READER
    # Whether this process runs workers (the projection runner, relay and checkpoint signer
    # follow every tenant): they get a pool of the worker's database role, which alone may
    # read across tenants; requests keep to the API's role, one tenant at a time.
    runs_workers: bool = True
    # False: no connection to the bus (``nats`` stays unset), for a command that only reads
    # or writes the database and must work while NATS is away
    bus: bool = True
    # The workers' metrics of this process, whichever workers it runs (services/metrics.py)
    metrics: WorkMetrics = field(init=False, default_factory=WorkMetrics)
    # Built by open(), in this order; close() undoes what open() did, newest first.
    pool: asyncpg.Pool = field(init=False)
    worker_pool: asyncpg.Pool | None = field(init=False, default=None)
    announcer: Announcer = field(init=False)
    ledger: Ledger = field(init=False)
    keys: FileKeyProvider = field(init=False)
    snapshots: Snapshots = field(init=False)
    repository: Repository = field(init=False)
    directory: TenantDirectory = field(init=False)
    authenticator: KeyAuthenticator = field(init=False)
    sessions: Sessions = field(init=False)
    cases: Cases = field(init=False)
    tenancy: Tenancy = field(init=False)
    reads: ReadLog = field(init=False)
    heavy: HeavyWork = field(init=False)
    checkpoints: Checkpoints = field(init=False)
    projections: ProjectionRunner = field(init=False)
    views: ViewReads = field(init=False)
    nats: NatsClient = field(init=False)
    bus_signer: BusSigner = field(init=False)
    data_keys: DataKeys = field(init=False)
    webhooks: WebhookStore = field(init=False)
    _opened: AsyncExitStack = field(init=False, default_factory=AsyncExitStack)

    async def open(self) -> Runtime:
        url = role_url(self.database_url, self.settings.app_db_password)
        self.pool = await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=self.settings.pool_size,
            command_timeout=30,
            reset=keep_session,
        )
        self._opened.push_async_callback(self.pool.close)
        if self.runs_workers:
            worker_url = role_url(self.database_url, self.settings.worker_db_password, WORKER_ROLE)
            self.worker_pool = await asyncpg.create_pool(
                worker_url,
                min_size=1,
                max_size=WORKER_POOL_SIZE,
                command_timeout=30,
                reset=keep_session,
            )
            self._opened.push_async_callback(self.worker_pool.close)
        following = self.worker_pool or self.pool
        self.announcer = Announcer(self.pool)
        self.announcer.start()
        self._opened.push_async_callback(self.announcer.close)
        self.ledger = Ledger(self.pool, self.announcer)
        self.keys = FileKeyProvider(self.settings.key_path)
        self.snapshots = Snapshots(
            self.pool, self.keys, self.settings.snapshot_every, kinds=(Complaint,)
        )
        self._opened.push_async_callback(self.snapshots.close)
        self.repository = Repository(self.ledger, make_mapper(self.keys), self.snapshots)
        self.directory = TenantDirectory(self.repository)
        self.authenticator = KeyAuthenticator(self.directory, self.settings.platform_admin_key)
        self.sessions = Sessions(
            self.pool,
            self.authenticator,
            self.directory,
            self.clock,
            idle=timedelta(minutes=self.settings.session_idle_minutes),
            lifetime=timedelta(hours=self.settings.session_max_hours),
        )
        self.cases = Cases(self.repository, self.ledger, self.clock)
        self.tenancy = Tenancy(self.repository)
        self.reads = ReadLog(self.repository)
        self.heavy = HeavyWork(
            self.keys,
            partial(FileKeyProvider, self.settings.key_path),  # each pool process its own
            mode=cast(Mode, self.settings.heavy_work),
            workers=self.settings.heavy_workers,
            slots=self.settings.heavy_slots,
            export_slots=self.settings.export_slots,
        )
        self._opened.push_async_callback(self.heavy.close)
        self.checkpoints = Checkpoints(following, self.settings.checkpoint_key_path, self.clock)
        self.projections = ProjectionRunner(following, envelope_decoder(self.repository.mapper))
        self.views = ViewReads(self.pool, self.ledger, self.projections)
        if self.bus:
            login = bus_login(self.settings, self.bus_user)
            self.nats = await nats.connect(
                [url.strip() for url in self.nats_url.split(",")],  # a cluster: comma-separated
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                allow_reconnect=True,
                connect_timeout=5,
                drain_timeout=BUS_DRAIN_TIMEOUT_S,
                disconnected_cb=self._bus_lost,
                reconnected_cb=self._bus_back,
                **({"user": login[0], "password": login[1]} if login else {}),
            )
            self._opened.push_async_callback(self._close_bus)
        self.bus_signer = BusSigner.from_file(self.settings.bus_key_path)
        self.webhooks = WebhookStore(self.pool)
        purged_bus = self.nats if self.bus else None
        self.data_keys = DataKeys(self.repository, self.keys, notification_purger(purged_bus))
        return self

    async def close(self) -> None:
        await self._opened.aclose()

    async def _close_bus(self) -> None:
        # Not wait_for: nats-py's drain swallows a cancellation and goes on flushing. Closed
        # under it past the bound, its flush fails at once.
        draining = asyncio.ensure_future(self.nats.drain())
        await asyncio.wait([draining], timeout=BUS_CLOSE_TIMEOUT_S)
        undrained = draining.exception() if draining.done() else "timed out"
        if undrained is not None:
            # what was not sent is lost here; the relay publishes it again from the ledger
            log.warning("bus connection closed undrained: %r", undrained)
        try:
            await asyncio.wait_for(self.nats.close(), BUS_CLOSE_TIMEOUT_S)
        except TimeoutError:
            log.warning("bus connection not closed within %ss", BUS_CLOSE_TIMEOUT_S)
        draining.cancel()
        await asyncio.gather(draining, return_exceptions=True)

    async def _bus_lost(self) -> None:
        if not self.nats.is_closed:  # not our own close
            log.warning("bus connection lost; reconnecting")

    async def _bus_back(self) -> None:
        log.info("bus connection back")
