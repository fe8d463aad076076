"""Standard Webhooks signatures (https://www.standardwebhooks.com): ``whsec_`` secrets, the
``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` headers, HMAC-SHA256 over
``id.timestamp.body``. The tenant's webhooks (services/bus) and its SMS or WeChat gateway
(services/feedback) sign this one way, so a receiver checks both with one library."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SECRET_PREFIX = "whsec_"
TOLERANCE_S = 5 * 60  # a receiver refuses a timestamp further off than this


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(
    secret: str, message_id: str, timestamp: int, body: bytes, content_type: str
) -> dict[str, str]:
    return {
        "content-type": content_type,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, message_id, timestamp, body),
    }


def verify(secret: str, headers: dict[str, str], body: bytes, now: int) -> bool:
    """What a receiver does (and what the tests do): recompute, compare in constant time."""
    timestamp = int(headers["webhook-timestamp"])
    if abs(now - timestamp) > TOLERANCE_S:
        return False
    expected = signature(secret, headers["webhook-id"], timestamp, body)
    offered = headers["webhook-signature"].split()
    return any(hmac.compare_digest(expected, item) for item in offered)
