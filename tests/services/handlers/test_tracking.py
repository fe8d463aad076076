"""Tracking numbers: PREFIX-YYYY-NNNNNN, the prefix from the tenant's policy (or its slug), the
year of receipt in the tenant's time zone, the number from the tenant's counter (unique under
concurrent filings); the link's secret is random and only its hash is kept."""

from __future__ import annotations

import asyncio
import hashlib
import re
from datetime import UTC, datetime

import asyncpg

from services.handlers.tracking import (
    access_hash,
    draw_tracking,
    new_access,
    prefix_for,
    receipt_year,
    tracking_number,
)
from services.runtime import Runtime
from tests.services.handlers.support import new_tenant

NUMBER = re.compile(r"^[A-Z]{1,4}-\d{4}-\d{6}$")


def test_the_prefix_comes_from_the_policy_else_from_the_slug() -> None:
    assert prefix_for("hospital@1", "t-ab") == "HOSP"
    assert prefix_for("bank@1", "t-ab") == "BANK"
    assert prefix_for("school@1", "t-ab") == "SCHL"
    assert prefix_for("clinic-plugin@2", "ren-ai-9") == "RENA"  # letters only, upper-cased
    assert prefix_for("clinic-plugin@2", "x1-y") == "XY"


def test_the_year_is_the_year_of_receipt_in_the_tenants_time_zone() -> None:
    # 16:30 UTC on 31 December is 00:30 on 1 January in Shanghai
    late = datetime(2025, 12, 31, 16, 30, tzinfo=UTC)
    assert receipt_year(late, "Asia/Shanghai") == 2026
    assert receipt_year(late, "Europe/London") == 2025


def test_the_number_has_six_digits() -> None:
    assert tracking_number("HOSP", 2026, 7) == "HOSP-2026-000007"
    assert NUMBER.match(tracking_number("HOSP", 2026, 123456))


def test_a_links_secret_is_random_and_only_its_hash_is_given_to_keep() -> None:
    token, sha = new_access()
    other, _ = new_access()
    assert token != other and len(token) >= 43  # 32 bytes, URL-safe base64
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert sha == hashlib.sha256(token.encode()).hexdigest() == access_hash(token)
    assert token not in sha


async def test_twenty_concurrent_draws_give_twenty_distinct_numbers(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(runtime, "hospital@1")
    received = datetime(2026, 3, 2, 1, tzinfo=UTC)
    numbers = await asyncio.gather(
        *(draw_tracking(runtime.pool, tenant, received) for _ in range(20))
    )
    assert len(set(numbers)) == 20
    assert all(n.startswith("HOSP-2026-") and NUMBER.match(n) for n in numbers)
    assert sorted(numbers) == [f"HOSP-2026-{n:06d}" for n in range(1, 21)]
    assert (
        await owner.fetchval(
            "SELECT last FROM tracking_counters WHERE tenant_id = $1 AND year = 2026", tenant.id
        )
        == 20
    )


async def test_each_year_and_each_tenant_counts_on_its_own(runtime: Runtime) -> None:
    hospital = await new_tenant(runtime, "hospital@1")
    bank = await new_tenant(runtime, "bank@1")
    this_year = datetime(2026, 5, 1, tzinfo=UTC)
    assert await draw_tracking(runtime.pool, hospital, this_year) == "HOSP-2026-000001"
    assert await draw_tracking(runtime.pool, hospital, this_year) == "HOSP-2026-000002"
    assert await draw_tracking(runtime.pool, bank, this_year) == "BANK-2026-000001"
    next_year = datetime(2027, 1, 5, tzinfo=UTC)
    assert await draw_tracking(runtime.pool, hospital, next_year) == "HOSP-2027-000001"
