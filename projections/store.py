"""Turn row changes into SQL. A batch's changes are split into waves that keep each row's
changes in order; within a wave, the changes of one shape (table, kind, columns) go out as
one set-based statement over a jsonb array of their values, so a batch of a thousand events
costs a few dozen statements rather than a thousand."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import asyncpg
import msgspec

from projections.changes import Change, Delete, First, MergeJson, Patch, Upsert


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


def _key(change: Change) -> Mapping[str, Any]:
    return {c: change.row[c] for c in change.key} if isinstance(change, Upsert) else change.where


def _rows(changes: Sequence[Change]) -> dict[str, list[str]]:
    """Per table, the key columns every change of it in the batch names: two changes may
    touch the same rows only if they agree on these."""
    common: dict[str, set[str]] = {}
    for change in changes:
        named = set(_key(change))
        common[change.table] = common.get(change.table, named) & named
    return {table: sorted(columns) for table, columns in common.items()}


def _then(before: Any, after: Any) -> Any:
    """One column's value that does what setting ``before`` and then ``after`` does, or
    ``_APART`` where no single value does."""
    if isinstance(after, First):
        if isinstance(before, First):
            return First(before.value if before.value is not None else after.value)
        if isinstance(before, MergeJson):
            return _APART
        return before if before is not None else after.value
    if isinstance(after, MergeJson):
        if isinstance(before, MergeJson):
            return MergeJson({**before.value, **after.value})
        return _APART
    return after


_APART = object()


def fold(changes: Sequence[Change], rows: dict[str, list[str]]) -> list[Change]:
    """Consecutive patches of one row become one patch (a case's status, version and
    counters change with nearly every event: a rebuild would rewrite its row each time)."""
    out: list[Change] = []
    last: dict[tuple[Any, ...], int] = {}  # rows -> index in out of the latest change there
    for change in changes:
        key = _key(change)
        ident = (change.table, *(key[c] for c in rows[change.table]))
        before = out[last[ident]] if ident in last else None
        if isinstance(change, Patch) and isinstance(before, Patch) and before.where == key:
            values = dict(before.values)
            for column, value in change.values.items():
                values[column] = _then(values[column], value) if column in values else value
            if _APART not in values.values():
                out[last[ident]] = Patch(change.table, key, values)
                continue
        last[ident] = len(out)
        out.append(change)
    return out


def waves(changes: Sequence[Change], rows: dict[str, list[str]]) -> list[list[Change]]:
    """Split changes into waves that may each run in any order: a change goes one wave after
    the last earlier change that may touch the same rows (same table, same values in the key
    columns that every change of that table in the batch names), so each row still sees its
    changes in order while one statement shape of a wave is one ``executemany``."""
    depth: dict[tuple[Any, ...], int] = {}
    out: list[list[Change]] = []
    for change in changes:
        key = _key(change)
        ident = (change.table, *(key[c] for c in rows[change.table]))
        wave = depth[ident] = depth.get(ident, -1) + 1
        if wave == len(out):
            out.append([])
        out[wave].append(change)
    return out


def _shape(change: Change) -> tuple[Any, ...]:
    """What decides a change's SQL: changes of one shape differ only in their values."""
    if isinstance(change, Upsert):
        return (Upsert, change.table, tuple(change.row), change.key, change.keep)
    if isinstance(change, Patch):
        marks = tuple((c, type(v)) for c, v in change.values.items())
        return (Patch, change.table, marks, tuple(change.where))
    return (Delete, change.table, tuple(change.where))


@lru_cache(maxsize=512)
def _set_sql(shape: tuple[Any, ...]) -> str | None:
    """One statement for many changes of a shape, their values as rows of a jsonb array
    (``$1``) read into the table's row type; None where the shape cannot be said so."""
    kind, table = shape[0], shape[1]
    rows = f"jsonb_populate_recordset(NULL::{table}, $1::jsonb) v"
    if kind is Upsert:
        columns, key, keep = shape[2], shape[3], shape[4]
        updates = [c for c in columns if c not in key and c not in keep]
        conflict = (
            "DO UPDATE SET " + ", ".join(f"{c} = EXCLUDED.{c}" for c in updates)
            if updates
            else "DO NOTHING"
        )
        return (
            f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(columns)} FROM {rows}"
            f" ON CONFLICT ({', '.join(key)}) {conflict}"
        )
    where = shape[3] if kind is Patch else shape[2]
    match = " AND ".join(f"t.{c} = v.{c}" for c in where)
    if kind is Delete:
        return f"DELETE FROM {table} t USING {rows} WHERE {match}"
    if {c for c, _ in shape[2]} & set(where):
        return None  # a column both matched and set: one statement a change
    sets = []
    for column, mark in shape[2]:
        if mark is First:
            sets.append(f"{column} = COALESCE(t.{column}, v.{column})")
        elif mark is MergeJson:
            sets.append(f"{column} = t.{column} || v.{column}")
        else:
            sets.append(f"{column} = v.{column}")
    return f"UPDATE {table} t SET {', '.join(sets)} FROM {rows} WHERE {match}"


def _json_value(value: Any) -> Any:
    if isinstance(value, First):
        return value.value
    if isinstance(value, MergeJson):
        return dict(value.value)
    return value


def _json_row(change: Change) -> dict[str, Any]:
    if isinstance(change, Upsert):
        return {c: _json_value(v) for c, v in change.row.items()}
    if isinstance(change, Patch):
        return {**{c: _json_value(v) for c, v in change.values.items()}, **change.where}
    return dict(change.where)


async def apply(conn: asyncpg.Connection, changes: Sequence[Change]) -> None:
    rows = _rows(changes)
    for wave in waves(fold(changes, rows), rows):
        shapes: dict[tuple[Any, ...], list[Change]] = {}
        for change in wave:
            shapes.setdefault(_shape(change), []).append(change)
        for shape, group in shapes.items():
            sql = _set_sql(shape) if len(group) > 1 else None
            if sql is not None:
                await conn.execute(sql, msgspec.json.encode([_json_row(c) for c in group]).decode())
                continue
            statements = [to_sql(c) for c in group]
            if len(statements) == 1:
                await conn.execute(statements[0][0], *statements[0][1])
            else:
                await conn.executemany(statements[0][0], [args for _, args in statements])
