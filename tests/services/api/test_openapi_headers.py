"""The OpenAPI document declares the headers the API relies on, so a generated client sends
and reads them: Idempotency-Key and If-Match in, ETag, Location, Retry-After, X-View-Seq and
X-Request-ID out, and every status a route answers with the problem schema."""

from __future__ import annotations

from httpx import AsyncClient


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
