"""The workers' Prometheus metrics: the relay, webhook deliveries and the deadline watcher.

One ``WorkMetrics`` per process composition (the Runtime makes it), so two runtimes in one
process (tests) count apart. ``complaints serve`` appends its text to the API's ``/metrics``;
``complaints worker`` serves it on ``COMPLAINTS_WORKER_METRICS_PORT`` (``serve_metrics``).
No label names a tenant or a webhook: per-id series would grow without bound.
"""

from __future__ import annotations

import hmac
import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from uuid import UUID
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
    make_wsgi_app,
)

# Seconds from an event's commit to the bus's ack: milliseconds when following, minutes
# after an outage the relay catches up from.
COMMIT_TO_ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300)
BATCH_BUCKETS = (1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)  # events a round
# Seconds a webhook POST takes; the dispatcher gives up on one at 10 s.
DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
TICK_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)


class WorkMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        # --- the relay
        self.relay_events = Counter(
            "complaints_relay_events",
            "Ledger events the relay passed: published (the bus acked their messages) or"
            " unrouted (no role receives them).",
            ["outcome"],
            registry=r,
        )
        self.relay_messages = Counter(
            "complaints_relay_messages",
            "Messages the bus acked: stored, or duplicate (already in the stream, dropped by"
            " its dedup window).",
            ["outcome"],
            registry=r,
        )
        self.relay_failed_rounds = Counter(
            "complaints_relay_failed_rounds",
            "Relay rounds that failed on the bus or the database; retried after a pause.",
            ["reason"],
            registry=r,
        )
        self.relay_commit_to_ack = Histogram(
            "complaints_relay_commit_to_ack_seconds",
            "Time from an event's commit in the ledger to the bus's ack of its messages.",
            buckets=COMMIT_TO_ACK_BUCKETS,
            registry=r,
        )
        self.relay_batch = Histogram(
            "complaints_relay_batch_events",
            "Events the relay read in one transaction.",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.relay_behind = Gauge(
            "complaints_relay_behind_events",
            "Events recorded but not yet relayed, every tenant together, at the relay's last"
            " sweep.",
            registry=r,
        )
        for outcome in ("published", "unrouted"):
            self.relay_events.labels(outcome)
        for outcome in ("stored", "duplicate"):
            self.relay_messages.labels(outcome)
        for reason in ("bus", "database"):
            self.relay_failed_rounds.labels(reason)
        # --- webhook deliveries
        self.webhook_deliveries = Counter(
            "complaints_webhook_deliveries",
            "Webhook delivery attempts by outcome (delivered, retrying, gave_up) and status"
            " class (2xx ... 5xx, or timeout, unreachable, refused when no answer came).",
            ["outcome", "status_class"],
            registry=r,
        )
        self.webhook_duration = Histogram(
            "complaints_webhook_delivery_duration_seconds",
            "Time a webhook delivery attempt took, from resolving the host to the answer.",
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self._webhook_pending: dict[UUID, int] = {}
        backlog = Gauge(
            "complaints_webhook_backlog_messages",
            "Notifications not yet offered to their webhook once, over the webhooks this"
            " process serves (redeliveries waiting out their pause not included).",
            registry=r,
        )
        backlog.set_function(lambda: sum(list(self._webhook_pending.values())))
        # --- the deadline watcher
        self.watcher_sweeps = Counter(
            "complaints_watcher_sweeps",
            "Deadline checks the watcher ran over the shards it holds.",
            registry=r,
        )
        self.watcher_overdue = Counter(
            "complaints_watcher_overdue_deadlines",
            "Overdue deadlines the watcher found, by what came of them: missed (recorded),"
            " skipped (met, paused or recorded by another meanwhile) or failed.",
            ["outcome"],
            registry=r,
        )
        self.watcher_active = Gauge(
            "complaints_watcher_active",
            "1 while this process is an active deadline watcher (holds a shard's lock), 0 on"
            " standby.",
            registry=r,
        )
        self.watcher_shards = Gauge(
            "complaints_watcher_shards_held",
            "Watcher shards whose advisory lock this process holds.",
            registry=r,
        )
        self.watcher_tick = Histogram(
            "complaints_watcher_tick_duration_seconds",
            "Time one watcher round takes: trying the locks and sweeping the shards held.",
            buckets=TICK_BUCKETS,
            registry=r,
        )
        for outcome in ("missed", "skipped", "failed"):
            self.watcher_overdue.labels(outcome)

    # --- the relay's --------------------------------------------------------------------

    def relayed(
        self, read: int, published: Iterable[datetime], acked: int, duplicates: int, at: float
    ) -> None:
        """One committed relay batch: ``read`` events, those ``published`` by their commit
        time, acked by the bus at ``at`` (epoch seconds)."""
        if read == 0:
            return
        self.relay_batch.observe(read)
        sent = 0
        for committed in published:
            sent += 1
            self.relay_commit_to_ack.observe(max(0.0, at - committed.timestamp()))
        self.relay_events.labels("published").inc(sent)
        self.relay_events.labels("unrouted").inc(read - sent)
        self.relay_messages.labels("stored").inc(acked - duplicates)
        self.relay_messages.labels("duplicate").inc(duplicates)

    # --- webhook deliveries' ------------------------------------------------------------

    def delivered(self, outcome: str, status_class: str, seconds: float) -> None:
        self.webhook_deliveries.labels(outcome, status_class).inc()
        self.webhook_duration.observe(seconds)

    def webhook_pending(self, webhook_id: UUID, pending: int | None) -> None:
        """What the webhook's consumer has not offered yet (None: no longer served)."""
        if pending is None:
            self._webhook_pending.pop(webhook_id, None)
        else:
            self._webhook_pending[webhook_id] = pending

    # --- the watcher's ------------------------------------------------------------------

    def watching(self, shards: int) -> None:
        self.watcher_active.set(1 if shards else 0)
        self.watcher_shards.set(shards)

    # --- exposing -----------------------------------------------------------------------

    def count_process(self) -> None:
        """Add the process's CPU, memory and files, for a process without the API's
        registry (which counts them in ``serve``)."""
        ProcessCollector(namespace="complaints", registry=self.registry)

    def text(self) -> str:
        return generate_latest(self.registry).decode()


def scrape_refusal(authorization: str, client_host: str, metrics_key: str | None) -> str | None:
    """Who may scrape, the API's ``/metrics`` and a worker's alike: with a key, the scrape
    sends it as a Bearer token; without one, only this host may scrape (lag per tenant is for
    operators only). None when allowed, else the HTTP status to answer."""
    if metrics_key is not None:
        sent = authorization.removeprefix("Bearer ").strip()
        matches = hmac.compare_digest(sent.encode(), metrics_key.encode())
        return None if matches else "401 Unauthorized"
    try:
        loopback = ipaddress.ip_address(client_host).is_loopback
    except ValueError:
        loopback = client_host in ("localhost", "testclient")
    return None if loopback else "403 Forbidden"


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes are not news
        pass


def serve_metrics(
    registry: CollectorRegistry, host: str, port: int, metrics_key: str | None
) -> WSGIServer:
    """Serve the registry's text on ``host:port`` from a thread, guarded as the API's
    ``/metrics`` is; ``shutdown()`` and ``server_close()`` stop it."""
    exposition = make_wsgi_app(registry)

    def guarded(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        refused = scrape_refusal(
            environ.get("HTTP_AUTHORIZATION", ""), environ.get("REMOTE_ADDR", ""), metrics_key
        )
        if refused is not None:
            start_response(refused, [("Content-Type", "text/plain")])
            return [b"send Authorization: Bearer <COMPLAINTS_METRICS_KEY> from afar\n"]
        return exposition(environ, start_response)

    server_class = _Server6 if ":" in host else _Server
    server = make_server(host, port, guarded, server_class, _Quiet)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
