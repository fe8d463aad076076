"""A tenant's SMS/WeChat gateway: a URL of the tenant's own that takes each message to a
complainant's phone as a signed webhook.

The request is ``POST`` JSON ``{tenant, case_id, tracking, to_phone, text, step, delivery}``
with the Standard Webhooks headers (``webhook-id`` = the delivery, ``webhook-timestamp``,
``webhook-signature: v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">``), the same scheme
as the bus's webhooks (docs/bus.md). A 2xx answer is sent; anything else is tried again.

The signing secret is shown once, when the gateway is set, and never stored: it is derived
from the server's gateway key (``<data_dir>/feedback_gateway.key``, made on first use) and a
nonce kept with the URL; the table keeps only the secret's SHA-256. Setting the gateway again
makes a new nonce, and so a new secret.

The URL is a request the service makes on the tenant's behalf, as a webhook is: the API admits
it only past the webhooks' destination check (services/bus/destinations.py), and each send is
given that check as ``pin``, so a name that resolves elsewhere later is refused too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol
from uuid import UUID

import asyncpg
import httpx

from services import standard_webhooks
from services.settings import Settings
from services.standard_webhooks import SECRET_PREFIX
from services.store.tenant_rows import tenant_transaction

KEY_FILE = "feedback_gateway.key"
TIMEOUT_S = 10.0


class GatewayUnavailable(Exception):
    """The gateway refused the message or could not be reached: try again later."""


class PinnedUrl(Protocol):
    """A URL rewritten to the address that was checked (services/bus/destinations.Pinned)."""

    url: str
    host_header: str
    server_name: str


# the URL -> where to send it; raises ValueError (ForbiddenDestination) for a refused one
Pin = Callable[[str], Awaitable[PinnedUrl]]


@dataclass(frozen=True)
class Gateway:
    url: str
    secret: str  # derived, held in memory only


def server_key(settings: Settings) -> bytes:
    path = Path(settings.data_dir) / KEY_FILE
    try:
        return path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
        return path.read_bytes()


def derive_secret(key: bytes, tenant_id: UUID, nonce: str) -> str:
    raw = hmac.new(key, f"feedback-gateway:{tenant_id}:{nonce}".encode(), hashlib.sha256)
    return SECRET_PREFIX + base64.b64encode(raw.digest()).decode()


def signed_headers(secret: str, message_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return standard_webhooks.signed_headers(secret, message_id, timestamp, body, "application/json")


class GatewayStore:
    def __init__(self, pool: asyncpg.Pool, settings: Settings) -> None:
        self.pool = pool
        self.settings = settings

    async def put(self, tenant_id: UUID, url: str, by: str, at: datetime) -> str:
        """Set the tenant's gateway; returns its new secret, the one time it is shown."""
        nonce = secrets.token_urlsafe(16)
        secret = derive_secret(server_key(self.settings), tenant_id, nonce)
        digest = hashlib.sha256(secret.encode()).hexdigest()
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "INSERT INTO feedback_gateways (tenant_id, url, nonce, secret_sha256, set_by,"
                " set_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id) DO UPDATE"
                " SET url = $2, nonce = $3, secret_sha256 = $4, set_by = $5, set_at = $6",
                tenant_id,
                url,
                nonce,
                digest,
                by,
                at,
            )
        return secret

    async def shown(self, tenant_id: UUID) -> asyncpg.Record | None:
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await conn.fetchrow(
                "SELECT url, secret_sha256, set_by, set_at FROM feedback_gateways"
                " WHERE tenant_id = $1",
                tenant_id,
            )

    async def of(self, conn: asyncpg.Connection, tenant_id: UUID) -> Gateway | None:
        """The tenant's gateway with its secret, on a connection admitted to the tenant."""
        row = await conn.fetchrow(
            "SELECT url, nonce FROM feedback_gateways WHERE tenant_id = $1", tenant_id
        )
        if row is None:
            return None
        return Gateway(
            row["url"], derive_secret(server_key(self.settings), tenant_id, row["nonce"])
        )


async def send_text(gateway: Gateway, payload: dict[str, Any], now: datetime, pin: Pin) -> None:
    """POST the message to the gateway, signed, to the address ``pin`` checked; raise
    GatewayUnavailable saying why not."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = signed_headers(gateway.secret, payload["delivery"], int(now.timestamp()), body)
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as http:
            pinned = await asyncio.wait_for(pin(gateway.url), TIMEOUT_S)
            headers["host"] = pinned.host_header
            extensions = {"sni_hostname": pinned.server_name}
            response = await http.post(
                pinned.url, content=body, headers=headers, extensions=extensions
            )
    except (httpx.HTTPError, TimeoutError) as error:
        raise GatewayUnavailable(f"{type(error).__name__}: {error}") from None
    except ValueError as refused:  # the destination check's ForbiddenDestination
        raise GatewayUnavailable(f"refused destination: {refused}") from None
    if not 200 <= response.status_code < 300:
        raise GatewayUnavailable(f"gateway answered {response.status_code}")
