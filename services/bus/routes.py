"""The bus's HTTP routes, for the app to mount."""

from __future__ import annotations

from services.bus.sse import stream
from services.bus.webhook_routes import WebhookController

ROUTES = [stream, WebhookController]
