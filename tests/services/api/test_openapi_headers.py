"""The OpenAPI document declares the headers the API relies on, so a generated client sends
and reads them: Idempotency-Key and If-Match in, ETag, Location, Link, Retry-After, X-View-Seq
and X-Request-ID out, and every status a route answers with the problem schema."""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from httpx import AsyncClient
from litestar.routes import HTTPRoute

from services.api.app import create_app
from services.runtime import Runtime


def parameters(operation: dict) -> dict[str, str]:
    return {p["name"]: p["in"] for p in operation.get("parameters", [])}


async def test_writes_declare_their_request_headers_and_answers_their_response_headers(
    client: AsyncClient,
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    escalate = paths["/v1/complaints/{case_id}/escalate"]["post"]
    assert parameters(escalate)["Idempotency-Key"] == "header"
    assert parameters(escalate)["If-Match"] == "header"
    assert "ETag" in escalate["responses"]["200"]["headers"]
    for status in ("401", "403", "404", "409", "412", "413", "415", "422", "429"):
        problem = escalate["responses"][status]["content"]["application/problem+json"]
        assert problem["schema"], status
    assert "Retry-After" in escalate["responses"]["429"]["headers"]

    filing = paths["/v1/complaints"]["post"]
    assert parameters(filing)["Idempotency-Key"] == "header"
    assert "If-Match" not in parameters(filing)
    assert {"Location", "ETag", "X-Request-ID"} <= set(filing["responses"]["201"]["headers"])

    case = paths["/v1/complaints/{case_id}"]["get"]
    assert parameters(case)["If-None-Match"] == "header"
    assert "ETag" in case["responses"]["200"]["headers"]
    assert "X-View-Seq" in case["responses"]["200"]["headers"]
    assert "304" in case["responses"]


async def test_put_and_patch_writes_that_keep_a_first_answer_take_its_key(
    client: AsyncClient,
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path, method in (
        ("/v1/tenants/{tenant_id}/calendar", "put"),
        ("/v1/tenant/policy-options", "put"),
        ("/v1/units/{unit_id}", "patch"),
        ("/v1/people/{person_id}/units/{unit_id}", "put"),
    ):
        assert parameters(paths[path][method])["Idempotency-Key"] == "header", (method, path)


async def test_every_route_that_honours_an_idempotency_key_declares_it(
    client: AsyncClient, runtime: Runtime
) -> None:
    """By the handler's code: one that writes through write_once (or reads the key itself)
    keeps a retry's first answer, whatever its method, so its operation names the header."""
    document = (await client.get("/schema/openapi.json")).json()
    operations = {
        operation["operationId"]: operation
        for item in document["paths"].values()
        for operation in item.values()
    }
    honouring = [
        handler.operation_id
        for route in create_app(runtime).routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if "write_once(" in (source := inspect.getsource(handler.fn)) or "idempotent(" in source
    ]
    assert {"moveCalendar", "setPolicyOptions", "changeUnit", "addUnit"} <= set(honouring)
    for operation_id in honouring:
        assert "Idempotency-Key" in parameters(operations[operation_id]), operation_id


async def test_a_new_unit_says_where_it_lives(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    created = paths["/v1/units"]["post"]["responses"]["201"]["headers"]
    assert created["Location"]["example"] == "/v1/units/{unit_id}"
    assert "Location" not in paths["/v1/units/{unit_id}"]["patch"]["responses"]["200"]["headers"]


async def test_cursor_paged_lists_declare_their_link_to_the_next_page(
    client: AsyncClient,
) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    paged = {path for path, item in paths.items() if "cursor" in parameters(item.get("get", {}))}
    assert paged == {
        "/v1/complaints",
        "/v1/inbox",
        "/v1/deadlines",
        "/v1/webhooks/{webhook_id}/deliveries",
    }
    for path in paged:
        assert "Link" in paths[path]["get"]["responses"]["200"]["headers"], path
    for path in ("/v1/webhooks", "/v1/units", "/v1/audit/checkpoints"):
        assert "Link" not in paths[path]["get"]["responses"]["200"]["headers"], path


async def test_metrics_declares_the_problems_its_scrape_rule_answers(
    client: AsyncClient,
) -> None:
    metrics = (await client.get("/schema/openapi.json")).json()["paths"]["/metrics"]["get"]
    assert metrics["security"] == []  # no API key: its own rule (docs/api.md, "Metrics")
    for status in ("401", "403"):
        problem = metrics["responses"][status]["content"]["application/problem+json"]
        assert problem["schema"], status
    assert "429" not in metrics["responses"]


API_DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def as_documented(path: str) -> str:
    """docs/api.md writes a case's or a webhook's id as {id}."""
    return re.sub(r"\{(case_id|webhook_id|tenant_id)\}", "{id}", path)


async def test_the_docs_say_which_lists_page_by_cursor_and_name_every_other(
    client: AsyncClient,
) -> None:
    """The cursor table of docs/api.md is exactly the lists that take ``cursor``; each
    other list (a JSON array, or ``items`` without a cursor) is named beside it."""
    document = (await client.get("/schema/openapi.json")).json()
    section = API_DOCS.read_text().split("## Lists and paging\n", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `GET (\S+)` \|", section, flags=re.MULTILINE))
    cursor, other = set(), set()
    for path, item in document["paths"].items():
        operation = item.get("get")
        content = (operation or {}).get("responses", {}).get("200", {}).get("content", {})
        if "application/json" not in content:
            continue
        body = answer_schema(document, operation, "200")
        if body.get("type") != "array" and "items" not in body.get("properties", {}):
            continue
        (cursor if "cursor" in parameters(operation) else other).add(as_documented(path))
    assert table == cursor
    assert {"/v1/webhooks", "/v1/units", "/v1/audit/checkpoints"} <= other
    assert "/v1/complaints/{id}/history" in other
    for path in other:
        assert f"`GET {path}`" in section, path
    assert "Every list pages by cursor" not in section


def answer_schema(document: dict[str, Any], operation: dict, status: str) -> dict[str, Any]:
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


async def test_health_readiness_and_a_deactivation_answer_typed_objects(
    client: AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    health = answer_schema(document, paths["/health"]["get"], "200")
    assert set(health["properties"]) == set((await client.get("/health")).json()) == {"status"}
    ready_fields = set((await client.get("/ready")).json())
    for status in ("200", "503"):
        ready = answer_schema(document, paths["/ready"]["get"], status)
        assert set(ready["properties"]) == ready_fields, status
    checks = ready["properties"]["checks"]
    checks = document["components"]["schemas"][checks["$ref"].rsplit("/", 1)[1]]
    assert set(checks["properties"]) == {"database", "bus"}
    deactivate = paths["/v1/webhooks/{webhook_id}/deactivate"]["post"]
    assert set(answer_schema(document, deactivate, "200")["properties"]) == {
        "webhook_id",
        "active",
    }


async def test_the_consoles_own_lookups_answer_typed_objects(client: AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    paths = document["paths"]
    lookups = {
        "/console/categories": {"policy", "categories"},
        "/console/working-days": {"timezone", "working_days"},
    }
    for path, fields in lookups.items():
        assert set(answer_schema(document, paths[path]["get"], "200")["properties"]) == fields


async def test_routes_that_need_no_key_say_so(client: AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["security"] == [{"apiKey": []}]
    paths = document["paths"]
    for path in ("/health", "/ready", "/metrics", "/problems/{kind}"):
        assert paths[path]["get"]["security"] == [], path
    assert "security" not in paths["/v1/complaints"]["post"]  # the document's Bearer


async def test_the_event_stream_is_declared_as_one(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    answer = paths["/v1/stream"]["get"]["responses"]["200"]
    assert list(answer["content"]) == ["text/event-stream"]
    assert parameters(paths["/v1/stream"]["get"])["last-event-id"] == "header"


async def test_every_answer_declares_its_request_id(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for path, item in paths.items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                assert "X-Request-ID" in response.get("headers", {}), (method, path, status)
