"""``GET /v1/stream``: the caller's roles' notifications as Server-Sent Events.

Each event's ``id`` is the message's sequence in the stream, so a browser that reconnects
sends it back as ``Last-Event-ID`` and the feed resumes right after it; without one the feed
starts with what arrives from now on. The subscription exists before the response starts, so
nothing published after the client sees the headers is missed.

Each open stream holds a consumer on the bus and a connection: an API key may hold
``sse_streams_per_key`` of them at once and a tenant ``sse_streams_per_tenant``, counted in
this API process (N processes allow N times as many). Past either, a 429 opens nothing; a
stream gives its slot back when it ends, the client having closed it or gone.

A role the caller holds only in units (the principal's scope) brings the copies of those units
and the units below them, and the role's copies on the tenant's subject (the policy decided
those are the tenant's); a role held tenant-wide brings every copy of the role.
"""

from __future__ import annotations

import contextlib
import json
import weakref
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import nats.errors
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.exceptions import (
    PermissionDeniedException,
    ServiceUnavailableException,
    TooManyRequestsException,
)
from litestar.params import HeaderParameter
from litestar.response import ServerSentEvent, ServerSentEventMessage
from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from domain.units import Scope
from services.api.auth import Principal, tenant_member
from services.api.problems import FieldError
from services.bus.signing import BusSigner
from services.bus.stream_config import STREAM, role_of, tenant_filter, token, unit_of
from services.settings import Settings

Req = Request[Principal, Any, Any]
KEEP_ALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
RETRY_MS = 2000  # how soon a browser reconnects after losing the stream
BUSY_RETRY_S = 5  # Retry-After past a cap: a slot frees only when some stream ends


class StreamSlots:
    """Streams open now, per API key and per tenant (a cap of 0: none)."""

    def __init__(self, per_key: int, per_tenant: int) -> None:
        self.caps = {"key": per_key, "tenant": per_tenant}
        self.open: Counter[tuple[str, str]] = Counter()

    def take(self, key: str, tenant: str) -> Slot | None:
        """A slot of the key's and of its tenant's, or None when either is full."""
        holders = (("key", key), ("tenant", tenant))
        if any(0 < self.caps[kind] <= self.open[(kind, name)] for kind, name in holders):
            return None
        self.open.update(holders)
        return Slot(self, holders)

    def release(self, holders: tuple[tuple[str, str], ...]) -> None:
        self.open.subtract(holders)
        for holder in holders:
            if self.open[holder] <= 0:
                del self.open[holder]


@dataclass
class Slot:
    """One stream's place in the counts: given back once, however often it is asked to."""

    slots: StreamSlots
    holders: tuple[tuple[str, str], ...]
    held: bool = True

    def give_back(self) -> None:
        if self.held:
            self.held = False
            self.slots.release(self.holders)


def open_streams(request: Req, settings: Settings) -> StreamSlots:
    """This app's count, made with its first stream."""
    state = request.app.state
    if "stream_slots" not in state:
        state.stream_slots = StreamSlots(
            settings.sse_streams_per_key, settings.sse_streams_per_tenant
        )
    return state.stream_slots


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
    settings: NamedDependency[Settings],
    last_event_id: Annotated[
        str | None, HeaderParameter(name="last-event-id", description="resume after this event")
    ] = None,
) -> ServerSentEvent:
    after = resume_after(last_event_id)
    roles = sorted(request.user.roles)
    if not roles:
        raise PermissionDeniedException("this key holds no role to be notified for")
    tenant_id = request.user.tenant_id
    assert tenant_id is not None
    slot = open_streams(request, settings).take(
        f"{tenant_id}/{request.user.key_id}", str(tenant_id)
    )
    if slot is None:
        raise TooManyRequestsException(
            "too many open streams for this key or tenant; close one, or retry after the pause",
            headers={"Retry-After": str(BUSY_RETRY_S)},
        )
    try:
        sub = await subscribe(nats.jetstream(), tenant_id, roles, after)
    except (nats.errors.Error, TimeoutError):
        slot.give_back()
        raise ServiceUnavailableException(
            "the notification bus is not reachable", headers={"Retry-After": "2"}
        ) from None
    events = feed(
        sub,
        roles,
        bus_signer,
        ended=slot.give_back,
        scope=request.user.scope,
        person=request.user.person,
    )
    weakref.finalize(events, slot.give_back)  # a feed dropped unstarted runs no finally
    return ServerSentEvent(events)


DUPLICATE = "duplicate"  # the SSE event of a copy the caller already had under another role


def kind_of(subject: str) -> str:
    """The event's kind, the last token of ``complaints.<tenant>.<role>[.<unit>].<event>``."""
    return subject.rsplit(".", 1)[-1]


Coverage = dict[str, frozenset[str] | None]  # role token -> the units it covers; None: all


def coverage(roles: Sequence[str], scope: Scope | None) -> Coverage:
    """What each of the caller's roles covers: everything for a role held tenant-wide (or
    with no scope: a caller the tenant does not place), the scope's units for one held only
    in units; a role held nowhere now covers nothing and is left out."""
    if scope is None:
        return {token(role): None for role in roles}
    covered: Coverage = {
        token(role): frozenset(scope.in_units[role]) for role in roles if role in scope.in_units
    }
    covered.update({token(role): None for role in roles if role in scope.tenant_wide})
    return covered


def for_caller(subject: str, covered: Coverage) -> bool:
    """Whether the copy on ``subject`` is the caller's: one of their roles', and for a unit's
    copy, a unit that role covers."""
    role = role_of(subject)
    if role not in covered:
        return False
    units, unit = covered[role], unit_of(subject)
    return units is None or unit is None or unit in units


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


def owner_reminded(msg: Msg, person: str | None) -> bool:
    """A deadline's reminder reaches the case's owner by name (S1), whatever their roles:
    any one copy of it does, the others are duplicates of that one."""
    if person is None or kind_of(msg.subject) != "DeadlineReminded":
        return False
    try:
        return json.loads(msg.data)["data"]["details"]["owner"] == person
    except (ValueError, KeyError, TypeError):
        return False


async def feed(
    sub: JetStreamContext.PushSubscription,
    roles: Sequence[str],
    signer: BusSigner,
    keep_alive: float = KEEP_ALIVE_S,
    ended: Callable[[], None] = lambda: None,
    scope: Scope | None = None,
    person: str | None = None,
) -> AsyncIterator[ServerSentEventMessage]:
    # Each message is an event named by its kind (``event: IncidentReported``). A caller
    # holding two roles an event went to gets it once; the other copy is a ``duplicate``
    # event naming the first copy's id, which moves Last-Event-ID on, so a resume does not
    # bring the event back (an id without data would, but some clients choke on it).
    first_copy: dict[str, int] = {}  # event -> the stream id it was sent under
    order: deque[str] = deque()

    def remember(event_key: str, position: int) -> None:
        first_copy[event_key] = position
        order.append(event_key)
        if len(order) > 512:
            first_copy.pop(order.popleft(), None)

    covered = coverage(roles, scope)
    try:
        yield ServerSentEventMessage(data=None, comment="subscribed", retry=RETRY_MS)
        while True:
            try:
                msg = await sub.next_msg(timeout=keep_alive)
            except TimeoutError:  # nats' TimeoutError is one too
                yield ServerSentEventMessage(data=None, comment="keep-alive")
                continue
            position = msg.metadata.sequence.stream
            if not (for_caller(msg.subject, covered) or owner_reminded(msg, person)):
                continue  # another role's or another unit's copy: not this caller's to see
            if not signer.genuine(msg, "SSE feed"):
                # Not the relay's: dropped before it can reach the browser or take the place
                # of the genuine copy below. The ordered consumer needs no ack.
                continue
            event_key = (msg.headers or {}).get("Nats-Msg-Id", "").rpartition(":")[0]
            if event_key and event_key in first_copy:
                yield ServerSentEventMessage(
                    data=json.dumps({"duplicate_of": first_copy[event_key]}),
                    event=DUPLICATE,
                    id=position,
                )
                continue
            remember(event_key, position)
            yield ServerSentEventMessage(
                data=msg.data.decode(), event=kind_of(msg.subject), id=position
            )
    finally:
        # before any await: a client gone cancels this generator, and the cancellation may
        # interrupt the unsubscribe
        ended()
        with contextlib.suppress(nats.errors.Error):
            await sub.unsubscribe()
