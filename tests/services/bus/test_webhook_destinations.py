"""A webhook cannot be pointed at what only the service reaches: refused when registered (a
422 naming the url, nothing stored) and again before each delivery, against what its host
resolves to then; the delivery log names what went wrong by its kind, never an address."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from urllib.parse import urlsplit
from uuid import UUID, uuid4

import asyncpg
import httpx
import pytest

from services.bus.destinations import Destinations, Resolver
from services.bus.signing import HEADER
from services.bus.stream_config import ensure_stream, message_id, subject
from services.bus.webhook_dispatch import ERRORS, WebhookDispatcher
from services.engines import free_port
from services.runtime import Runtime
from services.settings import Settings
from tests.services.bus.support import eventually
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import new_tenant

PUBLIC_ONLY = "must reach a public address"
NO_CREDENTIALS = "must not carry credentials"
REFUSED_AT_REGISTRATION = [
    ("http://127.0.0.1/", PUBLIC_ONLY),
    ("http://2130706433/", PUBLIC_ONLY),  # 127.0.0.1 as one number
    ("http://[::ffff:127.0.0.1]/", PUBLIC_ONLY),  # IPv4-mapped
    ("http://169.254.169.254/latest/meta-data/", PUBLIC_ONLY),  # the cloud's metadata
    ("http://localhost:8080/hooks", PUBLIC_ONLY),  # a name that resolves to loopback
    ("http://user:pw@example.com/", NO_CREDENTIALS),
]


@pytest.mark.parametrize(("url", "reason"), REFUSED_AT_REGISTRATION)
async def test_a_webhook_to_what_only_the_service_reaches_is_refused_and_not_stored(
    public_only: httpx.AsyncClient, url: str, reason: str
) -> None:
    hospital = await new_tenant(public_only, "hospital@1")
    made = await public_only.post(
        "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
    )
    assert made.status_code == 422, made.text
    assert made.headers["content-type"].startswith("application/problem+json")
    [error] = made.json()["errors"]
    assert error["field"] == "url" and error["reason"].startswith(reason)
    assert (await public_only.get("/v1/webhooks", headers=hospital.admin)).json() == []


async def test_a_public_address_and_the_operators_allowed_networks_may_be_registered(
    public_only: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    for app, url in [
        (public_only, "https://93.184.216.34/hooks"),
        (client, "http://127.0.0.1:9/hooks"),  # the session's settings allow loopback
    ]:
        hospital = await new_tenant(app, "hospital@1")
        made = await app.post(
            "/v1/webhooks", headers=hospital.admin, json={"role": "security", "url": url}
        )
        assert made.status_code == 201, made.text
        off = await app.post(
            f"/v1/webhooks/{made.json()['webhook_id']}/deactivate", headers=hospital.admin
        )
        assert off.status_code == 200


def test_the_allowed_networks_are_read_from_the_environment() -> None:
    env = {"COMPLAINTS_WEBHOOK_ALLOWED_NETWORKS": "10.1.2.0/24, 127.0.0.1,"}
    assert Settings.from_env(env).webhook_allowed_networks == ("10.1.2.0/24", "127.0.0.1")
    assert Settings.from_env({}).webhook_allowed_networks == ()
    with pytest.raises(ValueError, match="COMPLAINTS_WEBHOOK_ALLOWED_NETWORKS"):
        Settings.from_env({"COMPLAINTS_WEBHOOK_ALLOWED_NETWORKS": "10.1.2/24x"})


def resolving(*answers: Sequence[str]) -> Resolver:
    """A resolver that gives each answer in turn, then the last one for ever."""
    given = list(answers)

    async def resolve(host: str, port: int) -> Sequence[str]:
        return given.pop(0) if len(given) > 1 else given[0]

    return resolve


async def test_a_name_in_another_script_is_sent_as_its_ascii_form() -> None:
    destinations = Destinations(resolver=resolving(["93.184.216.34"]))
    pinned = await destinations.resolve("https://bücher.example/hooks")
    assert pinned.url == "https://93.184.216.34/hooks"
    assert pinned.host_header == pinned.server_name == "xn--bcher-kva.example"


async def notify(runtime: Runtime, tenant_id: UUID, role: str) -> None:
    """A notification on the role's subject, signed as the relay signs it."""
    js = runtime.nats.jetstream()
    await ensure_stream(js)
    msg_id = message_id(tenant_id, 1, role)
    to = subject(tenant_id, role, "IncidentReported")
    body = json.dumps({"specversion": "1.0", "id": msg_id, "data": {"role": role}}).encode()
    headers = {"Nats-Msg-Id": msg_id, HEADER: runtime.bus_signer.sign(to, msg_id, body)}
    await js.publish(to, body, headers=headers)


@asynccontextmanager
async def dispatching(
    runtime: Runtime, url: str, destinations: Destinations
) -> AsyncIterator[list[asyncpg.Record]]:
    """A webhook for security at ``url`` with one notification for it, served by a dispatcher
    that checks with ``destinations``; yields its delivery log once the first attempt is in."""
    tenant_id = uuid4()
    hook = await runtime.webhooks.create(tenant_id, "security", url, "admin")
    await notify(runtime, tenant_id, "security")
    dispatcher = WebhookDispatcher(
        runtime.webhooks,
        runtime.nats,
        runtime.bus_signer,
        backoff=(60.0,),  # the test looks at the first attempt only
        timeout=5.0,
        destinations=destinations,
    )
    serving_hooks = asyncio.create_task(dispatcher.run())
    log: list[asyncpg.Record] = []

    async def attempted() -> bool:
        log[:] = await runtime.webhooks.deliveries(tenant_id, hook.webhook_id, 10)
        return bool(log)

    try:
        await eventually(attempted, 15, "the dispatcher logged an attempt")
        yield log
    finally:
        serving_hooks.cancel()
        await asyncio.gather(serving_hooks, return_exceptions=True)


async def test_a_name_that_resolves_to_loopback_after_registration_is_not_delivered_to(
    own_runtime: Runtime,
) -> None:
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as receiver_url:
        # localhost is where the receiver listens; the name said public when it was checked
        url = f"http://localhost:{urlsplit(receiver_url).port}/hooks/complaints"
        destinations = Destinations(resolver=resolving(["93.184.216.34"], ["127.0.0.1"]))
        await destinations.admit(url)
        async with dispatching(own_runtime, url, destinations) as log:
            pass
    assert endpoint.requests == []  # a delivery posts before it logs
    [(outcome, status, error)] = [(d["outcome"], d["http_status"], d["error"]) for d in log]
    assert (outcome, status, error) == ("retrying", None, "refused destination")


async def test_a_delivery_goes_to_the_address_checked_with_the_urls_own_host(
    own_runtime: Runtime,
) -> None:
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as receiver_url:
        host = f"hooks.tenant.example:{urlsplit(receiver_url).port}"
        destinations = Destinations(["127.0.0.0/8"], resolving(["127.0.0.1"]))
        async with dispatching(own_runtime, f"http://{host}/hooks/complaints", destinations) as log:
            assert [(d["outcome"], d["error"]) for d in log] == [("delivered", None)]
    [(headers, _)] = endpoint.requests
    assert headers["host"] == host


async def test_the_delivery_log_names_a_failed_connection_by_its_kind_not_its_address(
    own_runtime: Runtime,
) -> None:
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/hooks/complaints"
    async with dispatching(own_runtime, url, Destinations(["127.0.0.0/8"])) as log:
        [record] = log
    assert record["error"] == "connection failed" and record["error"] in ERRORS
    assert str(port) not in record["error"] and "127.0.0.1" not in record["error"]
