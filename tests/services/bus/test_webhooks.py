"""A tenant's webhook for a role: signed pushes, a retry after a failed answer, and the log."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn

from services.engines import free_port
from services.standard_webhooks import verify
from tests.services.bus.test_sse import INCIDENT, hospital_case
from tests.services.support import staff_key

Request = tuple[dict[str, str], bytes]


class Receiver:
    """A tenant's endpoint that fails each message's first delivery and takes the second
    (or, with ``fails_first=False``, takes every one)."""

    def __init__(self, fails_first: bool = True) -> None:
        self.requests: list[Request] = []
        self.fails_first = fails_first

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen = any(h["webhook-id"] == headers["webhook-id"] for h, _ in self.requests)
        self.requests.append((headers, body))
        status = 500 if self.fails_first and not seen else 204
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    def of(self, event: str) -> list[Request]:
        return [(h, b) for h, b in self.requests if json.loads(b)["data"]["event"] == event]


@asynccontextmanager
async def serving(app: Receiver) -> AsyncIterator[str]:
    """The receiver on a real socket; yields the webhook URL to register."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}/hooks/complaints"
    server.should_exit = True
    await asyncio.wait_for(serving, 10)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    app = Receiver()
    async with serving(app) as url:
        yield app, url


async def test_a_webhook_gets_each_notification_signed_and_retried_until_taken(
    client: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    endpoint, url = receiver
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.lu", ["security"])
    made = await client.post(
        "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
    )
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["secret"].startswith("whsec_")
    reported = await client.post(
        f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
    )
    assert reported.status_code == 200, reported.text

    # generous: the retry waits its 1 s back-off, and CI machines are shared (what is asserted
    # is the delivery and its retry, not their speed)
    async with asyncio.timeout(45):
        while len(endpoint.of("IncidentReported")) < 2:
            await asyncio.sleep(0.05)
    (failed_headers, body), (taken_headers, again) = endpoint.of("IncidentReported")
    assert body == again and failed_headers["webhook-id"] == taken_headers["webhook-id"]
    for headers, sent in endpoint.of("IncidentReported"):
        assert verify(hook["secret"], headers, sent, int(time.time()))
        assert not verify(hook["secret"], headers, sent + b" ", int(time.time()))
    assert json.loads(body)["data"]["case_id"] == case_id

    message_id = taken_headers["webhook-id"]
    log_url = f"/v1/webhooks/{hook['webhook_id']}/deliveries"
    async with asyncio.timeout(5):
        while True:
            log = (await client.get(log_url, headers=hospital.admin)).json()["items"]
            attempts = sorted(
                (d["attempt"], d["outcome"], d["http_status"])
                for d in log
                if d["message_id"] == message_id
            )
            if len(attempts) == 2:
                break
            await asyncio.sleep(0.05)
    # The attempt is the server's delivery count: a delivery lost with an expired fetch still
    # counts, so the second POST may be attempt 3; what matters is fail, then retried and taken.
    assert [(outcome, status) for _, outcome, status in attempts] == [
        ("retrying", 500),
        ("delivered", 204),
    ]
    assert attempts[0][0] == 1 < attempts[1][0]


async def test_webhooks_are_the_admins_and_the_tenants_own(client: httpx.AsyncClient) -> None:
    hospital, _ = await hospital_case(client)
    other, _ = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.xu", ["security"])
    body = {"role": "security", "url": "https://hooks.example.org/complaints"}
    assert (await client.post("/v1/webhooks", headers=guard, json=body)).status_code == 403
    wrong = await client.post("/v1/webhooks", headers=hospital.admin, json={**body, "role": "dean"})
    assert wrong.status_code == 422
    bad_url = {**body, "url": "ftp://hooks.example.org/x"}
    assert (
        await client.post("/v1/webhooks", headers=hospital.admin, json=bad_url)
    ).status_code == 422
    made = (await client.post("/v1/webhooks", headers=hospital.admin, json=body)).json()
    listed = (await client.get("/v1/webhooks", headers=hospital.admin)).json()
    assert [h["webhook_id"] for h in listed] == [made["webhook_id"]]
    assert "secret" not in listed[0]
    assert (await client.get("/v1/webhooks", headers=other.admin)).json() == []
    off = f"/v1/webhooks/{made['webhook_id']}/deactivate"
    assert (await client.post(off, headers=other.admin)).status_code == 404
    assert (await client.post(off, headers=hospital.admin)).status_code == 200
    assert (await client.get("/v1/webhooks", headers=hospital.admin)).json()[0]["active"] is False
