"""What a command opens: the migrated database, the bus when it needs one, and the tenant it
names. A server that does not answer is an OperatorError naming DATABASE_URL or NATS_URL."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import nats
import nats.errors

from domain.tenant import tenant_id_for
from services.cli.errors import OperatorError, unreachable
from services.engines import READER, EngineUrls, bus_login
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate

# What connecting to PostgreSQL raises when the server is away, refuses the login or has no
# such database; a failing statement is not among them.
DATABASE_UNREACHABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InvalidAuthorizationSpecificationError,
    asyncpg.InvalidCatalogNameError,
    asyncpg.CannotConnectNowError,
)
BUS_TIMEOUT_S = 5.0


def database_unreachable(
    settings: Settings, urls: EngineUrls, cause: BaseException
) -> OperatorError:
    configured = settings.database_url is not None
    return OperatorError(
        unreachable("database", urls.database_url, "DATABASE_URL", configured, cause)
    )


async def migrated(settings: Settings, urls: EngineUrls) -> list[str]:
    """The migrations applied now (none when the schema is current)."""
    try:
        return await migrate(
            urls.database_url, settings.app_db_password, settings.worker_db_password
        )
    except DATABASE_UNREACHABLE as error:
        raise database_unreachable(settings, urls, error) from None


async def check_bus(settings: Settings, urls: EngineUrls, user: str = READER) -> None:
    """Fail now when the bus does not answer: the Runtime's client would wait for it without
    end, since it tries again for ever, its first connection included."""
    failures: list[Exception] = []

    async def note(error: Exception) -> None:  # instead of nats-py's logged traceback
        failures.append(error)

    login = bus_login(settings, user)
    try:
        client = await nats.connect(
            [url.strip() for url in urls.nats_url.split(",")],
            allow_reconnect=False,
            max_reconnect_attempts=1,
            reconnect_time_wait=0.1,
            connect_timeout=BUS_TIMEOUT_S,
            error_cb=note,
            **({"user": login[0], "password": login[1]} if login else {}),
        )
    except (nats.errors.Error, OSError, TimeoutError) as error:
        cause = failures[-1] if failures else error
        configured = settings.nats_url is not None
        raise OperatorError(
            unreachable("bus", urls.nats_url, "NATS_URL", configured, cause)
        ) from None
    await client.close()


async def open_runtime(
    settings: Settings,
    urls: EngineUrls,
    *,
    bus: bool = False,
    bus_user: str = READER,
    runs_workers: bool = False,
) -> Runtime:
    """A Runtime on the migrated database; connected to the bus only when ``bus``."""
    await migrated(settings, urls)
    if bus:
        await check_bus(settings, urls, bus_user)
    runtime = Runtime(
        settings,
        urls.database_url,
        urls.nats_url,
        bus_user=bus_user,
        runs_workers=runs_workers,
        bus=bus,
    )
    try:
        return await runtime.open()
    except DATABASE_UNREACHABLE as error:
        await runtime.close()
        raise database_unreachable(settings, urls, error) from None


def tenant_ref(value: str) -> UUID:
    """A tenant's id, given as itself or as the tenant's slug."""
    try:
        return UUID(value)
    except ValueError:
        return tenant_id_for(value)


async def known_tenant(runtime: Runtime, value: str) -> UUID:
    """The id of the tenant ``value`` names; an OperatorError when the ledger has none."""
    tenant_id = tenant_ref(value)
    if await runtime.ledger.head(tenant_id) is None:
        raise OperatorError(f"no tenant {value}")
    return tenant_id
