"""``GET /v1/stream`` over real HTTP: an incident reaches security and medical affairs at once,
and a reconnect with ``Last-Event-ID`` resumes right after the last event seen."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

INCIDENT = {"kind": "assault", "description": "a relative hit a nurse", "police_called": True}


@dataclass
class Feed:
    """One open event stream, read in the background into a queue of (id, CloudEvent)."""

    queue: asyncio.Queue[tuple[str | None, dict[str, Any]]]
    subscribed: asyncio.Event
    # every event as it came: (SSE event name, id, data); the queue has the CloudEvents
    seen: list[tuple[str | None, str | None, dict[str, Any]]] = field(default_factory=list)

    async def next_of(self, event: str, timeout: float = 5.0) -> tuple[str | None, dict]:
        async with asyncio.timeout(timeout):
            while True:
                event_id, body = await self.queue.get()
                if body["data"]["event"] == event:
                    return event_id, body


@asynccontextmanager
async def feed(base_url: str, headers: dict[str, str]) -> AsyncIterator[Feed]:
    opened = Feed(asyncio.Queue(), asyncio.Event())
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        reader = asyncio.create_task(_read(http, headers, opened))
        try:
            async with asyncio.timeout(5):
                await opened.subscribed.wait()
            yield opened
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)


async def _read(http: httpx.AsyncClient, headers: dict[str, str], into: Feed) -> None:
    async with http.stream("GET", "/v1/stream", headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        name, event_id, data = None, None, []
        async for line in response.aiter_lines():
            if line.startswith(": subscribed"):
                into.subscribed.set()
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("id: "):
                event_id = line[4:]
            elif line.startswith("data: "):
                data.append(line[6:])
            elif line == "":
                assert data or name is None, "an event without data"
                if data:
                    body = json.loads("\n".join(data))
                    into.seen.append((name, event_id, body))
                    if name != "duplicate":
                        into.queue.put_nowait((event_id, body))
                name, event_id, data = None, None, []


async def hospital_case(client: httpx.AsyncClient) -> tuple[TenantKeys, str]:
    hospital = await new_tenant(client, "hospital@1")
    filed = await client.post("/v1/complaints", headers=hospital.admin, json=complaint_body())
    assert filed.status_code == 201, filed.text
    return hospital, filed.json()["id"]


async def test_an_incident_reaches_security_and_medical_affairs_within_a_second(
    client: httpx.AsyncClient, base_url: str
) -> None:
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.he", ["security"])
    doctor = await staff_key(client, hospital, "dr.sun", ["medical_affairs"])
    async with feed(base_url, guard) as security, feed(base_url, doctor) as medical:
        started = time.perf_counter()
        reported = await client.post(
            f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
        )
        assert reported.status_code == 200, reported.text
        arrived = await asyncio.gather(
            security.next_of("IncidentReported"), medical.next_of("IncidentReported")
        )
        took = time.perf_counter() - started
    for _, body in arrived:
        data = body["data"]
        assert (body["specversion"], body["type"]) == ("1.0", "complaints.case.IncidentReported")
        assert data["case_id"] == case_id and data["tenant"] == hospital.tenant_id.replace("-", "")
        assert data["roles"] == ["security", "medical_affairs"]
        assert data["details"]["kind"] == "assault" and data["summary"]
    assert {body["data"]["role"] for _, body in arrived} == {"security", "medical_affairs"}
    print(f"\nincident to both roles over SSE in {took * 1000:.0f} ms")
    assert took < 1.0


async def test_each_notification_is_an_event_named_by_its_kind_and_a_second_copy_a_duplicate(
    client: httpx.AsyncClient, base_url: str
) -> None:
    """A caller holding both roles an incident goes to gets it once, as ``IncidentReported``;
    the copy for the other role is a ``duplicate`` naming the first (never a data-less event)."""
    hospital, case_id = await hospital_case(client)
    both = await staff_key(client, hospital, "guard.lin", ["security", "medical_affairs"])
    async with feed(base_url, both) as stream:
        reported = await client.post(
            f"/v1/complaints/{case_id}/incidents", headers=both, json=INCIDENT
        )
        assert reported.status_code == 200
        first_id, _ = await stream.next_of("IncidentReported")
        async with asyncio.timeout(5):
            while not any(name == "duplicate" for name, _, _ in stream.seen):
                await asyncio.sleep(0.02)
    incidents = [(n, i) for n, i, body in stream.seen if n == "IncidentReported"]
    assert incidents == [("IncidentReported", first_id)]
    [(_, duplicate_id, duplicate)] = [e for e in stream.seen if e[0] == "duplicate"]
    assert duplicate == {"duplicate_of": int(first_id)}
    assert int(duplicate_id) > int(first_id)


async def test_a_reconnect_with_last_event_id_resumes_after_it(
    client: httpx.AsyncClient, base_url: str
) -> None:
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    report = f"/v1/complaints/{case_id}/incidents"
    async with feed(base_url, guard) as security:
        assert (await client.post(report, headers=guard, json=INCIDENT)).status_code == 200
        first_id, first = await security.next_of("IncidentReported")
    assert (await client.post(report, headers=guard, json=INCIDENT)).status_code == 200
    async with feed(base_url, {**guard, "Last-Event-ID": first_id}) as resumed:
        event_id, body = await resumed.queue.get()
        assert int(event_id) > int(first_id)
        assert body["data"]["seq"] > first["data"]["seq"]
        _, second = await resumed.next_of("IncidentReported")
        assert second["data"]["seq"] > first["data"]["seq"]


async def test_a_stream_needs_a_tenant_key_and_a_sane_last_event_id(
    client: httpx.AsyncClient, base_url: str
) -> None:
    hospital, _ = await hospital_case(client)
    async with httpx.AsyncClient(base_url=base_url) as http:
        assert (await http.get("/v1/stream")).status_code == 401
        bad = await http.get("/v1/stream", headers={**hospital.admin, "Last-Event-ID": "x"})
        assert bad.status_code == 422
