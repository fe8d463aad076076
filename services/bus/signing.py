"""Only what the relay published reaches a reader: each message carries the relay's HMAC.

NATS permissions (deploy/nats/users.inc) keep every client but the relay from publishing to
``complaints.>``. They are not enough on their own: a bus run without them (CI, a
misconfigured server) or a leaked password would let anyone put an ``IncidentReported`` on a
role's subject, and the SSE feed and the webhooks would pass it on, the webhook with a valid
signature. So the relay signs each message with a key it shares with the readers, and the SSE
feed and the webhook dispatcher drop (and acknowledge) a message that does not carry it.

``Complaints-Signature: v1,<base64 HMAC-SHA256>`` over the subject, the ``Nats-Msg-Id`` and
the body, so a signed message copied onto another tenant's or role's subject fails too. The
key is 32 random bytes in a 0600 file (``COMPLAINTS_BUS_KEY_FILE``, default
``<data_dir>/bus_signing.key``), made on first use like the checkpoint key: every process of a
deployment must read the same file.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import secrets
from pathlib import Path

from nats.aio.msg import Msg

log = logging.getLogger(__name__)

HEADER = "Complaints-Signature"
VERSION = "v1"
_CONTEXT = b"complaints-bus/1\n"  # a key used for something else one day cannot sign these


class BusSigner:
    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("the bus signing key must be at least 32 bytes")
        self._key = key
        self.rejected = 0  # messages dropped by this process for want of the relay's signature

    @classmethod
    def from_file(cls, path: Path) -> BusSigner:
        return cls(load_or_create_key(path))

    def sign(self, subject: str, message_id: str, body: bytes) -> str:
        return f"{VERSION},{base64.b64encode(self._mac(subject, message_id, body)).decode()}"

    def holds(self, subject: str, message_id: str, body: bytes, signature: str | None) -> bool:
        if not signature:
            return False
        return hmac.compare_digest(signature, self.sign(subject, message_id, body))

    def genuine(self, msg: Msg, reader: str) -> bool:
        """Whether the relay published ``msg``; if not, say so and count it. The caller drops
        it (and acknowledges it, so the server does not offer it again)."""
        headers = msg.headers or {}
        message_id = headers.get("Nats-Msg-Id", "")
        if self.holds(msg.subject, message_id, msg.data, headers.get(HEADER)):
            return True
        self.rejected += 1
        log.warning(
            "%s dropped a message the relay did not sign: subject %s, id %r",
            reader,
            msg.subject,
            message_id[:200],  # the sender chose it: bounded, and repr keeps it on one line
        )
        return False

    def _mac(self, subject: str, message_id: str, body: bytes) -> bytes:
        signed = _CONTEXT + f"{subject}\n{message_id}\n".encode() + body
        return hmac.new(self._key, signed, hashlib.sha256).digest()


def load_or_create_key(path: Path) -> bytes:
    """The key in ``path`` (hex), made on first use. Several processes may start at once: the
    first to link its key file wins and the others read that one."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        # created private (0600) from the start, not made private after the fact
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(secrets.token_hex(32) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return bytes.fromhex(path.read_text().strip())
