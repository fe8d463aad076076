"""/metrics speaks Prometheus for the API itself: requests by route template, method and
status, latency histograms, requests in flight, the process; and it answers only where the
operator says."""

from __future__ import annotations

import dataclasses

import httpx
from httpx import AsyncClient
from prometheus_client.parser import text_string_to_metric_families

from services.api.app import create_app
from services.runtime import Runtime
from tests.services.support import complaint_body, new_tenant


def families(text: str) -> dict[str, list]:
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


async def test_requests_are_counted_by_route_template_never_by_path(client: AsyncClient) -> None:
    tenant = await new_tenant(client)
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    case_id = filed.json()["id"]
    for _ in range(3):
        await client.get(f"/v1/complaints/{case_id}", headers=tenant.admin)
    await client.get("/v1/no-such-route")
    scraped = await client.get("/metrics")
    assert scraped.status_code == 200
    parsed = families(scraped.text)  # Prometheus' own parser reads all of it
    answered = {
        (s.labels["route"], s.labels["method"], s.labels["status"]): s.value
        for s in parsed["complaints_http_requests"]
        if s.name == "complaints_http_requests_total"
    }
    assert answered[("/v1/complaints/{case_id}", "GET", "200")] >= 3
    assert answered[("(no route)", "GET", "404")] >= 1
    assert not any(case_id in route for route, _, _ in answered)  # no id in any label
    latency = parsed["complaints_http_request_duration_seconds"]
    assert any(s.name.endswith("_bucket") and s.labels["le"] == "+Inf" for s in latency)
    assert "complaints_http_requests_in_flight" in parsed
    assert "complaints_process_resident_memory_bytes" in parsed
    assert "complaints_projection_lag_events" in parsed  # the service's own gauges still there


async def test_a_scrape_from_afar_needs_the_metrics_key(runtime: Runtime) -> None:
    afar = httpx.ASGITransport(app=create_app(runtime), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=afar, base_url="http://api") as api:
        assert (await api.get("/metrics")).status_code == 403  # no key set: this host only
    keyed = dataclasses.replace(runtime.settings, metrics_key="m" * 32)
    original = runtime.settings
    runtime.settings = keyed
    try:
        transport = httpx.ASGITransport(app=create_app(runtime), client=("203.0.113.9", 4000))
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as api:
            assert (await api.get("/metrics")).status_code == 401
            wrong = await api.get("/metrics", headers={"Authorization": "Bearer wrong"})
            assert wrong.status_code == 401
            right = await api.get("/metrics", headers={"Authorization": f"Bearer {'m' * 32}"})
            assert right.status_code == 200
    finally:
        runtime.settings = original
