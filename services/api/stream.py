"""``GET /v1/stream``: the caller's roles' notifications as Server-Sent Events.

Each event's ``id`` is the message's sequence in the stream, so a browser that reconnects
sends it back as ``Last-Event-ID`` and the feed resumes right after it; without one the feed
starts with what arrives from now on. The subscription exists before the response starts, so
nothing published after the client sees the headers is missed.
"""

from __future__ import annotations

import contextlib
from collections import deque
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any
from uuid import UUID

import nats.errors
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import PermissionDeniedException, ServiceUnavailableException
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.api.auth import Principal, tenant_member
from services.api.problems import FieldError
from services.bus.signing import BusSigner
from services.bus.stream_config import STREAM, role_of, tenant_filter, token

Req = Request[Principal, Any, Any]
KEEP_ALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
RETRY_MS = 2000  # how soon a browser reconnects after losing the stream


@get(
    "/v1/stream",
    guards=[tenant_member],
    operation_id="streamNotifications",
    tags=["bus"],
    summary="the caller's roles' notifications as Server-Sent Events",
)
async def stream(
    request: Req,
    nats: NamedDependency[NatsClient],
    bus_signer: NamedDependency[BusSigner],
    last_event_id: Annotated[
        str | None, HeaderParameter(name="last-event-id", description="resume after this event")
    ] = None,
) -> ServerSentEvent:
    after = resume_after(last_event_id)
    roles = sorted(request.user.roles)
    if not roles:
        raise PermissionDeniedException("this key holds no role to be notified for")
    assert request.user.tenant_id is not None
    try:
        sub = await subscribe(nats.jetstream(), request.user.tenant_id, roles, after)
    except (nats.errors.Error, TimeoutError):
        raise ServiceUnavailableException(
            "the notification bus is not reachable", headers={"Retry-After": "2"}
        ) from None
    return ServerSentEvent(feed(sub, roles, bus_signer))


def resume_after(last_event_id: str | None) -> int | None:
    if last_event_id is None or not last_event_id.strip():
        return None
    try:
        after = int(last_event_id)
    except ValueError:
        raise FieldError("Last-Event-ID", "must be an id this stream gave out") from None
    if after < 0:
        raise FieldError("Last-Event-ID", "must be an id this stream gave out")
    return after


async def subscribe(
    js: JetStreamContext, tenant_id: UUID, roles: Sequence[str], after: int | None
) -> JetStreamContext.PushSubscription:
    """An ordered, ephemeral consumer over the tenant's subjects: the server forgets it once
    the browser has gone, and the client re-creates it past any gap it notices. One filter
    for the tenant, not one per role: servers before 2.10 take a single filter subject, and
    one stream order keeps ``Last-Event-ID`` exact; ``feed`` keeps only the caller's roles."""
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.NEW if after is None else DeliverPolicy.BY_START_SEQUENCE,
        opt_start_seq=None if after is None else after + 1,
        inactive_threshold=60.0,
    )
    return await js.subscribe(
        tenant_filter(tenant_id), stream=STREAM, config=config, ordered_consumer=True
    )


async def feed(
    sub: JetStreamContext.PushSubscription,
    roles: Sequence[str],
    signer: BusSigner,
    keep_alive: float = KEEP_ALIVE_S,
) -> AsyncIterator[ServerSentEventMessage]:
    # A caller holding two roles an event went to gets it once; the other copy only moves
    # the id on (an id without data), so a resume does not bring it back.
    sent: deque[str] = deque(maxlen=512)
    wanted = {token(role) for role in roles}
    try:
        yield ServerSentEventMessage(data=None, comment="subscribed", retry=RETRY_MS)
        while True:
            try:
                msg = await sub.next_msg(timeout=keep_alive)
            except TimeoutError:  # nats' TimeoutError is one too
                yield ServerSentEventMessage(data=None, comment="keep-alive")
                continue
            position = msg.metadata.sequence.stream
            if role_of(msg.subject) not in wanted:
                continue  # another role's copy: not this caller's to see
            if not signer.genuine(msg, "SSE feed"):
                # Not the relay's: dropped before it can reach the browser or take the place
                # of the genuine copy below. The ordered consumer needs no ack.
                continue
            event_key = (msg.headers or {}).get("Nats-Msg-Id", "").rpartition(":")[0]
            if event_key and event_key in sent:
                yield ServerSentEventMessage(data=None, id=position)
                continue
            sent.append(event_key)
            yield ServerSentEventMessage(data=msg.data.decode(), id=position)
    finally:
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()
