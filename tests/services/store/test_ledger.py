"""The ledger below the application: append-only, gap-free, hash-chained (C1)."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg
import pytest
from eventsourcing.persistence import StoredEvent
from httpx import AsyncClient

from services.runtime import Runtime, role_url
from services.store.ledger import Announcer, Conflict, Ledger
from services.store.tenant_rows import set_tenant
from tests.services.support import complaint_body, new_tenant


@pytest.fixture
async def app_conn(database_url: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(role_url(database_url, None))
    yield conn
    await conn.close()


def event(originator: UUID, version: int) -> StoredEvent:
    return StoredEvent(originator, version, "tests:Thing.Happened", b'{"n":%d}' % version)


async def test_app_role_cannot_update_delete_or_truncate(
    app_conn: asyncpg.Connection, runtime: Runtime, client: AsyncClient
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    for sql in (
        "UPDATE events SET state = 'x' WHERE tenant_id = $1",
        "DELETE FROM events WHERE tenant_id = $1",
    ):
        # refused by the grants, before the append-only trigger is even reached
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await app_conn.execute(sql, UUID(tenant.tenant_id))
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await app_conn.execute("TRUNCATE events")


async def test_even_the_owner_cannot_rewrite_history(
    owner: asyncpg.Connection, client: AsyncClient
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await owner.execute("DELETE FROM events WHERE tenant_id = $1", UUID(tenant.tenant_id))
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await owner.execute(
            "UPDATE events SET topic = 'x' WHERE tenant_id = $1", UUID(tenant.tenant_id)
        )


async def test_chain_check_names_the_altered_row(
    owner: asyncpg.Connection, runtime: Runtime, client: AsyncClient
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    tenant_id = UUID(tenant.tenant_id)
    for _ in range(3):
        await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    assert (await runtime.ledger.verify(tenant_id)).ok
    head_seq = (await runtime.ledger.head(tenant_id))[0]
    target = head_seq - 2

    await owner.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    try:
        await owner.execute(
            "UPDATE events SET state = convert_to('{\"summary\":\"forged\"}', 'UTF8')"
            " WHERE tenant_id = $1 AND seq = $2",
            tenant_id,
            target,
        )
    finally:
        await owner.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")

    report = await runtime.ledger.verify(tenant_id)
    assert not report.ok
    assert report.bad_seq == target
    assert "hash" in report.reason


async def test_chain_check_names_a_deleted_row(
    owner: asyncpg.Connection, runtime: Runtime, client: AsyncClient
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    tenant_id = UUID(tenant.tenant_id)
    await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    await owner.execute("ALTER TABLE events DISABLE TRIGGER events_append_only")
    try:
        await owner.execute("DELETE FROM events WHERE tenant_id = $1 AND seq = 2", tenant_id)
    finally:
        await owner.execute("ALTER TABLE events ENABLE TRIGGER events_append_only")
    report = await runtime.ledger.verify(tenant_id)
    assert (report.ok, report.bad_seq) == (False, 2)


async def test_concurrent_filings_for_four_tenants_leave_gap_free_valid_chains(
    owner: asyncpg.Connection, runtime: Runtime, client: AsyncClient
) -> None:
    tenants = [await new_tenant(client, "hospital@1") for _ in range(4)]
    filings = [
        client.post("/v1/complaints", headers=t.admin, json=complaint_body(summary=f"#{n}"))
        for n in range(50)
        for t in tenants
    ]
    answers = await asyncio.gather(*filings)
    assert [a.status_code for a in answers] == [201] * 200
    for tenant in tenants:
        tenant_id = UUID(tenant.tenant_id)
        seqs = [
            r["seq"]
            for r in await owner.fetch(
                "SELECT seq FROM events WHERE tenant_id = $1 ORDER BY seq", tenant_id
            )
        ]
        assert seqs == list(range(1, len(seqs) + 1))
        report = await runtime.ledger.verify(tenant_id)
        assert report.ok and report.head_seq == len(seqs)
        filed = await owner.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND topic LIKE '%Complaint.Filed'",
            tenant_id,
        )
        assert filed == 50


async def test_a_stale_aggregate_version_is_a_conflict(runtime: Runtime) -> None:
    ledger: Ledger = runtime.ledger
    tenant_id, thing = uuid4(), uuid4()
    await ledger.append(tenant_id, [event(thing, 1), event(thing, 2)])
    with pytest.raises(Conflict):
        await ledger.append(tenant_id, [event(thing, 2)])
    # the failed append consumed no seq: the chain stays gap-free
    assert await ledger.append(tenant_id, [event(thing, 3)]) == [3]
    assert (await ledger.verify(tenant_id)).ok


async def test_seq_hash_and_time_are_assigned_by_the_database(
    app_conn: asyncpg.Connection, runtime: Runtime
) -> None:
    tenant_id = uuid4()
    async with app_conn.transaction():
        await set_tenant(app_conn, tenant_id)  # row-level security admits the tenant named
        await app_conn.execute(
            "INSERT INTO events VALUES ($1, 99, $2, 1, 't', 's', '2000-01-01', 'x', 'y')",
            tenant_id,
            uuid4(),
        )
        row = await app_conn.fetchrow(
            "SELECT seq, recorded_at FROM events WHERE tenant_id = $1", tenant_id
        )
    assert row["seq"] == 1
    assert row["recorded_at"].year > 2000
    assert (await runtime.ledger.verify(tenant_id)).ok


async def test_announcer_wakes_followers_once_for_a_burst_and_flushes_on_close(
    database_url: str, runtime: Runtime
) -> None:
    """Writers hand their tenants to the announcer and answer at once; its NOTIFYs name every
    tenant that moved, a burst of commits costing one round trip rather than one each."""
    heard: list[str] = []
    listener = await asyncpg.connect(database_url)
    await listener.add_listener("ledger", lambda *args: heard.append(args[3]))
    pool = await asyncpg.create_pool(role_url(database_url, None), min_size=1, max_size=8)
    announcer = Announcer(pool)
    announcer.start()
    ledger = Ledger(pool, announcer)
    tenants = [uuid4() for _ in range(3)]
    try:
        await asyncio.gather(
            *(ledger.append(t, [event(uuid4(), 1)]) for t in tenants for _ in range(10))
        )
        await announcer.close()  # sends what is still pending
        for _ in range(100):
            if set(heard) >= {str(t) for t in tenants}:
                break
            await asyncio.sleep(0.02)
    finally:
        await pool.close()
        await listener.close()
    assert set(heard) == {str(t) for t in tenants}
    assert len(heard) < 30  # 30 commits, fewer announcements
