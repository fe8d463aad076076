"""A batch's row changes as waves of changes that may each run in any order.

Changes that may touch the same rows keep their order: a change goes one wave after the last
earlier change whose keys do not tell their rows apart. A change that can be folded into that
one is (consecutive patches of a row, an upsert and the plain patches after it, an upsert
repeated), and a delete of every row such changes touched drops them. Each row still sees its
changes in order, while the changes of one shape in a wave become one set-based statement
(``projections/store.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from projections.changes import Change, Delete, First, MergeJson, Patch, Upsert

Key = Mapping[str, Any]


@dataclass(frozen=True)
class Identity:
    """What tells a table's rows apart within a batch: key and where columns that no patch
    in it sets (a where may name a column that a patch sets, such as a deadline's state).

    An upsert sets its other columns too, but never one of its key: a change whose where
    names such a column is never told apart from the upsert, so their order holds."""

    common: Callable[[Key], Any]  # values of the columns every change names: an order to keep
    size: int  # how many columns that is
    extra: frozenset[str]  # other such columns some changes name: rows told apart further


def identities(changes: Sequence[Change]) -> dict[str, Identity]:
    named: dict[str, list[set[str]]] = {}
    moved: dict[str, set[str]] = {}
    shapes = {
        (c.table, c.key, ()) if type(c) is Upsert
        else (c.table, tuple(c.where), tuple(c.values) if type(c) is Patch else ())
        for c in changes
    }  # fmt: skip
    for table, key, sets in shapes:
        named.setdefault(table, []).append(set(key))
        moved.setdefault(table, set()).update(sets)
    out = {}
    for table, keys in named.items():
        common = sorted(set.intersection(*keys) - moved[table])
        extra = frozenset(set.union(*keys) - moved[table] - set(common))
        values = itemgetter(*common) if common else lambda _: ()
        out[table] = Identity(values, len(common), extra)
    return out


def key_of(change: Change) -> Key:
    if type(change) is Upsert:
        row = change.row
        return {c: row[c] for c in change.key}
    return change.where  # type: ignore[union-attr]


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
_UNSET = object()
MARKS = (First, MergeJson)


def _patched(before: Patch, after: Patch, own: bool) -> Patch | None:
    if before.where != after.where or not before.values.keys().isdisjoint(after.where):
        return None  # other rows, or the first moves them out of the second's reach
    had = before.values
    then = {c: _then(had[c], v) if c in had else v for c, v in after.values.items()}
    if _APART in then.values():
        return None
    if own:
        had.update(then)  # type: ignore[attr-defined]
        return before
    return Patch(after.table, after.where, {**had, **then})


def _patched_row(before: Upsert, after: Patch, own: bool) -> Upsert | None:
    """The upsert that writes ``before``'s row as ``after`` then patches it (a case filed and
    classified in one batch is inserted once, not inserted and then updated)."""
    row, key, keep = before.row, before.key, before.keep
    for column, value in after.values.items():
        if column in key or column in keep:
            return None
        had = row.get(column, _UNSET)
        if isinstance(had, MARKS) or type(value) is MergeJson:
            return None
        if had is _UNSET and type(value) is First:
            return None  # unset, it holds its default on insert, its old value on conflict
    then = {c: v if c not in row else _then(row[c], v) for c, v in after.values.items()}
    if own:
        row.update(then)  # type: ignore[attr-defined]
        return before
    return Upsert(before.table, key, {**row, **then}, keep)


def _upserted_again(before: Upsert, after: Upsert, own: bool) -> Upsert | None:
    if (
        after.key != before.key
        or after.keep != before.keep
        or after.row.keys() != before.row.keys()
    ):
        return None
    # the second finds the row the first wrote: it updates what it does not keep
    then = {c: v for c, v in after.row.items() if c not in after.keep}
    if own:
        before.row.update(then)  # type: ignore[attr-defined]
        return before
    return Upsert(after.table, after.key, {**before.row, **then}, after.keep)


def merged(
    before: Change, before_key: Key, after: Change, after_key: Key, own: bool = False
) -> Change | None:
    """One change that does what ``before`` and then ``after`` do, or None. ``own``: the plan
    made ``before`` itself, so it may grow in place rather than be copied."""
    if type(after) is Patch:
        if type(before) is Patch:
            return _patched(before, after, own)
        if type(before) is Upsert and after_key == before_key:
            return _patched_row(before, after, own)
    elif type(after) is Upsert and type(before) is Upsert and after_key == before_key:
        return _upserted_again(before, after, own)
    return None


def plan(changes: Sequence[Change]) -> list[list[Change]]:
    """The batch as waves of changes that may each run in any order (see above)."""
    tables = identities(changes)
    out: list[list[Change | None]] = [[]]
    # per table and values of its common columns, where its changes sit: [wave, place, key]
    # (the key worked out when a later change there needs it)
    placed: dict[tuple[Any, ...], list[list[Any]]] = {}
    made: dict[int, Change] = {}  # by id, the changes folding made: its own, to grow in place
    for change in changes:
        table = change.table
        identity = tables[table]
        ident = (table, identity.common(change.row if type(change) is Upsert else change.where))
        earlier = placed.setdefault(ident, [])
        if not earlier:  # the first change of these rows: the first wave
            earlier.append([0, len(out[0]), None])
            out[0].append(change)
            continue
        key = key_of(change)
        if type(change) is Delete and len(key) == identity.size:
            # it deletes every row these changes touched: what they did there is moot
            for wave, place, _ in earlier:
                out[wave][place] = None
            earlier.clear()
        extra = identity.extra
        depth = 0
        for entry in reversed(earlier):
            wave, place, other = entry
            before: Change = out[wave][place]  # type: ignore[assignment]
            if other is None:
                other = entry[2] = key_of(before)
            if extra and any(c in key and c in other and key[c] != other[c] for c in extra):
                continue  # other rows
            if not depth:
                folded = merged(before, other, change, key, id(before) in made)
                if folded is not None:
                    out[wave][place] = made[id(folded)] = folded
                    break
            depth = max(depth, wave + 1)
        else:
            if depth == len(out):
                out.append([])
            earlier.append([depth, len(out[depth]), key])
            out[depth].append(change)
    return [[c for c in wave if c is not None] for wave in out if any(wave)]
