"""A batch applied as planned (folded, in waves, set-based) leaves exactly the rows that its
changes leave applied one statement at a time, in order: random batches, real tables."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from projections.changes import Change, Delete, First, MergeJson, Patch, Upsert
from projections.store import apply, to_sql

CASE_KEY = ("tenant_id", "case_id")
ROLE_KEY = ("tenant_id", "case_id", "role")
DEADLINE_KEY = ("tenant_id", "case_id", "deadline_id")
T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
TABLES = {
    "case_list": "case_id",
    "case_roles": "case_id, role",
    "deadlines": "case_id, deadline_id",
}


def random_batch(rng: random.Random, tenant: UUID, cases: list[UUID], size: int) -> list[Change]:
    def at() -> datetime:
        return T0 + timedelta(minutes=rng.randrange(100))

    def pick(*values: Any) -> Any:
        return rng.choice(values)

    changes: list[Change] = []
    for seq in range(size):
        case = {"tenant_id": tenant, "case_id": rng.choice(cases)}
        role = {**case, "role": pick("nurse", "head", "clerk")}
        deadline = {**case, "deadline_id": pick("d1", "d2")}
        kind = rng.randrange(13)
        if kind == 0:
            row = {
                "summary": pick("a", "b"),
                "channel": "phone",
                "policy": "p",
                "status": "open",
                "owner": pick("x", "y"),
                "received_at": at(),
                "filed_at": at(),
                "updated_at": at(),
                "version": seq,
                "last_seq": seq,
            }
            changes.append(Upsert("case_list", CASE_KEY, {**case, **row}))
        elif kind in (1, 2, 3):
            options = {
                "status": pick("open", "closed"),
                "version": seq,
                "category": pick(None, "noise", "care"),
                "acknowledged_at": First(pick(None, at())),
                "handlers": MergeJson({pick("a", "b"): pick("x", "y")}),
                "closed_at": pick(None, at()),
                "owner": pick("x", "y"),
            }
            chosen = rng.sample(sorted(options), rng.randrange(1, 4))
            changes.append(Patch("case_list", case, {c: options[c] for c in chosen}))
        elif kind in (4, 5, 6):
            row = {**role, "reason": pick("r1", "r2"), "rule": "H4", "since": at()}
            changes.append(Upsert("case_roles", ROLE_KEY, row, keep=frozenset({"since"})))
        elif kind == 7:
            changes.append(Delete("case_roles", case))
        elif kind == 8:
            table, column = pick(("case_list", "summary"), ("case_roles", "reason"))
            changes.append(Patch(table, {"tenant_id": tenant}, {column: "[erased]"}))
        elif kind == 9:
            row = {
                **deadline,
                "kind": "k",
                "rule": "H1",
                "roles": ["nurse"],
                "started_at": at(),
                "due_at": at(),
                "state": pick("open", "paused", "met"),
                "ended_at": None,
            }
            changes.append(Upsert("deadlines", DEADLINE_KEY, row))
        elif kind == 10:
            values = pick({"state": "met", "ended_at": at()}, {"state": "paused"}, {"due_at": at()})
            changes.append(Patch("deadlines", deadline, values))
        elif kind == 11:
            changes.append(Delete("deadlines", {"tenant_id": tenant, "state": "open"}))
        else:  # a where that names a column the change sets
            was, now = rng.sample(["open", "paused", "met"], 2)
            changes.append(Patch("deadlines", {"tenant_id": tenant, "state": was}, {"state": now}))
    return changes


async def rows_of(conn: asyncpg.Connection, tenant: UUID) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    for table, order in TABLES.items():
        records = await conn.fetch(
            f"SELECT * FROM {table} WHERE tenant_id = $1 ORDER BY {order}", tenant
        )
        found[table] = [tuple(v for k, v in r.items() if k != "tenant_id") for r in records]
    return found


async def test_planned_batches_leave_the_rows_that_statement_by_statement_leaves(
    owner: asyncpg.Connection,
) -> None:
    rng = random.Random(20261129)
    cases = [uuid4() for _ in range(3)]
    for _ in range(150):
        one, other = uuid4(), uuid4()
        # the same batch for two tenants, each with some rows already there
        before = random_batch(rng, one, cases, rng.randrange(0, 20))
        batch = random_batch(rng, one, cases, rng.randrange(1, 30))
        async with owner.transaction():
            for tenant, changes in ((one, before + batch), (other, before + batch)):
                retargeted = [_for(c, tenant) for c in changes]
                head, tail = retargeted[: len(before)], retargeted[len(before) :]
                for change in head:
                    await owner.execute(*_statement(change))
                if tenant == one:
                    for change in tail:
                        await owner.execute(*_statement(change))
                else:
                    await apply(owner, tail)
            assert await rows_of(owner, other) == await rows_of(owner, one), batch
            await owner.execute("DELETE FROM case_list WHERE tenant_id = ANY($1)", [one, other])
            await owner.execute("DELETE FROM case_roles WHERE tenant_id = ANY($1)", [one, other])
            await owner.execute("DELETE FROM deadlines WHERE tenant_id = ANY($1)", [one, other])


def _statement(change: Change) -> list[Any]:
    sql, args = to_sql(change)
    return [sql, *args]


def _for(change: Change, tenant: UUID) -> Change:
    if isinstance(change, Upsert):
        return Upsert(change.table, change.key, {**change.row, "tenant_id": tenant}, change.keep)
    where = {**change.where, "tenant_id": tenant}
    if isinstance(change, Patch):
        return Patch(change.table, where, change.values)
    return Delete(change.table, where)


async def test_values_asyncpg_cannot_send_as_their_columns_type_go_as_json(
    owner: asyncpg.Connection,
) -> None:
    tenant, case = uuid4(), uuid4()
    by_text = [
        Upsert(
            "case_roles",
            ROLE_KEY,
            {
                "tenant_id": tenant,
                "case_id": case,
                "role": role,
                "reason": UUID(int=7),  # a text column
                "rule": "H4",
                "since": "2026-03-02T09:00:00+08:00",  # a timestamptz column
            },
        )
        for role in ("nurse", "head")
    ]
    async with owner.transaction():
        await apply(owner, by_text)
        rows = await owner.fetch(
            "SELECT role, reason, since FROM case_roles WHERE tenant_id = $1 ORDER BY role", tenant
        )
        assert [tuple(r) for r in rows] == [
            (role, str(UUID(int=7)), datetime(2026, 3, 2, 1, tzinfo=UTC))
            for role in ("head", "nurse")
        ]
        await owner.execute("DELETE FROM case_roles WHERE tenant_id = $1", tenant)
