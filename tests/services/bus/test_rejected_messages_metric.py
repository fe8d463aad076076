"""A message the relay did not sign, dropped by a reader, is counted where operators look:
``complaints_bus_rejected_messages_total`` in ``/metrics``."""

from __future__ import annotations

import httpx

from services.runtime import Runtime
from tests.services.bus.support import eventually
from tests.services.bus.test_forged_messages import forge
from tests.services.bus.test_sse import feed, hospital_case
from tests.services.support import staff_key

COUNTER = "complaints_bus_rejected_messages_total"


async def rejected(client: httpx.AsyncClient) -> int:
    text = (await client.get("/metrics")).text
    assert f"# TYPE {COUNTER} counter" in text
    [value] = [line.split()[1] for line in text.splitlines() if line.startswith(f"{COUNTER} ")]
    return int(value)


async def test_unsigned_messages_on_a_feeds_subject_raise_the_rejected_counter(
    client: httpx.AsyncClient, base_url: str, runtime: Runtime
) -> None:
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.tally", ["security"])
    before = await rejected(client)
    async with feed(base_url, guard):
        await forge(runtime, hospital.tenant_id, case_id)  # one unsigned, one signed by another

        async def counted() -> bool:
            return await rejected(client) >= before + 2

        await eventually(counted, 10, "the feed's two dropped messages counted in /metrics")
