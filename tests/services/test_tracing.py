"""Tracing (services/tracing.py; the API's request spans, services/api/tracing_plugin.py): a
request joins its caller's trace, its queries are child spans, and the trace goes on to the
bus messages and webhooks the request caused; with the setting unset, nothing of it happens."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from uuid import UUID

import asyncpg
import httpx
import nats
import pytest
from litestar.plugins.opentelemetry import OpenTelemetryPlugin
from nats.aio.msg import Msg
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services import tracing
from services.api.app import create_app
from services.api.tracing_plugin import litestar_plugins
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from tests.services.bus.test_sse import INCIDENT
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import complaint_body, new_tenant, staff_key

ENDPOINT = "http://127.0.0.1:9/v1/traces"  # never reached: the test's exporter replaces OTLP


def traceparent() -> tuple[str, str, str]:
    """A caller's trace id, span id and the header naming them."""
    trace_id, span_id = secrets.token_hex(16), secrets.token_hex(8)
    return trace_id, span_id, f"00-{trace_id}-{span_id}-01"


def trace_of(header: str) -> str:
    return header.split("-")[1]


@pytest.fixture
async def spans(client: httpx.AsyncClient) -> AsyncIterator[InMemorySpanExporter]:
    """Tracing on for this test, into memory. ``client`` first: the session's own app is
    made untraced, whichever test asks for it first."""
    exporter = InMemorySpanExporter()
    tracing.install(ENDPOINT, exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.uninstall()


@pytest.fixture
async def traced(runtime: Runtime, spans: InMemorySpanExporter) -> AsyncIterator[httpx.AsyncClient]:
    """The app as a process with tracing on makes it, on the session's runtime (whose relay
    and webhook dispatcher publish and post for it)."""
    transport = httpx.ASGITransport(app=create_app(runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@pytest.fixture
async def bus(engine_urls: EngineUrls) -> AsyncIterator[nats.NATS]:
    nc = await nats.connect(engine_urls.nats_url)
    yield nc
    await nc.close()


async def first_message(bus: nats.NATS, tenant_id: str) -> tuple[asyncio.Queue[Msg], object]:
    queue: asyncio.Queue[Msg] = asyncio.Queue()

    async def take(msg: Msg) -> None:
        await queue.put(msg)

    sub = await bus.subscribe(f"complaints.{UUID(tenant_id).hex}.>", cb=take)
    return queue, sub


def in_trace(exporter: InMemorySpanExporter, trace_id: str) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.context.trace_id == int(trace_id, 16)]


async def until(check, what: str, timeout: float = 20.0):  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not (found := check()):
            await asyncio.sleep(0.05)
    assert found, what
    return found


def test_the_setting_is_one_variable() -> None:
    assert Settings.from_env({}).tracing_endpoint is None
    url = "http://collector:4318/v1/traces"
    assert Settings.from_env({"COMPLAINTS_TRACING_ENDPOINT": url}).tracing_endpoint == url


class Collector:
    """An OTLP/HTTP collector's front door: keeps what is posted to it."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []

    async def __call__(self, scope: dict, receive, send) -> None:  # type: ignore[no-untyped-def]
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.posts.append((scope["path"], headers, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_with_the_setting_spans_go_to_the_endpoint_over_otlp_http(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    collector = Collector()
    async with serving(collector) as url:  # type: ignore[arg-type]
        endpoint = url.replace("/hooks/complaints", "/v1/traces")
        tracing.install(endpoint)
        try:
            app = create_app(runtime)
            assert any(isinstance(p, OpenTelemetryPlugin) for p in app.plugins)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as traced:
                trace_id, _, header = traceparent()
                tenant = await new_tenant(traced)
                listed = await traced.get(
                    "/v1/complaints", headers={**tenant.admin, "traceparent": header}
                )
                assert listed.status_code == 200, listed.text
        finally:
            # flushes the batch, over HTTP to the collector on this very loop: off the loop
            await asyncio.to_thread(tracing.uninstall)
        await until(lambda: collector.posts, "an export")
    path, headers, _ = collector.posts[-1]
    assert path == "/v1/traces" and headers["content-type"] == "application/x-protobuf"
    assert bytes.fromhex(trace_id) in b"".join(b for _, _, b in collector.posts)


async def test_a_filing_joins_the_callers_trace_and_its_messages_carry_it(
    traced: httpx.AsyncClient, spans: InMemorySpanExporter, bus: nats.NATS
) -> None:
    hospital = await new_tenant(traced, "hospital@1")
    queue, sub = await first_message(bus, hospital.tenant_id)
    trace_id, caller_span, header = traceparent()

    filed = await traced.post(
        "/v1/complaints",
        headers={**hospital.admin, "traceparent": header},
        json=complaint_body(),
    )
    assert filed.status_code == 201, filed.text

    ours = in_trace(spans, trace_id)
    (server,) = [s for s in ours if s.kind is SpanKind.SERVER]
    assert server.parent is not None and server.parent.span_id == int(caller_span, 16)
    assert server.name == "POST /v1/complaints"
    assert server.attributes and server.attributes["http.route"] == "/v1/complaints"

    # what a URL holds stays out of spans, as out of the access log
    searched = await traced.get(
        "/v1/complaints", params={"q": "Li Wei"}, headers={**hospital.admin, "traceparent": header}
    )
    assert searched.status_code == 200, searched.text
    values = [str(v) for s in in_trace(spans, trace_id) for v in (s.attributes or {}).values()]
    assert not [v for v in values if "Li" in v or "q=" in v], values
    queries = [s for s in ours if s.attributes and s.attributes.get("db.system") == "postgresql"]
    assert queries, [s.name for s in ours]
    assert any(q.parent and q.parent.span_id == server.context.span_id for q in queries)

    # the relay publishes from the ledger, later: the trace came with the events
    async with asyncio.timeout(20):
        msg = await queue.get()
    await sub.unsubscribe()  # type: ignore[attr-defined]
    assert trace_of(msg.headers["traceparent"]) == trace_id
    publish = await until(
        lambda: [s for s in in_trace(spans, trace_id) if s.kind is SpanKind.PRODUCER],
        "the relay's publish span",
    )
    carried = int(msg.headers["traceparent"].split("-")[2], 16)
    assert carried in {s.context.span_id for s in publish}


async def test_a_webhook_delivery_carries_the_trace_to_the_receiver(
    traced: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        hospital = await new_tenant(traced, "hospital@1")
        filed = await traced.post("/v1/complaints", headers=hospital.admin, json=complaint_body())
        assert filed.status_code == 201, filed.text
        guard = await staff_key(traced, hospital, "guard.tse", ["security"])
        made = await traced.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        trace_id, _, header = traceparent()
        reported = await traced.post(
            f"/v1/complaints/{filed.json()['id']}/incidents",
            headers={**guard, "traceparent": header},
            json=INCIDENT,
        )
        assert reported.status_code == 200, reported.text
        (headers, _), *_ = await until(
            lambda: endpoint.of("IncidentReported"), "the incident's webhook", timeout=30
        )
    assert trace_of(headers["traceparent"]) == trace_id
    posts = await until(
        lambda: [s for s in in_trace(spans, trace_id) if s.name == "webhook POST"],
        "the delivery's span",
    )
    assert int(headers["traceparent"].split("-")[2], 16) in {s.context.span_id for s in posts}


async def test_unset_there_is_no_provider_no_span_and_no_traceparent(
    client: httpx.AsyncClient, runtime: Runtime, bus: nats.NATS, owner: asyncpg.Connection
) -> None:
    assert runtime.settings.tracing_endpoint is None and not tracing.enabled()
    assert tracing.provider() is None and litestar_plugins() == []
    app = create_app(runtime)
    assert not any(isinstance(p, OpenTelemetryPlugin) for p in app.plugins)
    assert not hasattr(asyncpg.connection.Connection.fetch, "__wrapped__")  # not instrumented

    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        hospital = await new_tenant(client, "hospital@1")
        queue, sub = await first_message(bus, hospital.tenant_id)
        _, _, header = traceparent()
        filed = await client.post(
            "/v1/complaints",
            headers={**hospital.admin, "traceparent": header},
            json=complaint_body(),
        )
        assert filed.status_code == 201, filed.text
        assert "traceparent" not in filed.headers
        async with asyncio.timeout(20):
            msg = await queue.get()
        await sub.unsubscribe()  # type: ignore[attr-defined]
        assert "traceparent" not in (msg.headers or {})

        guard = await staff_key(client, hospital, "guard.off", ["security"])
        made = await client.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        reported = await client.post(
            f"/v1/complaints/{filed.json()['id']}/incidents",
            headers={**guard, "traceparent": header},
            json=INCIDENT,
        )
        assert reported.status_code == 200, reported.text
        (headers, _), *_ = await until(
            lambda: endpoint.of("IncidentReported"), "the incident's webhook", timeout=30
        )
    assert "traceparent" not in headers
    recorded = "SELECT count(*) FROM event_traces WHERE tenant_id = $1"
    assert await owner.fetchval(recorded, UUID(hospital.tenant_id)) == 0
