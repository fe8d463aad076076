"""Messages to complainants: mail over SMTP (``mail``) and, where a tenant has one, its SMS or
WeChat gateway, a signed webhook (``gateway``); the templates they are written from
(``templates``), and the one-time codes sent to them.

May import the store (one tenant's rows), the leaves (settings, standard_webhooks) and the
standard library's transports; never handlers, audit or the bus. The sender that follows the
ledger is a worker (services/workers/feedback.py).
"""

from services.feedback.contact import contact
from services.feedback.gateway import (
    Gateway,
    GatewayStore,
    GatewayUnavailable,
    Pin,
    PinnedUrl,
    send_text,
)
from services.feedback.mail import MailUnavailable, failure_kind, send_mail
from services.feedback.templates import (
    LANGUAGES,
    PLACEHOLDERS,
    STEPS,
    Rendered,
    Template,
    TemplateInvalid,
    TemplateStore,
    check,
    default_template,
    language_of,
    render,
    track_link,
)

__all__ = [
    "LANGUAGES",
    "PLACEHOLDERS",
    "STEPS",
    "Gateway",
    "GatewayStore",
    "GatewayUnavailable",
    "MailUnavailable",
    "Pin",
    "PinnedUrl",
    "Rendered",
    "Template",
    "TemplateInvalid",
    "TemplateStore",
    "check",
    "contact",
    "default_template",
    "failure_kind",
    "language_of",
    "render",
    "send_mail",
    "send_text",
    "track_link",
]
