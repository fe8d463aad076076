"""The bus: the ledger's role-routed events on NATS JetStream, and who reads them.

``relay`` follows the ledger and publishes, signing each message (``signing``: readers drop
what the relay did not sign); ``consumers`` holds the durable per-role consumers;
``webhooks`` and ``webhook_dispatch`` push them into a tenant's own systems; ``purge`` drops
an offboarded tenant's messages. The browser's feed (SSE) is an HTTP route
in services/api/stream.py. docs/bus.md describes subjects, the message format and the
stream's settings.

May import store, the leaves, projections and domain; no Litestar, nothing of handlers or
audit.
"""

from services.bus.purge import notification_purger
from services.bus.relay import Relay
from services.bus.signing import BusSigner
from services.bus.stream_config import STREAM, ensure_stream
from services.bus.webhook_dispatch import WebhookDispatcher
from services.bus.webhooks import Webhook, WebhookStore

__all__ = [
    "STREAM",
    "BusSigner",
    "Relay",
    "Webhook",
    "WebhookDispatcher",
    "WebhookStore",
    "ensure_stream",
    "notification_purger",
]
