"""The peer of row 2: the ``eventsourcing`` library's own PostgreSQL application recorder.

It appends the same stored events as the ledger side (the same topic and state bytes, a
fresh originator id at version 1, one event per call) at the same writer counts and tenant
spread, into the same database. The library has no tenants, so each tenant gets its own
recorder and events table (``peer_t{n}_events``, made by the recorder's ``create_table()``),
as one application per tenant would have in production: the recorder's table lock (taken
on every insert, to keep notification ids in commit order) then serialises writers of one
tenant only, as the ledger's head row lock does. All the tenants' recorders share one
``PostgresDatastore`` whose pool holds one connection per writer, as the ledger's asyncpg
pool does.

The library is synchronous (psycopg 3, psycopg_pool), so the writers are threads, each
calling ``insert_events`` in a loop. It connects as the database owner (the tables are the
bench's own, so no grants are needed); the ledger side connects as the application role.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import parse_qs, unquote, urlsplit
from uuid import uuid4

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore


def table_name(tenant: int) -> str:
    return f"peer_t{tenant}_events"


def datastore_for(url: str, pool_size: int) -> PostgresDatastore:
    """A datastore on the database of ``url`` (a libpq URL, host possibly a socket dir)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    # an embedded server may be reached through a socket directory given as ?host=
    host = parts.hostname or query.get("host", [""])[0]
    return PostgresDatastore(
        dbname=unquote(parts.path.lstrip("/")),
        host=host,
        port=parts.port or query.get("port", ["5432"])[0],
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        pool_size=pool_size,
        # no pool_open_timeout: with it every get_connection() waits for a full pool, and
        # psycopg_pool's wait() asserts when two threads do that at once
    )


def create_tables(url: str, tenants: int) -> None:
    """Each tenant's events table, made as the library makes it."""
    datastore = datastore_for(url, 1)
    try:
        for tenant in range(tenants):
            PostgresApplicationRecorder(
                datastore, events_table_name=table_name(tenant)
            ).create_table()
    finally:
        datastore.close()


class Peer:
    """Per-tenant application recorders on one pool of ``writers`` connections."""

    def __init__(self, url: str, tenants: int, writers: int, template: StoredEvent) -> None:
        self.writers = writers
        self.template = template
        self.datastore = datastore_for(url, writers)
        try:
            self.recorders = [
                PostgresApplicationRecorder(self.datastore, events_table_name=table_name(tenant))
                for tenant in range(tenants)
            ]
            # fill the pool now, from one thread, so no run pays for connecting
            self.datastore.pool.open(wait=True, timeout=30.0)
        except BaseException:
            self.datastore.close()
            raise
        self.executor = ThreadPoolExecutor(writers, thread_name_prefix="peer-writer")

    def timed_writers(self, spread: int, seconds: float) -> int:
        """Run the writers for ``seconds`` over ``spread`` tenants; returns events appended."""
        stop = time.monotonic() + seconds
        topic, state = self.template.topic, self.template.state

        def loop(n: int) -> int:
            recorder = self.recorders[n % spread]
            count = 0
            while time.monotonic() < stop:
                recorder.insert_events([StoredEvent(uuid4(), 1, topic, state)])
                count += 1
            return count

        return sum(self.executor.map(loop, range(self.writers)))

    def close(self) -> None:
        self.executor.shutdown(wait=True)
        self.datastore.close()
