"""Cursor paging, the same for every list: ``?cursor=`` takes the ``next_cursor`` of the page
before (or follow its ``Link: <…>; rel="next"`` header, RFC 8288), ``limit`` the page's size.

A cursor is the sort key of a page's last row, as base64 JSON, and the next page is the rows
past that key in the list's order (keyset paging): a row added between two pages moves no
other row from one page to another, so no row is skipped or repeated.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request
from litestar.params import Parameter

from services.api.problems import FieldError

Cursor = Annotated[
    str | None, Parameter(max_length=400, description="next_cursor of the page before")
]

# Moments a query may name: a bound beyond them is clamped to them. Every case was received
# between 2000 and now (domain/complaint.py), so clamping changes no answer, and a bound in
# year 1 or 9999 with an offset, which a datetime cannot convert to UTC, never reaches a query.
EARLIEST_MOMENT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_MOMENT = datetime(9000, 1, 1, tzinfo=UTC)


def query_moment(name: str, value: datetime | None) -> datetime | None:
    """A datetime from a query, with its offset, clamped to the moments a query may name."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise FieldError(name, "must be RFC 3339 with an offset, e.g. 2026-03-02T09:00:00Z")
    try:
        return min(max(value, EARLIEST_MOMENT), LATEST_MOMENT)
    except OverflowError:  # year 1 or 9999 with an offset: the year says which end
        return EARLIEST_MOMENT if value.year < 5000 else LATEST_MOMENT


# --- what a cursor holds: each part of a sort key, read back or refused --------------------

Part = Callable[[Any], Any]


def moment(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(value)
    clamped = query_moment("cursor", datetime.fromisoformat(value))
    assert clamped is not None
    return clamped


def maybe_moment(value: Any) -> datetime | None:
    """A moment or null: a key that sorts its nulls last (the inbox's due_at)."""
    return None if value is None else moment(value)


def uuid(value: Any) -> UUID:
    if not isinstance(value, str):
        raise TypeError(value)
    return UUID(value)


def integer(value: Any) -> int:
    # an integer column: a larger number is a 422, not a database error
    if type(value) is not int or not -(2**31) <= value < 2**31:
        raise ValueError(value)
    return value


def text(value: Any) -> str:
    # PostgreSQL text cannot hold U+0000
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError(value)
    return value


def encode_cursor(*key: datetime | UUID | int | str | None) -> str:
    plain = [
        v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, UUID) else v
        for v in key
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def decode_cursor(cursor: str, *parts: Part) -> tuple[Any, ...]:
    """The sort key ``encode_cursor`` wrote, each part read by its reader; anything else,
    a cursor of another list among them, is a 422 naming ``cursor``."""
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not isinstance(key, list) or len(key) != len(parts):
            raise ValueError(key)
        return tuple(read(value) for read, value in zip(parts, key, strict=True))
    except (ValueError, TypeError, FieldError):
        raise FieldError("cursor", "not a cursor this API gave out") from None


def next_cursor(rows: Sequence[Mapping[str, Any]], limit: int, *columns: str) -> str | None:
    """The cursor past the page's last row; none when the page is not full (the last one)."""
    if not rows or len(rows) < limit:
        return None
    return encode_cursor(*(rows[-1][column] for column in columns))


def next_link(request: Request, cursor: str) -> str:
    """RFC 8288: the next page, the same query with the cursor moved on."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "cursor"]
    return f'<{request.url.path}?{urlencode([*query, ("cursor", cursor)])}>; rel="next"'


def paged(request: Request, headers: dict[str, str], cursor: str | None) -> dict[str, str]:
    """``headers`` with the Link to the next page, when there is one."""
    if cursor is not None:
        headers["Link"] = next_link(request, cursor)
    return headers
