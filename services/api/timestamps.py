"""Every moment an answer carries in one form (docs/api.md, "Time")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec
from litestar import Response
from litestar.serialization import get_serializer

from services.clock import rfc3339


async def utc_timestamps(response: Response) -> Response:
    """Every datetime an answer carries, in one form (docs/api.md, "Time"): RFC 3339 in UTC
    with all six fraction digits and ``Z``, so texts sort as the moments do and a
    ``recorded_at`` sent back as ``as_of`` names that very moment. msgspec writes datetimes
    itself and never asks Litestar's ``type_encoders``, so the content is put in that form
    here, before it is encoded; bytes already encoded pass as they are. ``async`` because
    Litestar runs a plain function hook on a worker thread: a thread hop on every answer."""
    if isinstance(response.content, dict | list | tuple | msgspec.Struct):
        response.content = plain_in_utc(response.content)
    return response


def plain_in_utc(content: Any) -> Any:
    """``content`` as plain values with its datetimes in the answers' one form; for a body
    encoded by its route (a stream), which the hook above never sees."""
    plain = msgspec.to_builtins(content, builtin_types=(datetime,), enc_hook=get_serializer())
    return in_utc(plain)


def in_utc(value: Any) -> Any:
    if isinstance(value, datetime):
        # a naive datetime is the store's UTC (timestamptz) without its zone
        return rfc3339(value if value.tzinfo else value.replace(tzinfo=UTC))
    if isinstance(value, dict):
        return {key: in_utc(item) for key, item in value.items()}
    if isinstance(value, list):
        return [in_utc(item) for item in value]
    return value
