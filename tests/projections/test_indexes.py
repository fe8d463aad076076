"""At 100,000 events across 100 tenants, list and inbox queries use indexes."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from projections.runner import set_tenant

TENANTS = 100
CASES_PER_TENANT = 250  # x ~4 events each (filed, classified, notified, note) = 100,000 events


def plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes += plan_nodes(child)
    return nodes


@pytest.fixture(scope="module")
async def crowded(owner: asyncpg.Connection) -> UUID:
    """View rows for 100 tenants, written directly (the projector's speed is `make bench`'s
    business; here we ask only what the planner does with this much data)."""
    await owner.execute(
        """
        INSERT INTO case_list (tenant_id, case_id, summary, channel, policy, status, category,
                               level, rung, owner, handlers, received_at, filed_at, updated_at,
                               version, last_seq)
        SELECT ('00000000-0000-0000-0000-' || lpad(t::text, 12, '0'))::uuid, gen_random_uuid(),
               'case ' || n, 'phone', 'hospital@1',
               (ARRAY['open', 'resolved', 'closed'])[1 + n % 3], 'medical_dispute', n % 4,
               'department', 'p' || n % 20, jsonb_build_object('A', 'p' || n % 7),
               now() - n * interval '1 hour', now(), now(), 4, n * 4
          FROM generate_series(1, $1) t, generate_series(1, $2) n
        """,
        TENANTS,
        CASES_PER_TENANT,
    )
    await owner.execute(
        """
        INSERT INTO case_roles SELECT tenant_id, case_id, r, 'complaint received', 'H4',
               received_at FROM case_list, unnest(ARRAY['department_head', 'medical_affairs']) r
         WHERE tenant_id::text LIKE '00000000-0000-0000-0000-%'
        """
    )
    await owner.execute(
        """
        INSERT INTO deadlines SELECT tenant_id, case_id, 'H7', 'records', 'H7',
               ARRAY['department_head'], received_at, received_at + interval '7 days', 'open'
          FROM case_list WHERE tenant_id::text LIKE '00000000-0000-0000-0000-%'
        """
    )
    await owner.execute("ANALYZE case_list; ANALYZE case_roles; ANALYZE deadlines")
    return UUID("00000000-0000-0000-0000-000000000042")


async def explain(conn: asyncpg.Connection, tenant_id: UUID, sql: str, *args: Any) -> list[str]:
    async with conn.transaction():
        await set_tenant(conn, tenant_id)
        raw = await conn.fetchval(f"EXPLAIN (FORMAT JSON) {sql}", *args)
    plan = json.loads(raw)[0]["Plan"]
    return [f"{n['Node Type']} {n.get('Relation Name', '')}".strip() for n in plan_nodes(plan)]


async def test_case_list_queries_use_indexes(crowded: UUID, database_url: str) -> None:
    from projections import case_list
    from services.runtime import role_url

    conn = await asyncpg.connect(role_url(database_url, None))
    try:
        queries = [
            ("", []),
            ("AND c.status = $2", ["open"]),
            (
                "AND EXISTS (SELECT 1 FROM case_roles r WHERE r.tenant_id = c.tenant_id"
                " AND r.case_id = c.case_id AND r.role = $2)",
                ["medical_affairs"],
            ),
        ]
        for condition, args in queries:
            sql = (
                f"SELECT {case_list.LIST_COLUMNS} FROM case_list c WHERE c.tenant_id = $1 "
                f"{condition} ORDER BY c.received_at DESC, c.case_id DESC LIMIT 50"
            )
            nodes = await explain(conn, crowded, sql, crowded, *args)
            assert not [n for n in nodes if n.startswith("Seq Scan")], (condition, nodes)
    finally:
        await conn.close()


async def test_inbox_query_uses_indexes(crowded: UUID, database_url: str) -> None:
    from projections import case_list
    from services.runtime import role_url

    sql = case_list.INBOX_SQL
    conn = await asyncpg.connect(role_url(database_url, None))
    try:
        nodes = await explain(conn, crowded, sql, crowded, ["department_head"], 100)
        assert not [n for n in nodes if n.startswith("Seq Scan")], nodes
    finally:
        await conn.close()


async def test_a_unit_readers_list_and_inbox_use_indexes(
    crowded: UUID, owner: asyncpg.Connection, database_url: str
) -> None:
    """A reader held to some units: the list of those units' cases and the inbox of the
    (role, unit) pairs they cover still read by index."""
    from projections import case_list
    from services.runtime import role_url

    await owner.execute(
        "UPDATE case_list SET unit_id = (ARRAY['ortho', 'cardio', NULL])[1 + level % 3]"
        " WHERE tenant_id::text LIKE '00000000-0000-0000-0000-%'"
    )
    await owner.execute("ANALYZE case_list")
    listing = (
        f"SELECT {case_list.LIST_COLUMNS} FROM case_list c WHERE c.tenant_id = $1"
        " AND c.unit_id = ANY($2::text[]) ORDER BY c.received_at DESC, c.case_id DESC LIMIT 50"
    )
    scoped_inbox = case_list.inbox_sql(scoped=True, after=False)
    conn = await asyncpg.connect(role_url(database_url, None))
    try:
        for sql, args in (
            (listing, [["ortho"]]),
            (scoped_inbox, [[], 100, ["department_head"], ["ortho"]]),
        ):
            nodes = await explain(conn, crowded, sql, crowded, *args)
            assert not [n for n in nodes if n.startswith("Seq Scan")], nodes
    finally:
        await conn.close()
