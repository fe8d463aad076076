"""What a complainant follows their case by: a tracking number for people
(``HOSP-2026-000123``) and the secret of their link, of which only the SHA-256 is recorded.

The number is drawn from the tenant's counter for the year of receipt (migration 050): unique
in the tenant, gaps allowed (a filing refused after drawing leaves one).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from domain.tenant import Tenant
from services.store.idempotency import Answer, IdempotencyMismatch, IdempotentRequest

PREFIXES = {"hospital": "HOSP", "bank": "BANK", "school": "SCHL"}

# One round trip: the answer kept for a retry's key, else the next number (migration 053).
DRAW = "SELECT * FROM filing_number($1, $2, $3, $4)"


def prefix_for(policy: str, slug: str) -> str:
    """The policy's four letters (``hospital@1`` -> HOSP), else the slug's first four
    letters upper-cased."""
    name = policy.split("@", 1)[0]
    if name in PREFIXES:
        return PREFIXES[name]
    letters = "".join(ch for ch in slug if ch.isalpha())[:4].upper()
    return letters or "CASE"


def receipt_year(received_at: datetime, timezone: str) -> int:
    """The year of receipt in the tenant's time zone (a case received at 23:30 on 31
    December in Shanghai is that year's, whatever UTC says)."""
    return received_at.astimezone(ZoneInfo(timezone)).year


def tracking_number(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year:04d}-{number:06d}"


async def draw_tracking(pool: asyncpg.Pool, tenant: Tenant, received_at: datetime) -> str:
    """The tenant's next tracking number for the year ``received_at`` falls in."""
    drawn = await draw_unless_answered(pool, tenant, received_at, None)
    assert isinstance(drawn, str)
    return drawn


async def draw_unless_answered(
    pool: asyncpg.Pool, tenant: Tenant, received_at: datetime, request: IdempotentRequest | None
) -> str | Answer:
    """The next tracking number; or, for a retry of an earlier request with this
    Idempotency-Key, the answer kept for it and no number drawn (a refused filing's draw
    leaves a gap). The look-up and the draw are one statement."""
    year = receipt_year(received_at, tenant.timezone)
    key = request.key if request is not None else None
    scope = request.scope_id if request is not None else None
    row = await pool.fetchrow(DRAW, tenant.id, year, scope, key)
    if row["number"] is None:
        assert request is not None
        if row["request_sha256"] != request.sha256:
            raise IdempotencyMismatch(key)
        return Answer(row["status"], msgspec.json.decode(row["body"]))
    return tracking_number(prefix_for(tenant.policy, tenant.slug), year, row["number"])


def new_access() -> tuple[str, str]:
    """A link's secret (32 random bytes, URL-safe base64) and its SHA-256 hex, the only
    part recorded."""
    token = secrets.token_urlsafe(32)
    return token, access_hash(token)


def case_link(base_url: str, slug: str, token: str) -> str:
    """The complainant's secret link to their case's page."""
    return f"{base_url.rstrip('/')}/public/{slug}/cases/{token}"


def access_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
