"""Per-key and per-tenant token buckets: past either, a 429 problem with ``Retry-After``.

A bucket holds ``burst`` tokens and refills at ``rate`` a second; a request takes one token
from its key's bucket and one from its tenant's, or from neither. The buckets live in the
process, so N API processes allow N times the rate: size the settings per process.
The limiter runs after authentication (it needs the verified key), so requests with bad
keys are not counted here; they cost one indexed read each and are refused with 401.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from litestar.exceptions import TooManyRequestsException
from litestar.types import ASGIApp, Receive, Scope, Send

from services.api.request_context import http_metrics_of
from services.logs import TENANT

MAX_BUCKETS = 100_000  # beyond this, full (idle) buckets are forgotten


@dataclass
class Bucket:
    rate: float
    burst: float
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def wait(self) -> float:
        """Seconds until one token is there (0: there is one now)."""
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


@dataclass(frozen=True)
class Limit:
    rate: float  # tokens a second; 0 switches the limit off
    burst: int


class RateLimiter:
    def __init__(
        self, per_key: Limit, per_tenant: Limit, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = {"key": per_key, "tenant": per_tenant}
        self.clock = clock
        self.buckets: dict[tuple[str, str], Bucket] = {}

    def take(self, key: str, tenant: str | None) -> float:
        """Take a token for the key and its tenant: 0 if allowed, else seconds to wait."""
        return self.attempt(key, tenant)[0]

    def attempt(self, key: str, tenant: str | None) -> tuple[float, str | None]:
        """``take``, and the limit that refused ("key" or "tenant", the longer wait), or
        None when allowed."""
        now = self.clock()
        wanted = [("key", self._bucket("key", key, now))]
        if tenant is not None:
            wanted.append(("tenant", self._bucket("tenant", tenant, now)))
        buckets = [(kind, b) for kind, b in wanted if b is not None]
        for _, bucket in buckets:
            bucket.refill(now)
        waits = [(b.wait(), kind) for kind, b in buckets]
        wait, refused = max(waits, default=(0.0, None))
        if wait == 0:
            for _, bucket in buckets:
                bucket.tokens -= 1
            return 0.0, None
        return wait, refused

    def _bucket(self, kind: str, name: str, now: float) -> Bucket | None:
        limit = self.limits[kind]
        if limit.rate <= 0:
            return None
        bucket = self.buckets.get((kind, name))
        if bucket is None:
            if len(self.buckets) >= MAX_BUCKETS:
                self._forget_full(now)
            bucket = self.buckets[(kind, name)] = Bucket(limit.rate, limit.burst, limit.burst, now)
        return bucket

    def _forget_full(self, now: float) -> None:
        for name, bucket in list(self.buckets.items()):
            bucket.refill(now)
            if bucket.tokens >= bucket.burst:
                del self.buckets[name]


class RateLimit:
    """Middleware after ``ApiKeyAuth``: requests without a principal (health, schema) pass."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("user")
        if scope["type"] == "http" and principal is not None:
            tenant = str(principal.tenant_id) if principal.tenant_id else None
            TENANT.set(tenant)
            key = f"{tenant}/{principal.key_id}" if tenant else principal.person
            wait, refused = self.limiter.attempt(key, tenant)
            if wait > 0:
                metrics = http_metrics_of(scope)
                if metrics is not None and refused is not None:
                    metrics.rate_limited.labels(refused).inc()
                raise TooManyRequestsException(
                    "too many requests for this key or tenant; retry after the pause given",
                    headers={"Retry-After": str(max(1, math.ceil(wait)))},
                )
        await self.app(scope, receive, send)
