"""Response shapes of the audit endpoints and of time travel."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct

from services.api.schemas import ComplaintOut


class VerifyOut(Struct):
    ok: bool
    head_seq: int  # the last seq the check reached intact
    head_hash: str | None  # the ledger's head row, as the database keeps it
    bad_seq: int | None
    reason: str | None


class CheckpointOut(Struct):
    tenant_id: str
    seq: int
    hash: str
    signed_at: str
    key_id: str
    signature: str


class ReplayStep(Struct):
    seq: int
    version: int
    event: str
    recorded_at: datetime
    state: ComplaintOut
