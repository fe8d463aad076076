"""Where the databases come from: the configured URLs, or engines started under data_dir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from services.bus.stream_config import NATS_CONFIG
from services.engines import EmbeddedNats, EmbeddedPostgres
from services.settings import Settings


@dataclass(frozen=True)
class EngineUrls:
    database_url: str
    nats_url: str


@contextmanager
def engines(settings: Settings) -> Iterator[EngineUrls]:
    """Yield URLs for PostgreSQL and NATS, starting embedded ones for whichever is unset."""
    with ExitStack() as stack:
        database_url = settings.database_url
        if database_url is None:
            pg = EmbeddedPostgres(settings.data_dir / "pg", settings.embedded_pg_port).start()
            stack.callback(pg.stop)
            database_url = pg.url
        nats_url = settings.nats_url
        if nats_url is None:
            config = NATS_CONFIG if NATS_CONFIG.exists() else None  # fsync each write
            bus = EmbeddedNats(
                settings.data_dir / "nats", settings.embedded_nats_port, config=config
            ).start()
            stack.callback(bus.stop)
            nats_url = bus.url
        yield EngineUrls(database_url, nats_url)
