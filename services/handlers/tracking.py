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
from services.store.ledger import Ledger
from services.store.tenant_rows import tenant_transaction

PREFIXES = {"hospital": "HOSP", "bank": "BANK", "school": "SCHL"}

DRAW = """
INSERT INTO tracking_counters (tenant_id, year, last) VALUES ($1, $2, 1)
ON CONFLICT (tenant_id, year) DO UPDATE SET last = tracking_counters.last + 1
RETURNING last
"""


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
    year = receipt_year(received_at, tenant.timezone)
    async with tenant_transaction(pool, tenant.id) as conn:
        number = await conn.fetchval(DRAW, tenant.id, year)
    return tracking_number(prefix_for(tenant.policy, tenant.slug), year, number)


async def earlier_answer(ledger: Ledger, request: IdempotentRequest) -> Answer | None:
    """The kept answer to an earlier request with this Idempotency-Key (none without a key):
    a retried filing is answered before a second number is drawn."""
    if request.key is None:
        return None
    kept = await ledger.recall(request.tenant_id, request.scope_id, request.key)
    if kept is None:
        return None
    if kept.request_sha256 != request.sha256:
        raise IdempotencyMismatch(request.key)
    return Answer(kept.status, msgspec.json.decode(kept.body))


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
