"""The background work in ``/metrics`` of the process that runs it: the relay's published
events, webhook retries and deliveries, the deadline watcher's leadership and misses, and
requests refused by each rate limit.

The module runs its own database and runtime (its workers in process, as ``complaints serve``
runs them), so the counters it reads count its own work only."""

from __future__ import annotations

import asyncio
import copy
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from services.api.app import create_app
from services.bus.messages import routes
from services.engines import EngineUrls, free_port
from services.metrics import WorkMetrics, serve_metrics
from services.runtime import Runtime
from services.settings import Settings
from services.store.codec import envelope_decoder
from services.store.migrate import migrate
from services.workers.start import in_process_workers, watcher_for
from tests.conftest import with_database
from tests.fakes import FakeClock
from tests.services.bus.support import eventually
from tests.services.bus.test_sse import INCIDENT, hospital_case
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import complaint_body, new_tenant, staff_key
from tests.services.workers.test_watcher import school_cases


@dataclass
class Served:
    runtime: Runtime
    client: httpx.AsyncClient
    owner: asyncpg.Connection


@pytest.fixture(scope="module")
async def served(settings: Settings, engine_urls: EngineUrls) -> AsyncIterator[Served]:
    name = f"complaints_metrics_{uuid4().hex[:12]}"
    admin = await asyncpg.connect(engine_urls.database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(engine_urls.database_url, name)
    try:
        await migrate(url)
        owner = await asyncpg.connect(url)
        watching = replace(settings, watch_deadlines=True)
        runtime = await Runtime(watching, url, engine_urls.nats_url, clock=FakeClock()).open()
        try:
            async with in_process_workers(runtime):
                transport = httpx.ASGITransport(app=create_app(runtime))
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://testserver", timeout=30
                ) as client:
                    yield Served(runtime, client, owner)
        finally:
            await runtime.close()
            await owner.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def scraped(client: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, read by Prometheus' own parser: (name, labels) -> value."""
    answer = await client.get("/metrics")
    assert answer.status_code == 200, answer.text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def value(samples: dict[tuple[str, tuple], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def relay_idle(served: Served) -> bool:
    return not await served.owner.fetchval(
        "SELECT count(*) FROM ledger_heads h LEFT JOIN projection_tracking t"
        " ON t.view = 'relay' AND t.tenant_id = h.tenant_id WHERE h.seq > COALESCE(t.seq, 0)"
    )


async def test_the_relay_counts_the_events_it_published_and_their_delay(served: Served) -> None:
    await eventually(lambda: relay_idle(served), 20, "the relay caught up before we start")
    before = await scraped(served.client)
    tenant = await new_tenant(served.client)
    filed = await served.client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    assert filed.status_code == 201, filed.text
    await eventually(lambda: relay_idle(served), 20, "the tenant's events relayed")

    decode = envelope_decoder(served.runtime.repository.mapper)
    rows = await served.owner.fetch(
        "SELECT * FROM events WHERE tenant_id = $1 ORDER BY seq", UUID(tenant.tenant_id)
    )
    events = [decode(r) for r in rows]
    routed = [e for e in events if routes(e)]
    assert routed  # filing notifies someone: the counters below are about something
    after = await scraped(served.client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("complaints_relay_events_total", outcome="published") == len(routed)
    assert grew("complaints_relay_events_total", outcome="unrouted") == len(events) - len(routed)
    assert grew("complaints_relay_messages_total", outcome="stored") == sum(
        len(routes(e)) for e in routed
    )
    assert grew("complaints_relay_commit_to_ack_seconds_count") == len(routed)
    assert grew("complaints_relay_batch_events_sum") == len(events)
    assert ("complaints_relay_behind_events", ()) in after


async def test_a_webhook_retry_and_its_delivery_are_counted(served: Served) -> None:
    receiver = Receiver()  # answers 500 to each message's first delivery, then 204
    before = await scraped(served.client)
    attempts = "complaints_webhook_deliveries_total"

    def grew(now: dict[tuple[str, tuple], float], outcome: str, status_class: str) -> float:
        labels = {"outcome": outcome, "status_class": status_class}
        return value(now, attempts, **labels) - value(before, attempts, **labels)

    async with serving(receiver) as url:
        hospital, case_id = await hospital_case(served.client)
        guard = await staff_key(served.client, hospital, "guard.metrics", ["security"])
        made = await served.client.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        reported = await served.client.post(
            f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
        )
        assert reported.status_code == 200, reported.text

        async def counted() -> bool:
            now = await scraped(served.client)
            return grew(now, "delivered", "2xx") >= 1

        await eventually(counted, 45, "the retried delivery counted")  # the retry waits 1 s
    after = await scraped(served.client)
    assert grew(after, "retrying", "5xx") >= 1  # the receiver's 500 first
    took = "complaints_webhook_delivery_duration_seconds_count"
    assert value(after, took) - value(before, took) >= 2
    assert value(after, "complaints_webhook_backlog_messages") == 0


async def test_the_serving_process_is_the_active_watcher_and_counts_misses(
    served: Served,
) -> None:
    async def leading() -> bool:
        return value(await scraped(served.client), "complaints_watcher_active") == 1

    await eventually(leading, 10, "the serving process holds the watcher's shard")
    samples = await scraped(served.client)
    assert value(samples, "complaints_watcher_shards_held") == 1
    assert value(samples, "complaints_watcher_sweeps_total") >= 1
    assert value(samples, "complaints_watcher_tick_duration_seconds_count") >= 1

    # another process's watcher on the same database stands by while this one holds the lock
    standby = watcher_for(served.runtime)
    standby.metrics = WorkMetrics()
    assert await standby.claim() == set()
    assert "complaints_watcher_active 0.0" in standby.metrics.text()

    # deadlines of February, on a clock in December: the watcher records them missed
    missed = value(samples, "complaints_watcher_overdue_deadlines_total", outcome="missed")
    await school_cases(served.runtime)

    async def recorded() -> bool:
        now = await scraped(served.client)
        return value(now, "complaints_watcher_overdue_deadlines_total", outcome="missed") > missed

    await eventually(recorded, 20, "the missed deadlines counted")


async def test_refusals_are_counted_by_the_limit_that_refused(served: Served) -> None:
    tenant = await new_tenant(served.client)
    staff = await staff_key(served.client, tenant, "clerk.metrics", ["administration"])
    tight = copy.copy(served.runtime)
    tight.settings = replace(
        served.runtime.settings,
        rate_per_key=0.01,
        burst_per_key=3,
        rate_per_tenant=0.01,
        burst_per_tenant=5,
    )
    transport = httpx.ASGITransport(app=create_app(tight))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as limited:
        admin = [(await limited.get("/v1/complaints", headers=tenant.admin)).status_code
                 for _ in range(4)]  # fmt: skip
        clerk = [(await limited.get("/v1/complaints", headers=staff)).status_code
                 for _ in range(3)]  # fmt: skip
        assert admin == [200, 200, 200, 429]  # the admin key's burst is spent
        assert clerk == [200, 200, 429]  # then the tenant's: 5 between its keys
        samples = await scraped(limited)
    refused = "complaints_rate_limited_requests_total"
    assert value(samples, refused, limit="key") == 1
    assert value(samples, refused, limit="tenant") == 1
    assert not any("tenant" in dict(labels) for name, labels in samples if name == refused)
    # the limits of one app are not another's: the module's app refused nothing
    assert value(await scraped(served.client), refused, limit="key") == 0


async def test_a_worker_serves_its_metrics_guarded_as_the_api_does() -> None:
    metrics = WorkMetrics()
    metrics.count_process()
    metrics.relay_events.labels("published").inc(3)
    port = free_port()
    server = serve_metrics(metrics.registry, "127.0.0.1", port, None)
    keyed_port = free_port()
    keyed = serve_metrics(metrics.registry, "127.0.0.1", keyed_port, "k" * 32)
    try:

        def get(port: int, key: str | None = None) -> tuple[int, str]:
            headers = {"Authorization": f"Bearer {key}"} if key else {}
            request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    return answer.status, answer.read().decode()
            except urllib.error.HTTPError as refused:
                return refused.code, ""

        status, text = await asyncio.to_thread(get, port)
        assert status == 200
        samples = {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        assert value(samples, "complaints_relay_events_total", outcome="published") == 3
        assert ("complaints_process_resident_memory_bytes", ()) in samples
        assert (await asyncio.to_thread(get, keyed_port))[0] == 401
        assert (await asyncio.to_thread(get, keyed_port, "wrong"))[0] == 401
        assert (await asyncio.to_thread(get, keyed_port, "k" * 32))[0] == 200
    finally:
        for listener in (server, keyed):
            await asyncio.to_thread(listener.shutdown)
            listener.server_close()


def test_settings_read_the_worker_metrics_port() -> None:
    assert Settings.from_env({}).worker_metrics_port is None  # off unless configured
    env = {"COMPLAINTS_WORKER_METRICS_PORT": "9464"}
    assert Settings.from_env(env).worker_metrics_port == 9464
