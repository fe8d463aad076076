"""Who may use the bus: an embedded NATS started as the service starts it (the deploy's
users, passwords under the data dir) refuses clients without a password, lets only the relay
publish events, and gives readers what the SSE feed, webhooks and offboarding need."""

from __future__ import annotations

import stat
import uuid
from dataclasses import replace
from pathlib import Path

import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient

from services.api.stream import subscribe
from services.bus.consumers import durable_name, notification, role_subscription
from services.bus.purge import notification_purger
from services.bus.signing import HEADER
from services.bus.stream_config import STREAM, ensure_stream, subject
from services.engines import NATS_PASSWORDS_FILE, READER, RELAY, EngineUrls, bus_login
from services.runtime import Runtime
from services.settings import Settings
from services.workers.start import relay_for
from tests.services.bus.support import create_tenant, expected_messages, file_and_escalate

Secured = tuple[Settings, EngineUrls]


async def login(url: str, settings: Settings, user: str, errors: list[str]) -> NatsClient:
    found = bus_login(settings, user)
    assert found is not None and found[0] == user

    async def note(error: Exception) -> None:  # the server's -ERR lines, e.g. a violation
        errors.append(str(error).lower())

    return await nats.connect(
        url, user=found[0], password=found[1], error_cb=note, allow_reconnect=False
    )


async def refused(url: str, **credentials: str) -> str:
    async def quiet(error: Exception) -> None:
        pass

    with pytest.raises(nats.errors.Error) as raised:
        await nats.connect(
            url, allow_reconnect=False, connect_timeout=2, error_cb=quiet, **credentials
        )
    return str(raised.value)


async def test_a_client_without_the_password_cannot_connect_so_reads_and_publishes_nothing(
    secured_nats: Secured,
) -> None:
    settings, urls = secured_nats
    assert "Authorization Violation" in await refused(urls.nats_url)
    assert "Authorization Violation" in await refused(urls.nats_url, user=READER, password="x")
    assert "Authorization Violation" in await refused(urls.nats_url, user=RELAY, password="x")
    # the passwords are kept for the processes of this data dir only
    kept = settings.data_dir / NATS_PASSWORDS_FILE
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((settings.data_dir / "nats-server.conf").stat().st_mode) == 0o600


async def test_a_reader_cannot_publish_an_event_nor_change_the_stream_while_the_relay_can(
    secured_nats: Secured,
) -> None:
    settings, urls = secured_nats
    errors: list[str] = []
    relay = await login(urls.nats_url, settings, RELAY, errors)
    reader = await login(urls.nats_url, settings, READER, errors)
    try:
        await ensure_stream(relay.jetstream())
        forged = subject(uuid.uuid4(), "security", "IncidentReported")
        with pytest.raises(nats.errors.TimeoutError):  # the server drops it: no PubAck
            await reader.jetstream().publish(forged, b'{"forged": true}', timeout=1)
        await reader.publish(forged, b'{"forged": true}')  # core NATS: dropped too
        with pytest.raises(nats.errors.TimeoutError):  # e.g. a transform from other subjects
            await reader.jetstream().update_stream(name=STREAM, subjects=["complaints.>", "x.>"])
        with pytest.raises(nats.errors.TimeoutError):
            await reader.jetstream().delete_stream(STREAM)
        await reader.flush()
        assert (await relay.jetstream().stream_info(STREAM)).state.messages == 0
        violation = f'permissions violation for publish to "{forged.lower()}"'
        assert any(violation in error for error in errors), errors

        ack = await relay.jetstream().publish(forged, b"{}", headers={"Nats-Msg-Id": "a:1:r"})
        assert ack.seq == 1 and not ack.duplicate
    finally:
        await relay.close()
        await reader.close()


async def test_a_reader_does_what_the_feed_webhooks_and_offboarding_need(
    secured_nats: Secured,
) -> None:
    settings, urls = secured_nats
    errors: list[str] = []
    relay = await login(urls.nats_url, settings, RELAY, errors)
    reader = await login(urls.nats_url, settings, READER, errors)
    tenant_id = uuid.uuid4()
    try:
        await ensure_stream(relay.jetstream())
        js = reader.jetstream()
        feed = await subscribe(js, tenant_id, ["security"], None)  # SSE: ordered push consumer
        durable = await role_subscription(js, tenant_id, "security")  # webhooks: pull consumer
        for n in range(3):
            await relay.jetstream().publish(
                subject(tenant_id, "security", "IncidentReported"),
                b"{}",
                headers={"Nats-Msg-Id": f"{tenant_id.hex}:{n}:security"},
            )
        assert (await feed.next_msg(timeout=5)).metadata.sequence.stream >= 1
        first, second, third = await durable.fetch(3, timeout=5)
        await first.ack()
        await second.nak(delay=0.1)  # a failed delivery, retried
        await third.term()  # given up
        (again,) = await durable.fetch(1, timeout=5)
        assert notification(again).message_id == notification(second).message_id
        await again.ack_sync()
        resumed = await subscribe(js, tenant_id, ["security"], 1)  # Last-Event-ID
        assert (await resumed.next_msg(timeout=5)).metadata.sequence.stream > 1
        await js.delete_consumer(
            STREAM, durable_name(tenant_id, "security")
        )  # a deactivated webhook
        assert await notification_purger(reader)(tenant_id)  # an offboarded tenant
        await reader.flush()
        assert not errors
    finally:
        await relay.close()
        await reader.close()


async def test_a_worker_and_an_api_process_of_one_data_dir_relay_and_read_signed_messages(
    secured_nats: Secured, own_database: str
) -> None:
    settings, urls = secured_nats
    worker = await Runtime(settings, own_database, urls.nats_url, bus_user=RELAY).open()
    api = await Runtime(settings, own_database, urls.nats_url, bus_user=READER).open()
    try:
        tenant = await create_tenant(worker)
        await file_and_escalate(worker, tenant, cases=2)
        relayed = await relay_for(worker).catch_up(tenant.id)
        assert relayed.messages > 0
        wanted = await expected_messages(worker, tenant.id)
        role = sorted(wanted)[0]
        sub = await role_subscription(api.nats.jetstream(), tenant.id, role)
        msgs = await sub.fetch(len(wanted[role]), timeout=5)
        assert {m.headers["Nats-Msg-Id"] for m in msgs} == wanted[role]
        # the API process checks the worker's signatures with the key of the shared data dir
        assert all(HEADER in m.headers and api.bus_signer.genuine(m, "test") for m in msgs)
        # and as the reader it may not publish: a relay there would never get its acks
        with pytest.raises(nats.errors.TimeoutError):
            await api.nats.jetstream().publish(msgs[0].subject, msgs[0].data, timeout=1)
    finally:
        await api.close()
        await worker.close()


def test_configured_credentials_come_first_and_no_password_file_means_no_login(
    tmp_path: Path,
) -> None:
    plain = Settings(data_dir=tmp_path / "nothing-here")
    assert bus_login(plain, RELAY) is None  # e.g. CI's NATS without authentication
    given = replace(plain, nats_user="reader", nats_password="p-secret")
    assert bus_login(given, RELAY) == ("reader", "p-secret")
    from_env = Settings.from_env(
        {"COMPLAINTS_NATS_USER": "relay", "COMPLAINTS_NATS_PASSWORD": "p-other"}
    )
    assert (from_env.nats_user, from_env.nats_password) == ("relay", "p-other")
    assert "p-other" not in repr(from_env)
