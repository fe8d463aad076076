"""One e-mail to one complainant over SMTP, off the event loop (the standard library's client
blocks), with a timeout: a server that hangs costs a retry, never the service."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

from services.settings import Settings

TIMEOUT_S = 10.0


class MailUnavailable(Exception):
    """No SMTP server is configured, or it refused or could not be reached: try again later."""


def failure_kind(reason: str) -> str:
    """A failed delivery's reason without what the server said, which may quote the
    recipient's address: what a log may carry (the whole reason is sealed on the case)."""
    return reason.partition(":")[0]


def message(settings: Settings, to: str, subject: str, body: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(body)  # UTF-8, so Chinese text arrives as written
    return mail


async def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    """Send it, or raise MailUnavailable saying why."""
    if not settings.smtp_host:
        raise MailUnavailable("no SMTP server is configured (COMPLAINTS_SMTP_HOST)")
    mail = message(settings, to, subject, body)

    def deliver() -> None:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT_S) as smtp:
            smtp.send_message(mail)

    try:
        await asyncio.to_thread(deliver)
    except (OSError, smtplib.SMTPException) as error:
        raise MailUnavailable(f"{type(error).__name__}: {error}") from None
