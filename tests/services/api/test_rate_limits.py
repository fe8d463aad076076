"""Per-key and per-tenant token buckets: a burst passes, the next request is a 429 problem
with Retry-After, a pause refills, and a tenant's keys share the tenant's bucket."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import replace

import httpx
import pytest

from services.api.app import create_app
from services.api.rate_limits import Limit, RateLimiter
from services.runtime import Runtime
from services.settings import Settings
from tests.services.support import new_tenant, staff_key


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_key_gets_its_burst_then_waits_for_the_refill() -> None:
    clock = Clock()
    limiter = RateLimiter(Limit(rate=2, burst=3), Limit(rate=0, burst=1), clock)
    assert [limiter.take("k", "t") for _ in range(3)] == [0, 0, 0]
    assert limiter.take("k", "t") == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.take("k", "t") == 0
    assert limiter.take("other key", "t") == 0  # the tenant limit is off: keys are apart


def test_the_keys_of_a_tenant_share_its_bucket() -> None:
    clock = Clock()
    limiter = RateLimiter(Limit(rate=10, burst=10), Limit(rate=1, burst=4), clock)
    assert [limiter.take(f"key {n}", "t") for n in range(4)] == [0, 0, 0, 0]
    assert limiter.take("key 5", "t") == pytest.approx(1.0)
    assert limiter.take("key 5", "another tenant") == 0


def test_a_refused_request_takes_no_token() -> None:
    clock = Clock()
    limiter = RateLimiter(Limit(rate=1, burst=1), Limit(rate=1, burst=1), clock)
    assert limiter.take("a", "t") == 0
    assert limiter.take("b", "t") > 0  # the tenant is empty: b's own token stays
    clock.now += 1
    assert limiter.take("b", "t") == 0


def test_settings_read_the_limits_from_the_environment() -> None:
    settings = Settings.from_env(
        {"COMPLAINTS_RATE_PER_KEY": "5", "COMPLAINTS_BURST_PER_KEY": "7",
         "COMPLAINTS_RATE_PER_TENANT": "0", "COMPLAINTS_BURST_PER_TENANT": "9"}
    )  # fmt: skip
    assert (settings.rate_per_key, settings.burst_per_key) == (5.0, 7)
    assert (settings.rate_per_tenant, settings.burst_per_tenant) == (0.0, 9)
    assert Settings().rate_per_key > 0 and Settings().rate_per_tenant > 0  # on by default


@pytest.fixture
async def limited(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the session's runtime, with tight limits: 3 a key, 5 a tenant, slow refill."""
    tight = copy.copy(runtime)
    tight.settings = replace(
        runtime.settings,
        rate_per_key=0.05,
        burst_per_key=3,
        rate_per_tenant=0.05,
        burst_per_tenant=5,
    )
    transport = httpx.ASGITransport(app=create_app(tight))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_past_the_burst_a_key_gets_429_with_retry_after(
    client: httpx.AsyncClient, limited: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(client, "school@1")  # made through the session app
    statuses = [
        (await limited.get("/v1/tenant", headers=tenant.admin)).status_code for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]
    refused = await limited.get("/v1/tenant", headers={**tenant.admin, "X-Request-ID": "limited-1"})
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["x-request-id"] == "limited-1"
    assert refused.json()["request_id"] == "limited-1"
    assert refused.json()["status"] == 429


async def test_a_tenants_keys_together_meet_the_tenant_limit(
    client: httpx.AsyncClient, limited: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(client, "school@1")
    first = await staff_key(client, tenant, "one", ["administration"])
    second = await staff_key(client, tenant, "two", ["administration"])
    other = await new_tenant(client, "school@1")
    answers = [await limited.get("/v1/inbox", headers=first) for _ in range(3)]
    answers += [await limited.get("/v1/inbox", headers=second) for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 200, 429]
    assert (await limited.get("/v1/inbox", headers=other.admin)).status_code == 200


async def test_open_routes_are_not_limited(limited: httpx.AsyncClient) -> None:
    assert {(await limited.get("/health")).status_code for _ in range(10)} == {200}
