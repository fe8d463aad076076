"""A message on a role's subject that the relay did not publish (no signature, or one made
with another key) reaches neither the SSE feed nor a webhook; the relay's own does. The
session's NATS has no authentication (as in CI): here only the signature stands in the way."""

from __future__ import annotations

import asyncio
import json
import os
from uuid import UUID

import httpx
import nats

from services.bus.signing import HEADER, BusSigner
from services.bus.stream_config import STREAM, message_id, subject
from services.bus.webhook_dispatch import consumer_name
from services.runtime import Runtime
from tests.services.bus.support import eventually
from tests.services.bus.test_sse import INCIDENT, feed, hospital_case
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import staff_key

FORGED = "Forged: evacuate ward 3 now"


async def forge(runtime: Runtime, tenant_id: str, case_id: str) -> set[str]:
    """What someone on the network publishes: a plausible IncidentReported for security,
    once without a signature and once signed with a key of their own; both reach the stream
    (this bus checks no password), before the genuine incident that follows. Returns their
    message ids."""
    tenant, forged = UUID(tenant_id), set()
    forger = await nats.connect(runtime.nats_url)
    try:
        for n, sign in enumerate((False, True)):
            msg_id = message_id(tenant, 10**9 + n, "security")  # ids no ledger seq has yet
            to = subject(tenant, "security", "IncidentReported")
            body = json.dumps(
                {
                    "specversion": "1.0",
                    "id": msg_id,
                    "type": "complaints.case.IncidentReported",
                    "data": {
                        "tenant": tenant.hex,
                        "case_id": case_id,
                        "event": "IncidentReported",
                        "role": "security",
                        "roles": ["security"],
                        "summary": FORGED,
                        "details": {"kind": "fire", "description": FORGED},
                    },
                }
            ).encode()
            headers = {"Nats-Msg-Id": msg_id}
            if sign:
                headers[HEADER] = BusSigner(os.urandom(32)).sign(to, msg_id, body)
            ack = await forger.jetstream().publish(to, body, headers=headers, stream=STREAM)
            assert not ack.duplicate
            forged.add(msg_id)
    finally:
        await forger.close()
    return forged


async def test_an_incident_the_relay_did_not_publish_never_reaches_the_sse_feed(
    client: httpx.AsyncClient, base_url: str, runtime: Runtime
) -> None:
    hospital, case_id = await hospital_case(client)
    guard = await staff_key(client, hospital, "guard.qin", ["security"])
    dropped = runtime.bus_signer.rejected
    async with feed(base_url, guard) as security:
        await forge(runtime, hospital.tenant_id, case_id)
        reported = await client.post(
            f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
        )
        assert reported.status_code == 200, reported.text
        # The forged ones are first in the stream: had the feed passed them on, they would
        # be the first incident it sends.
        _, first = await security.next_of("IncidentReported")
        assert first["data"]["details"] == {**INCIDENT, "kind": "assault"}
        assert FORGED not in json.dumps(first)
        assert security.queue.empty()
    assert runtime.bus_signer.rejected >= dropped + 2


async def test_an_incident_the_relay_did_not_publish_is_never_posted_to_a_webhook(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        hospital, case_id = await hospital_case(client)
        guard = await staff_key(client, hospital, "guard.pan", ["security"])
        made = await client.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        webhook_id = made.json()["webhook_id"]
        forged = await forge(runtime, hospital.tenant_id, case_id)
        reported = await client.post(
            f"/v1/complaints/{case_id}/incidents", headers=guard, json=INCIDENT
        )
        assert reported.status_code == 200, reported.text
        async with asyncio.timeout(30):  # the dispatcher picks a new webhook up within 1 s
            while not endpoint.of("IncidentReported"):
                await asyncio.sleep(0.05)
        # In stream order the forged ones came first: dropped, never posted (nor signed for
        # the receiver); the genuine incident was.
        (_, incident), *_ = endpoint.of("IncidentReported")
        assert json.loads(incident)["data"]["details"] == {**INCIDENT, "kind": "assault"}
        assert not {headers["webhook-id"] for headers, _ in endpoint.requests} & forged
        assert not any(FORGED.encode() in body for _, body in endpoint.requests)
        js = runtime.nats.jetstream()

        async def settled() -> bool:
            # every message acknowledged, the dropped ones included: none is offered again
            info = await js.consumer_info(STREAM, consumer_name(UUID(webhook_id)))
            return (
                info.num_ack_pending == 0
                and info.num_redelivered == 0
                and info.delivered.stream_seq > 0
            )

        await eventually(settled, 10, "the webhook's consumer acknowledged every message")
        log = await client.get(f"/v1/webhooks/{webhook_id}/deliveries", headers=hospital.admin)
    # the tenant's delivery log holds what was posted, and nothing forged
    assert {d["outcome"] for d in log.json()["items"]} == {"delivered"}
    posted = {headers["webhook-id"] for headers, _ in endpoint.requests}
    assert {d["message_id"] for d in log.json()["items"]} == posted
    assert not posted & forged
