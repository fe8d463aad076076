"""One ledger row as one NDJSON line, and back, bytes for bytes (docs/audit.md).

``payload`` is the row's ``state`` as text: JSON-escaping a string and reading it back gives
the same UTF-8 bytes, which is what the hash covers. A state that is not UTF-8 (a cipher or
compressor was on) travels as ``payload_base64`` instead. Standard library only.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any
from uuid import UUID

from services.audit.chain import LedgerRow
from services.clock import rfc3339


class NotALedgerRow(ValueError):
    pass


def row_to_json(row: LedgerRow) -> dict[str, Any]:
    line: dict[str, Any] = {
        "tenant_id": str(row.tenant_id),
        "seq": row.seq,
        "originator_id": str(row.originator_id),
        "originator_version": row.originator_version,
        "topic": row.topic,
    }
    try:
        line["payload"] = row.state.decode()
    except UnicodeDecodeError:
        line["payload_base64"] = base64.b64encode(row.state).decode()
    line["recorded_at"] = rfc3339(row.recorded_at)
    line["prev_hash"] = row.prev_hash.hex()
    line["hash"] = row.hash.hex()
    return line


def encode_line(row: LedgerRow) -> bytes:
    return json.dumps(row_to_json(row), ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


def decode_line(line: bytes | str) -> LedgerRow:
    try:
        data = json.loads(line)
        if "payload" in data:
            state = data["payload"].encode()
        else:
            state = base64.b64decode(data["payload_base64"], validate=True)
        return LedgerRow(
            tenant_id=UUID(data["tenant_id"]),
            seq=_int(data["seq"]),
            originator_id=UUID(data["originator_id"]),
            originator_version=_int(data["originator_version"]),
            topic=str(data["topic"]),
            state=state,
            recorded_at=_aware(datetime.fromisoformat(data["recorded_at"])),
            prev_hash=bytes.fromhex(data["prev_hash"]),
            hash=bytes.fromhex(data["hash"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise NotALedgerRow(f"{type(error).__name__}: {error}") from None


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"expected an integer, got {value!r}")
    return value


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("recorded_at has no UTC offset")
    return at
