"""Push each webhook's notifications to its URL: signed, retried with growing pauses, logged.

Every active webhook has its own durable consumer (``wh_<webhook id>``) over its role's
subjects, starting when the webhook was created. A delivery is acknowledged once the receiver
answers 2xx; otherwise it is handed back to the server with the next pause of ``BACKOFF_S``,
and after the last one it is given up. Delivery is at least once: a receiver deduplicates by
the ``webhook-id`` header. Several dispatchers may run; the server gives each message to one.

A webhook for a unit reads its role's every copy and is pushed those of cases in its unit or
below it: the copy's ``unit_path`` (where the case's unit sat in the tenant's tree when the
event was recorded, services/bus/case_context.py) names the webhook's unit. The others are
acknowledged unsent and not logged: they were never the webhook's.

Each attempt resolves the webhook's host again and checks every address it gives
(services/bus/destinations.py), then connects to the address it checked, with the URL's own
``Host`` and TLS server name. The delivery log, which the tenant reads, names what went wrong
by its kind only (``ERRORS``): the addresses and ports a library error quotes would let a
tenant map what the dispatcher can reach.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from uuid import UUID

import asyncpg
import httpx
import nats.errors
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

from services import tracing
from services.bus.consumers import role_consumer_config, role_subscription
from services.bus.destinations import Destinations, ForbiddenDestination
from services.bus.signing import BusSigner
from services.bus.stream_config import STREAM
from services.bus.webhooks import Webhook, WebhookStore, signed_headers
from services.clock import Clock, SystemClock
from services.metrics import WorkMetrics

log = logging.getLogger(__name__)

BACKOFF_S = (1.0, 5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0)  # pauses before attempts 2..8
FAILURES = (nats.errors.Error, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
REFUSED, UNREACHABLE, TIMEOUT = "refused destination", "connection failed", "timeout"
ERRORS = (REFUSED, UNREACHABLE, TIMEOUT, "http 3xx", "http 4xx", "http 5xx")
NO_ANSWER = {REFUSED: "refused", UNREACHABLE: "unreachable", TIMEOUT: "timeout"}  # metric labels


def consumer_name(webhook_id: UUID) -> str:
    return f"wh_{webhook_id.hex}"


class WebhookDispatcher:
    def __init__(
        self,
        store: WebhookStore,
        nc: NatsClient,
        signer: BusSigner,
        clock: Clock | None = None,
        refresh_seconds: float = 1.0,
        backoff: tuple[float, ...] = BACKOFF_S,
        timeout: float = 10.0,
        destinations: Destinations | None = None,
        metrics: WorkMetrics | None = None,
    ) -> None:
        self.store = store
        self.js = nc.jetstream()
        self.signer = signer
        self.clock = clock or SystemClock()
        self.refresh_seconds = refresh_seconds
        self.backoff = backoff
        self.timeout = timeout
        self.destinations = destinations or Destinations()
        self.metrics = metrics or WorkMetrics()
        self._serving: dict[UUID, asyncio.Task] = {}
        self._http: httpx.AsyncClient | None = None

    async def run(self) -> None:
        """Serve the active webhooks until cancelled, picking up new and removed ones."""
        # No connection kept for another request: it is to an address, which several hosts
        # may share, and its TLS session was made for one of them.
        async with httpx.AsyncClient(
            timeout=self.timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_keepalive_connections=0),
        ) as http:
            self._http = http
            try:
                while True:
                    try:
                        await self._refresh()
                    except FAILURES:
                        log.exception("webhook list could not be read; retrying")
                    await asyncio.sleep(self.refresh_seconds)
            finally:
                for webhook_id, task in self._serving.items():
                    task.cancel()
                    self.metrics.webhook_pending(webhook_id, None)
                await asyncio.gather(*self._serving.values(), return_exceptions=True)
                self._serving.clear()

    async def _refresh(self) -> None:
        hooks = {h.webhook_id: h for h in await self.store.active()}
        for webhook_id in set(self._serving) - set(hooks):
            self._serving.pop(webhook_id).cancel()
            self.metrics.webhook_pending(webhook_id, None)
            with contextlib.suppress(*FAILURES):
                await self.js.delete_consumer(STREAM, consumer_name(webhook_id))
        for webhook_id, hook in hooks.items():
            task = self._serving.get(webhook_id)
            if task is None or task.done():
                self._serving[webhook_id] = asyncio.create_task(
                    self._serve(hook), name=f"webhook {webhook_id}"
                )

    async def _serve(self, hook: Webhook) -> None:
        config = role_consumer_config(
            hook.tenant_id, hook.role, name=consumer_name(hook.webhook_id), since=hook.created_at
        )
        while True:
            try:
                sub = await role_subscription(self.js, hook.tenant_id, hook.role, config)
                while True:
                    with contextlib.suppress(TimeoutError):  # nothing new this second
                        for msg in await sub.fetch(16, timeout=1.0):
                            await self.deliver(hook, msg)
            except FAILURES as error:
                log.warning("webhook %s: %r; retrying", hook.webhook_id, error)
                await asyncio.sleep(1.0)

    async def deliver(self, hook: Webhook, msg: Msg) -> str:
        """One attempt; returns its outcome (delivered, retrying or gave_up), or dropped for a
        message the relay did not publish, or skipped for a copy of a case outside the
        webhook's unit."""
        if not self.signer.genuine(msg, f"webhook {hook.webhook_id}"):
            # Never POSTed (we would sign it for the receiver) nor logged in the tenant's
            # deliveries; acknowledged, so that it is not offered again forever.
            await msg.ack()
            return "dropped"
        if not in_unit(hook, msg.data):
            await msg.ack()
            return "skipped"
        attempt = msg.metadata.num_delivered
        self.metrics.webhook_pending(hook.webhook_id, msg.metadata.num_pending)
        message_id = (msg.headers or {}).get("Nats-Msg-Id", f"seq-{msg.metadata.sequence.stream}")
        started = time.perf_counter()
        carried = (msg.headers or {}).get(tracing.TRACEPARENT)  # the relay's publish span
        attributes = {"webhook.id": str(hook.webhook_id), "messaging.message.id": message_id}
        with tracing.span("webhook POST", carried, "CLIENT", attributes) as trace_headers:
            status, error = await self._post(hook, message_id, msg.data, trace_headers)
        seconds = time.perf_counter() - started
        took = int(seconds * 1000)
        if status is not None and 200 <= status < 300:
            outcome = "delivered"
        elif attempt > len(self.backoff):
            outcome = "gave_up"
        else:
            outcome = "retrying"
        # Logged before the server hears the outcome: a crash in between redelivers, and the
        # log keeps the first record of that attempt.
        await self.store.log(hook, message_id, attempt, outcome, status, error, took)
        answered = f"{status // 100}xx" if status is not None else None
        self.metrics.delivered(outcome, answered or NO_ANSWER.get(error or "", "none"), seconds)
        if outcome == "delivered":
            await msg.ack()
        elif outcome == "gave_up":
            await msg.term()
        else:
            await msg.nak(delay=self.backoff[attempt - 1])
        return outcome

    async def _post(
        self,
        hook: Webhook,
        message_id: str,
        body: bytes,
        trace_headers: dict[str, str] | None = None,
    ) -> tuple[int | None, str | None]:
        assert self._http is not None
        timestamp = int(self.clock.now().timestamp())
        headers = signed_headers(hook.secret, message_id, timestamp, body)
        try:
            async with asyncio.timeout(self.timeout):
                pinned = await self.destinations.resolve(hook.url)
            response = await self._http.post(
                pinned.url,
                content=body,
                headers={**headers, **(trace_headers or {}), "host": pinned.host_header},
                extensions={"sni_hostname": pinned.server_name},
            )
        except ForbiddenDestination as refused:
            log.warning("webhook %s: refused destination: %s", hook.webhook_id, refused.reason)
            return None, REFUSED
        except (httpx.TimeoutException, TimeoutError):
            return None, TIMEOUT
        except httpx.HTTPError:
            return None, UNREACHABLE
        status = response.status_code
        return status, None if 200 <= status < 300 else f"http {status // 100}xx"


def in_unit(hook: Webhook, body: bytes) -> bool:
    """Whether the copy is of a case in the webhook's unit or below it (any copy, for a
    webhook of the whole tenant). A copy of the tenant's root, or one the relay wrote before
    copies named their unit, is no unit's."""
    if hook.unit_id is None:
        return True
    data = json.loads(body).get("data") or {}
    return hook.unit_id in (data.get("unit_path") or ())
