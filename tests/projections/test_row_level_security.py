"""Below the application: SQL that forgets its tenant sees nothing of anyone."""

from __future__ import annotations

from uuid import uuid4

import asyncpg
import pytest

from services.runtime import Runtime, role_url
from services.settings import WORKER_ROLE
from tests.projections.support import TABLES, caught_up, hospital_with_cases


@pytest.fixture
async def app_conn(database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(role_url(database_url, None))
    yield conn
    await conn.close()


@pytest.fixture
async def worker_conn(database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(role_url(database_url, None, WORKER_ROLE))
    yield conn
    await conn.close()


# The ledger's tables, each with the tenant column row-level security keys on.
LEDGER_TABLES = (
    "events",
    "ledger_heads",
    "idempotency_keys",
    "checkpoints",
    "checkpoint_refusals",
    "projection_tracking",
    "projection_quarantine",
    "snapshots",
)


async def test_tenant_a_setting_returns_zero_rows_of_tenant_b(
    runtime: Runtime, app_conn: asyncpg.Connection
) -> None:
    a = await hospital_with_cases(runtime, 3)
    b = await hospital_with_cases(runtime, 3)
    await caught_up(runtime, a)
    await caught_up(runtime, b)
    for table in TABLES:
        async with app_conn.transaction():
            await app_conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(a))
            # asking for B's rows by name: still nothing
            assert (
                await app_conn.fetchval(f"SELECT count(*) FROM {table} WHERE tenant_id = $1", b)
                == 0
            )
            # asking for everything: only A's rows
            tenants = await app_conn.fetch(f"SELECT DISTINCT tenant_id FROM {table}")
            assert {r["tenant_id"] for r in tenants} <= {a}
    assert (
        await app_conn.fetchval("SELECT count(*) FROM case_list WHERE tenant_id = $1", a) == 0
    )  # no setting at all


async def test_a_tenant_cannot_write_rows_for_another(
    runtime: Runtime, app_conn: asyncpg.Connection
) -> None:
    a = await hospital_with_cases(runtime, 1)
    b = await hospital_with_cases(runtime, 1)
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(a))
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await app_conn.execute(
                "INSERT INTO case_roles VALUES ($1, gen_random_uuid(), 'x', 'r', 'C2', now())", b
            )


async def test_the_ledger_tables_show_the_api_role_one_tenant_and_none_unnamed(
    runtime: Runtime, app_conn: asyncpg.Connection
) -> None:
    a = await hospital_with_cases(runtime, 2)
    b = await hospital_with_cases(runtime, 2)
    for tenant in (a, b):  # a retry's answer kept in each tenant's rows
        async with runtime.ledger.unit_of_work() as uow:
            await uow.remember(tenant, uuid4(), "k-1", "sha", 201, b"{}")
    for tenant in (a, b):
        await caught_up(runtime, tenant)
        assert await runtime.checkpoints.sign(tenant) is not None
    for table in LEDGER_TABLES:
        assert await app_conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
        async with app_conn.transaction():
            await app_conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(a))
            seen = await app_conn.fetch(f"SELECT DISTINCT tenant_id FROM {table}")
            assert {r["tenant_id"] for r in seen} <= {a, None}, table
    async with app_conn.transaction():
        await app_conn.execute("SELECT set_config('app.tenant_id', $1, true)", str(a))
        assert await app_conn.fetchval("SELECT count(*) FROM events") > 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await app_conn.execute(
                "INSERT INTO events VALUES ($1, 0, gen_random_uuid(), 1, 't', 's', now(), '', '')",
                b,
            )


async def test_the_api_role_cannot_widen_a_transaction_to_many_tenants(
    runtime: Runtime, app_conn: asyncpg.Connection, worker_conn: asyncpg.Connection
) -> None:
    """app.round_tenants is the workers' alone: set by the API's role it admits nothing."""
    a, b = [await hospital_with_cases(runtime, 2) for _ in range(2)]
    for tenant in (a, b):
        await caught_up(runtime, tenant)
    everyone = "{" + ",".join(map(str, (a, b))) + "}"
    for conn, expected in ((app_conn, set()), (worker_conn, {a, b})):
        async with conn.transaction():
            await conn.execute("SELECT set_config('app.round_tenants', $1, true)", everyone)
            for table in TABLES:
                seen = await conn.fetch(f"SELECT DISTINCT tenant_id FROM {table}")
                assert {r["tenant_id"] for r in seen} <= expected, table
            seen = await conn.fetch("SELECT DISTINCT tenant_id FROM case_list")
            assert {r["tenant_id"] for r in seen} == expected


async def test_a_runner_round_sees_and_writes_its_tenants_only(
    runtime: Runtime, worker_conn: asyncpg.Connection
) -> None:
    """A round names its tenants (app.round_tenants); every view table admits those and no
    other, and the setting ends with the transaction."""
    a, b, c = [await hospital_with_cases(runtime, 2) for _ in range(3)]
    for tenant in (a, b, c):
        await caught_up(runtime, tenant)
    async with worker_conn.transaction():
        await worker_conn.execute(
            "SELECT set_config('app.round_tenants', $1, true)", f"{{{a},{b}}}"
        )
        for table in TABLES:
            tenants = await worker_conn.fetch(f"SELECT DISTINCT tenant_id FROM {table}")
            assert {r["tenant_id"] for r in tenants} <= {a, b}, table
        seen = await worker_conn.fetch("SELECT DISTINCT tenant_id FROM case_list")
        assert {r["tenant_id"] for r in seen} == {a, b}
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="row-level security"):
            await worker_conn.execute(
                "INSERT INTO case_roles VALUES ($1, gen_random_uuid(), 'x', 'r', 'C2', now())", c
            )
    assert await worker_conn.fetchval("SELECT count(*) FROM case_list") == 0  # setting gone
