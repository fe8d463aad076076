"""C3, S1 end to end: a warning before a deadline, sent by two watchers racing (as when a
standby takes a shard over), reaches the role's webhook and the SSE feeds exactly once: the
role holder's, and the case's owner's by name, though the owner holds none of its roles."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import httpx
import pytest

from services.runtime import Runtime
from services.workers.start import watcher_for
from tests.fakes import FakeClock
from tests.services.bus.test_sse import INCIDENT, Feed, feed
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import complaint_body, new_tenant, staff_key

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 3, 10, tzinfo=TZ)
SETTLE_S = 1.5  # long enough for a second copy, were one sent, to arrive


@pytest.fixture
def fixed_clock(clock: FakeClock) -> Iterator[FakeClock]:
    yield clock
    clock.reset()


def reminders_in(stream: Feed) -> list[dict]:
    return [body for name, _, body in stream.seen if name == "DeadlineReminded"]


async def test_C3_S1_a_reminder_reaches_the_webhook_and_each_feed_once_however_many_watchers(
    client: httpx.AsyncClient, base_url: str, fixed_clock: FakeClock, runtime: Runtime
) -> None:
    fixed_clock.set(T0)
    hospital = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, hospital, "nurse.wang", ["nurse"])
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        made = await client.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        filed = await client.post(  # the nurse takes the complaint first: its owner (S1)
            "/v1/complaints", headers=nurse, json=complaint_body(received_at=T0.isoformat())
        )
        assert filed.status_code == 201, filed.text
        case_id = filed.json()["id"]
        # H11: security keeps the scene and the evidence for 24 hours
        reported = await client.post(
            f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
        )
        assert reported.status_code == 200, reported.text

        async with feed(base_url, guard) as security, feed(base_url, nurse) as owner:
            fixed_clock.set(T0 + timedelta(hours=12, minutes=1))  # half the 24 hours gone
            first, second = watcher_for(runtime), watcher_for(runtime)
            tenant_id, case = UUID(hospital.tenant_id), UUID(case_id)
            sent = []
            for _ in range(3):  # both at once, then again, as a retry or a takeover would
                sent += await asyncio.gather(
                    first.remind(tenant_id, case, "evidence-1", fixed_clock.now()),
                    second.remind(tenant_id, case, "evidence-1", fixed_clock.now()),
                    return_exceptions=True,
                )
            assert sent.count(True) == 1, sent

            _, body = await security.next_of("DeadlineReminded")
            await owner.next_of("DeadlineReminded")
            async with asyncio.timeout(30):
                while not endpoint.of("DeadlineReminded"):
                    await asyncio.sleep(0.05)
            await asyncio.sleep(SETTLE_S)

        details = body["data"]["details"]
        assert (details["deadline_id"], details["reminder"]) == ("evidence-1", "half-time")
        assert details["owner"] == "nurse.wang"
        assert len(reminders_in(security)) == 1
        assert len(reminders_in(owner)) == 1
        (delivered,) = endpoint.of("DeadlineReminded")
        assert json.loads(delivered[1])["data"]["details"]["reminder"] == "half-time"
