"""Turn row changes into SQL. A batch's changes are planned into waves
(``projections/plan.py``); within a wave, the changes of one shape (table, kind, columns) go
out as one set-based statement over an array of rows of the table's type, so a batch of a
thousand events costs about ten statements rather than thousands."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import asyncpg
import msgspec

from projections.changes import Change, Delete, First, MergeJson, Patch, Upsert
from projections.plan import plan


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


def _shape(change: Change) -> tuple[Any, ...]:
    """What decides a change's SQL: changes of one shape differ only in their values."""
    if isinstance(change, Upsert):
        return (Upsert, change.table, tuple(change.row), change.key, change.keep)
    if isinstance(change, Patch):
        values = change.values
        marks = tuple(zip(values, map(type, values.values()), strict=True))
        return (Patch, change.table, marks, tuple(change.where))
    return (Delete, change.table, tuple(change.where))


# How a set-based statement reads its changes' values (``$1``) as rows of the table's type:
# an array of the row type, sent in binary, or (where asyncpg cannot encode a value as the
# column's type) a jsonb array that PostgreSQL casts, as the text of each value says.
RECORDS = "unnest($1::{table}[]) v"
JSON_ROWS = "jsonb_populate_recordset(NULL::{table}, $1::jsonb) v"


@lru_cache(maxsize=1024)
def _set_sql(shape: tuple[Any, ...], source: str = RECORDS) -> str | None:
    """One statement for many changes of a shape, their values as rows of the table's row
    type; None where the shape cannot be said so."""
    kind, table = shape[0], shape[1]
    rows = source.format(table=table)
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
    """What a jsonb row says for a value msgspec does not write itself: a marked value's
    value (the statement uses it as its shape's marks say), a mapping's dict."""
    if isinstance(value, MergeJson):
        return dict(value.value)
    if isinstance(value, First):
        return value.value
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


_encode = msgspec.json.Encoder(enc_hook=_json_value).encode


def _values(change: Change) -> Mapping[str, Any]:
    """A change's columns and their values, as one row of its statement's rows."""
    if isinstance(change, Upsert):
        return change.row
    if isinstance(change, Patch):
        return {**change.values, **change.where}
    return change.where


async def _row_type(conn: asyncpg.Connection, table: str) -> tuple[tuple[str, ...], set[str]]:
    """A table's columns in order (its row type), and which of them hold JSON."""
    if table not in _ROW_TYPES:
        rows = await conn.fetch(
            "SELECT attname, atttypid IN ('json'::regtype, 'jsonb'::regtype) AS json"
            "  FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0"
            "   AND NOT attisdropped ORDER BY attnum",
            table,
        )
        _ROW_TYPES[table] = (
            tuple(r["attname"] for r in rows),
            {r["attname"] for r in rows if r["json"]},
        )
    return _ROW_TYPES[table]


# per table: every database a process writes has the migrations' schema (a column added
# under a running process only sends its rows as JSON until it restarts: see _set_based)
_ROW_TYPES: dict[str, tuple[tuple[str, ...], set[str]]] = {}


async def _set_based(
    conn: asyncpg.Connection, shape: tuple[Any, ...], sql: str, group: list[Change]
) -> None:
    """Run ``sql`` over the group's values as records of the table's row type: binary, so
    PostgreSQL parses no text (a third of its time per row against a jsonb array)."""
    columns, json = await _row_type(conn, shape[1])
    named = {*(c for c, _ in shape[2]), *shape[3]} if shape[0] is Patch else set(shape[2])
    texts = [columns.index(c) for c in json & named]  # asyncpg takes JSON as its text
    firsts = (
        [columns.index(c) for c, mark in shape[2] if mark is First] if shape[0] is Patch else []
    )
    records = []
    for change in group:
        record = list(map(_values(change).get, columns))
        for i in texts:
            if record[i] is not None:
                record[i] = _encode(record[i]).decode()
        for i in firsts:
            record[i] = record[i].value
        records.append(tuple(record))
    try:
        await conn.execute(sql, records)
    except (asyncpg.DataError, asyncpg.InterfaceError) as refused:
        # A value asyncpg cannot encode as its column's type (a string for a time, say) is
        # refused before anything is sent, in a message that names the argument (PostgreSQL's
        # never do): the transaction goes on, and PostgreSQL reads the values as JSON instead.
        if "query argument $" not in str(refused):
            raise
        json_rows = _encode([_values(c) for c in group]).decode()
        await conn.execute(_set_sql(shape, JSON_ROWS), json_rows)


async def apply(conn: asyncpg.Connection, changes: Sequence[Change]) -> None:
    for wave in plan(changes):
        shapes: dict[tuple[Any, ...], list[Change]] = {}
        for change in wave:
            shapes.setdefault(_shape(change), []).append(change)
        for shape, group in shapes.items():
            sql = _set_sql(shape) if len(group) > 1 else None
            if sql is not None:
                await _set_based(conn, shape, sql, group)
                continue
            statements = [to_sql(c) for c in group]
            if len(statements) == 1:
                await conn.execute(statements[0][0], *statements[0][1])
            else:
                await conn.executemany(statements[0][0], [args for _, args in statements])
