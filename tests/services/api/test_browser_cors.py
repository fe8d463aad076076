"""CORS: a page on an allowed origin may call the API with credentials, its preflight answered
before authentication; any other origin's preflight is refused and its answers carry no
Access-Control-Allow-Origin, so its scripts read nothing."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from services.api.app import create_app
from services.runtime import Runtime
from services.settings import Settings
from tests.fakes import FakeClock
from tests.services.support import new_tenant

DESK = "https://desk.example.org"
ELSEWHERE = "https://evil.example.net"
WRITE_HEADERS = "content-type, x-csrf-token, idempotency-key, if-match"


@pytest.fixture(scope="module")
async def desk_api(
    settings: Settings, database_url: str, runtime: Runtime, clock: FakeClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The API as deployed for a console served from another origin."""
    allowing = dataclasses.replace(settings, cors_origins=(DESK,))
    opened = await Runtime(
        allowing, database_url, runtime.nats_url, clock=clock, runs_workers=False
    ).open()
    transport = httpx.ASGITransport(app=create_app(opened))
    async with httpx.AsyncClient(transport=transport, base_url="https://api", timeout=30) as api:
        yield api
    await opened.close()


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": WRITE_HEADERS,
    }


def listed(value: str | None) -> set[str]:
    return {part.strip().lower() for part in (value or "").split(",") if part.strip()}


async def test_a_preflight_from_an_allowed_origin_is_answered_before_authentication(
    desk_api: httpx.AsyncClient,
) -> None:
    for path in ("/v1/complaints", f"/v1/complaints/{uuid.uuid4()}/escalate", "/v1/session"):
        answer = await desk_api.options(path, headers=preflight(DESK))  # no key, no cookie
        assert answer.status_code == 204, (path, answer.text)
        assert answer.headers["access-control-allow-origin"] == DESK
        assert answer.headers["access-control-allow-credentials"] == "true"
        assert "origin" in listed(answer.headers.get("vary"))
        assert {"post", "delete"} <= listed(answer.headers["access-control-allow-methods"])
        assert listed(WRITE_HEADERS) <= listed(answer.headers["access-control-allow-headers"])
    stream = await desk_api.options("/v1/stream", headers=preflight(DESK, "GET"))
    assert stream.status_code == 204
    assert "last-event-id" in listed(stream.headers["access-control-allow-headers"])


async def test_a_preflight_from_another_origin_is_refused(desk_api: httpx.AsyncClient) -> None:
    answer = await desk_api.options("/v1/complaints", headers=preflight(ELSEWHERE))
    assert answer.status_code == 400
    assert "access-control-allow-origin" not in answer.headers
    for near in ("https://desk.example.org.evil.example.net", "http://desk.example.org"):
        refused = await desk_api.options("/v1/complaints", headers=preflight(near))
        assert "access-control-allow-origin" not in refused.headers, near


async def test_answers_to_an_allowed_origin_are_readable_with_credentials(
    desk_api: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(desk_api)
    signed_in = await desk_api.post(
        "/v1/session", json={"key": tenant.admin_key}, headers={"Origin": DESK}
    )
    assert signed_in.status_code == 201, signed_in.text
    assert signed_in.headers["access-control-allow-origin"] == DESK
    assert signed_in.headers["access-control-allow-credentials"] == "true"
    assert {"etag", "x-request-id"} <= listed(signed_in.headers["access-control-expose-headers"])
    desk_api.cookies.clear()
    # a refusal too, so the page can show the problem
    refused = await desk_api.get("/v1/complaints", headers={"Origin": DESK})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == DESK
    elsewhere = await desk_api.get("/v1/complaints", headers={"Origin": ELSEWHERE, **tenant.admin})
    assert elsewhere.status_code == 200
    assert "access-control-allow-origin" not in elsewhere.headers


async def test_with_no_origins_configured_every_cross_origin_preflight_is_refused(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.options("/v1/complaints", headers=preflight(DESK))
    assert answer.status_code == 400  # refused by CORS, not a 401 from authentication
    assert "access-control-allow-origin" not in answer.headers
