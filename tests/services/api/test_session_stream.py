"""``GET /v1/stream`` with the session cookie alone, as a browser's
``EventSource('/v1/stream', {withCredentials: true})`` opens it: notifications arrive, and a
reconnect with ``Last-Event-ID`` resumes after the last one seen."""

from __future__ import annotations

import httpx

from tests.services.bus.test_sse import INCIDENT, feed, hospital_case
from tests.services.support import staff_key

COOKIE = "complaints_session"


async def test_an_event_stream_opened_with_the_session_cookie_receives_notifications(
    client: httpx.AsyncClient, base_url: str
) -> None:
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.he", ["security"])
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as browser:
        signed_in = await browser.post("/v1/session", json={"key": guard["Authorization"][7:]})
        assert signed_in.status_code == 201, signed_in.text
        cookie = {"Cookie": f"{COOKIE}={browser.cookies[COOKIE]}"}
    report = f"/v1/complaints/{case_id}/incidents"
    async with feed(base_url, cookie) as security:
        assert (await client.post(report, headers=guard, json=INCIDENT)).status_code == 200
        first_id, first = await security.next_of("IncidentReported")
    assert first["data"]["case_id"] == case_id and first["data"]["role"] == "security"
    assert (await client.post(report, headers=guard, json=INCIDENT)).status_code == 200
    async with feed(base_url, {**cookie, "Last-Event-ID": first_id}) as resumed:
        _, second = await resumed.next_of("IncidentReported")
    assert second["data"]["seq"] > first["data"]["seq"]
