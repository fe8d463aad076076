"""Durable consumers: one per (tenant, role), for a service that acts on a role's notifications.

A role's consumer reads every copy of the role, the tenant's subject and every unit's
(stream_config.py): a reader that serves one unit keeps the copies whose ``unit_path`` names it
(as a webhook for a unit does, services/bus/webhook_dispatch.py).

A durable consumer lives on the server: it remembers what its reader acknowledged, so a reader
that stops and comes back (or NATS restarting) resumes where it was. Several readers bound to
the same consumer share its messages, each message going to one of them. A reader acts only on
a message the relay signed (``BusSigner.genuine``, services/bus/signing.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from services.bus.stream_config import STREAM, role_filter, token

ACK_WAIT_S = 30.0  # redelivered if not acknowledged within this
MAX_ACK_PENDING = 1000


def durable_name(tenant_id: UUID, role: str) -> str:
    return f"role_{tenant_id.hex}_{token(role)}"


def role_consumer_config(
    tenant_id: UUID, role: str, name: str | None = None, since: datetime | None = None
) -> ConsumerConfig:
    """Everything the stream holds for the role (or what arrived ``since``), acknowledged one
    by one and redelivered until it is."""
    name = name or durable_name(tenant_id, role)
    return ConsumerConfig(
        name=name,
        durable_name=name,
        description=f"{role} of tenant {tenant_id.hex}",
        filter_subject=role_filter(tenant_id, role),
        deliver_policy=DeliverPolicy.BY_START_TIME if since else DeliverPolicy.ALL,
        opt_start_time=since,
        ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ACK_WAIT_S,
        max_deliver=-1,
        max_ack_pending=MAX_ACK_PENDING,
    )


async def role_subscription(
    js: JetStreamContext, tenant_id: UUID, role: str, config: ConsumerConfig | None = None
) -> JetStreamContext.PullSubscription:
    """Create the role's durable consumer if it is not there yet, and bind a puller to it."""
    config = config or role_consumer_config(tenant_id, role)
    await js.add_consumer(STREAM, config)  # the same config again is a no-op
    return await js.pull_subscribe_bind(durable=config.durable_name, stream=STREAM)


@dataclass(frozen=True)
class Notification:
    message_id: str
    stream_seq: int
    subject: str
    event: dict[str, Any]  # the CloudEvent

    @property
    def data(self) -> dict[str, Any]:
        return self.event["data"]


def notification(msg: Msg) -> Notification:
    return Notification(
        message_id=(msg.headers or {}).get("Nats-Msg-Id", ""),
        stream_seq=msg.metadata.sequence.stream,
        subject=msg.subject,
        event=json.loads(msg.data),
    )
