"""The API's own Prometheus metrics: requests by route template, method and status, their
latency, the requests in flight, and the process (CPU, memory, open files).

Each app has its own registry, so two apps in one process (tests) count apart. The route is
its template (``/v1/complaints/{case_id}``), never the path: a path's values are a tenant's
words, and per-id series would grow without bound.
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

UNMATCHED = "(no route)"  # requests no route took: one series, whatever they asked for
# Seconds: from a cache hit's millisecond to a replay's or an export's several seconds.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class HttpMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(namespace="complaints", registry=self.registry)
        self.requests = Counter(
            "complaints_http_requests",
            "HTTP requests answered, by route template, method and status.",
            ["route", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "complaints_http_request_duration_seconds",
            "Time from a request's arrival to the last byte of its answer.",
            ["route", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "complaints_http_requests_in_flight",
            "Requests being answered now (an open event stream counts until it ends).",
            registry=self.registry,
        )
        # By the limit that refused (services/api/rate_limits.py), never by tenant or key.
        self.rate_limited = Counter(
            "complaints_rate_limited_requests",
            "Requests refused with 429 by a rate limit: per key or per tenant.",
            ["limit"],
            registry=self.registry,
        )
        for limit in ("key", "tenant"):
            self.rate_limited.labels(limit)

    def answered(self, route: str | None, method: str, status: int, seconds: float) -> None:
        route = route or UNMATCHED
        self.requests.labels(route, method, str(status)).inc()
        self.latency.labels(route, method).observe(seconds)

    def text(self) -> str:
        return generate_latest(self.registry).decode()
