"""The one JetStream stream the relay writes to, its subjects and its settings.

Subjects are ``complaints.<tenant>.<role>.<event>``: the tenant as its uuid's 32 hex digits
(no dashes, so every token is plain ``[0-9a-z]``), the role as the policy names it, the event
as the ledger names it (``Escalated``). A copy for a role the case's policy means per unit
(H4's department head, B3's branch head, S7's campus supervisor) of an event recorded while
the case was in a unit goes to ``complaints.<tenant>.<role>.<unit>.<event>`` instead. A
tenant-wide reader filters on ``complaints.<tenant>.<role>.>`` and gets both; a unit's
reader on ``complaints.<tenant>.<role>.<unit>.*``. The event is always the last token.
"""

from __future__ import annotations

import logging
import re
from uuid import UUID

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError

log = logging.getLogger(__name__)

STREAM = "COMPLAINTS"
ROOT = "complaints"
DAY = 24 * 3600.0
# How long a notification waits for a consumer that is away; the ledger keeps it for ever.
MAX_AGE_S = 14 * DAY
# The server drops a republished message id within this window. It must outlast the longest
# gap between a publish whose ack was lost and its republish: a relay that stays down
# overnight, or NATS down for hours. The server's default is two minutes.
DUPLICATE_WINDOW_S = DAY

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def token(value: str) -> str:
    """A subject token: policies name roles in ``[a-z_]``; anything else becomes ``_`` so a
    plug-in's role can never add a token or a wildcard (the body keeps the exact name)."""
    return _UNSAFE.sub("_", value) or "_"


def subject(tenant_id: UUID, role: str, event: str, unit_id: str | None = None) -> str:
    """The tenant's subject for the role's copy, or the unit's when ``unit_id`` is given."""
    if unit_id is None:
        return f"{ROOT}.{tenant_id.hex}.{token(role)}.{token(event)}"
    return f"{ROOT}.{tenant_id.hex}.{token(role)}.{token(unit_id)}.{token(event)}"


def tenant_filter(tenant_id: UUID) -> str:
    return f"{ROOT}.{tenant_id.hex}.>"


def role_of(subject: str) -> str:
    """The role token of ``complaints.<tenant>.<role>[.<unit>].<event>``."""
    return subject.split(".")[2]


def unit_of(subject: str) -> str | None:
    """The unit token of ``complaints.<tenant>.<role>.<unit>.<event>``; None for a tenant's
    subject (four tokens)."""
    tokens = subject.split(".")
    return tokens[3] if len(tokens) == 5 else None


def role_filter(tenant_id: UUID, role: str) -> str:
    """The role's every copy, the tenant's and every unit's."""
    return f"{ROOT}.{tenant_id.hex}.{token(role)}.>"


def unit_filter(tenant_id: UUID, role: str, unit_id: str) -> str:
    """The role's copies of the cases in one unit (not the units below it)."""
    return f"{ROOT}.{tenant_id.hex}.{token(role)}.{token(unit_id)}.*"


def message_id(tenant_id: UUID, seq: int, role: str) -> str:
    """``Nats-Msg-Id``: one message per (tenant, ledger seq, role), so a republish is a no-op."""
    return f"{tenant_id.hex}:{seq}:{role}"


def stream_config(replicas: int = 1) -> StreamConfig:
    # Every setting spelled out: a default that changes between server versions must not
    # change how long notifications live or how duplicates are caught.
    return StreamConfig(
        name=STREAM,
        description="role-routed complaint events from the ledger relay",
        subjects=[f"{ROOT}.>"],
        retention=RetentionPolicy.LIMITS,  # consumers come and go; age alone removes messages
        max_age=MAX_AGE_S,
        max_msgs=-1,
        max_bytes=-1,
        max_msg_size=1024 * 1024,
        discard=DiscardPolicy.OLD,
        storage=StorageType.FILE,
        num_replicas=replicas,
        duplicate_window=DUPLICATE_WINDOW_S,
        deny_delete=False,
        deny_purge=False,
        allow_direct=True,
    )


async def ensure_stream(js: JetStreamContext, replicas: int = 1) -> None:
    """Create the stream, or bring an existing one to these settings; idempotent."""
    config = stream_config(replicas)
    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError as error:
            if error.err_code != 10058:  # created meanwhile by another process
                raise
    try:
        await js.update_stream(config)
    except BadRequestError as error:
        # e.g. a replica count only an operator may change; the stream still works.
        log.warning("stream %s kept its settings: %s", STREAM, error.description)
