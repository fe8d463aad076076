"""Turn row changes into SQL. Consecutive changes of the same shape go out as one
``executemany`` so a batch costs few round trips."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import asyncpg

from projections.changes import Change, First, MergeJson, Patch, Upsert


def _assignment(column: str, value: Any, n: int) -> str:
    if isinstance(value, First):
        return f"{column} = COALESCE({column}, ${n})"
    if isinstance(value, MergeJson):
        return f"{column} = {column} || ${n}::jsonb"
    return f"{column} = ${n}"


def _plain(value: Any) -> Any:
    if isinstance(value, First):
        return value.value
    if isinstance(value, MergeJson):
        return json.dumps(dict(value.value))
    return value


def to_sql(change: Change) -> tuple[str, list[Any]]:
    if isinstance(change, Upsert):
        columns = list(change.row)
        placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
        updates = [c for c in columns if c not in change.key and c not in change.keep]
        conflict = (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in updates)
            if updates
            else "DO NOTHING"
        )
        sql = (
            f"INSERT INTO {change.table} ({', '.join(columns)}) VALUES ({placeholders}) "
            f"ON CONFLICT ({', '.join(change.key)}) {conflict}"
        )
        return sql, [_plain(change.row[c]) for c in columns]
    if isinstance(change, Patch):
        values, where = list(change.values), list(change.where)
        sets = ", ".join(_assignment(c, change.values[c], i) for i, c in enumerate(values, 1))
        conds = " AND ".join(f"{c} = ${i}" for i, c in enumerate(where, len(values) + 1))
        args = [_plain(change.values[c]) for c in values] + [change.where[c] for c in where]
        return f"UPDATE {change.table} SET {sets} WHERE {conds}", args
    where = list(change.where)
    conds = " AND ".join(f"{c} = ${i}" for i, c in enumerate(where, 1))
    return f"DELETE FROM {change.table} WHERE {conds}", [change.where[c] for c in where]


async def apply(conn: asyncpg.Connection, changes: Sequence[Change]) -> None:
    statements = [to_sql(change) for change in changes]
    for sql, group in groupby(statements, key=lambda s: s[0]):
        rows = [args for _, args in group]
        if len(rows) == 1:
            await conn.execute(sql, *rows[0])
        else:
            await conn.executemany(sql, rows)
