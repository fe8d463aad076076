"""How a complainant reaches their own case without a key: by the secret of its link, or by
its tracking number and a one-time code sent to the e-mail address they gave or, failing one,
to their phone through the tenant's SMS gateway (the signed webhook feedback uses).

Nothing here says whether a number exists: a code is asked for in the same way for any number,
and only the case's own address or phone receives it. Only when the tenant can send codes by
neither channel (no SMTP server in the deployment, no gateway of its own) is asking refused,
which depends on the tenant alone, never on the case. A code is six digits, kept as a salted
SHA-256 for ten minutes and five tries; the right one gives an access token that opens the
case for an hour like its link does, kept only as its SHA-256 (migration 051).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from domain.complaint import Complaint
from domain.tenant import Tenant
from projections.read import reading
from services.clock import Clock
from services.feedback.contact import contact
from services.feedback.gateway import (
    Gateway,
    GatewayStore,
    GatewayUnavailable,
    Pin,
    send_text,
)
from services.feedback.mail import MailUnavailable, failure_kind, send_mail
from services.handlers.cases import Cases
from services.handlers.tracking import access_hash
from services.settings import Settings
from services.store.tenant_rows import tenant_transaction

log = logging.getLogger(__name__)

CODE_TTL = timedelta(minutes=10)
CODE_TRIES = 5
TOKEN_TTL = timedelta(hours=1)
MAX_TOKEN = 64  # characters: a link's secret is 43; a longer one is none we gave out
MAX_TRACKING = 40
SENDING: set[asyncio.Task[None]] = set()  # codes on their way: kept until sent


@dataclass(frozen=True)
class Granted:
    """The right code's answer: a token that opens the case until ``expires_at``."""

    token: str = field(repr=False)  # told once, never stored
    case_id: UUID
    expires_at: datetime


def code_hash(salt: bytes, code: str) -> bytes:
    return hashlib.sha256(salt + code.encode()).digest()


class NoCodeChannel(Exception):
    """The tenant can send a code by neither e-mail nor SMS: asking for one is refused."""


class ComplainantAccess:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cases: Cases,
        clock: Clock,
        settings: Settings,
        pin: Pin,
    ) -> None:
        """``pin``: the destination check each gateway call goes through (the webhooks')."""
        self.pool = pool
        self.cases = cases
        self.clock = clock
        self.settings = settings
        self.gateways = GatewayStore(pool, settings)
        self.pin = pin

    async def case_for(self, tenant: Tenant, token: str) -> Complaint | None:
        """The case ``token`` opens (its link's secret, or a live access token); None for any
        other token, whatever the reason."""
        if not token or len(token) > MAX_TOKEN:
            return None
        digest = access_hash(token)
        async with reading(self.pool, tenant.id) as conn:
            case_id = await conn.fetchval(
                "SELECT case_id FROM case_list WHERE tenant_id = $1 AND access_sha256 = $2",
                tenant.id,
                digest,
            ) or await conn.fetchval(
                "SELECT case_id FROM complainant_tokens WHERE tenant_id = $1"
                " AND token_sha256 = $2 AND expires_at > $3",
                tenant.id,
                digest,
                self.clock.now(),
            )
        return None if case_id is None else await self.cases.get(tenant.id, case_id)

    async def case_id_by_tracking(self, tenant: Tenant, tracking: str) -> UUID | None:
        async with reading(self.pool, tenant.id) as conn:
            return await conn.fetchval(
                "SELECT case_id FROM case_list WHERE tenant_id = $1 AND tracking = $2",
                tenant.id,
                tracking,
            )

    async def send_code(self, tenant: Tenant, tracking: str) -> None:
        """A new code for the case numbered ``tracking``, sent to its complainant: by e-mail
        to the address given, else to the phone through the tenant's gateway. For a number no
        case has, or a case that neither channel reaches, nothing (and the caller cannot tell).
        NoCodeChannel when the tenant has no channel at all, asked before the case is looked
        for. The code goes out in the background; a server that is away loses it, and the
        complainant asks again."""
        async with tenant_transaction(self.pool, tenant.id) as conn:
            gateway = await self.gateways.of(conn, tenant.id)
        if not self.settings.smtp_host and gateway is None:
            raise NoCodeChannel(tenant.slug)
        tracking = tracking.strip().upper()
        case_id = await self.case_id_by_tracking(tenant, tracking)
        if case_id is None:
            return
        case = await self.cases.get(tenant.id, case_id)
        email, phone = contact(case.complainant or {})
        if email and self.settings.smtp_host:
            phone = None
        elif phone and gateway is not None:
            email = None
        else:
            return
        code = f"{secrets.randbelow(10**6):06d}"
        salt = secrets.token_bytes(16)
        now = self.clock.now()
        async with tenant_transaction(self.pool, tenant.id) as conn:
            await conn.execute(
                "INSERT INTO complainant_codes (tenant_id, tracking, salt, code_sha256,"
                " expires_at, tries_left) VALUES ($1, $2, $3, $4, $5, $6)"
                " ON CONFLICT (tenant_id, tracking) DO UPDATE SET salt = EXCLUDED.salt,"
                " code_sha256 = EXCLUDED.code_sha256, expires_at = EXCLUDED.expires_at,"
                " tries_left = EXCLUDED.tries_left",
                tenant.id,
                tracking,
                salt,
                code_hash(salt, code),
                now + CODE_TTL,
                CODE_TRIES,
            )
        language = case.complainant.get("language") or tenant.language
        if email:
            subject, body = code_mail(tenant, language, tracking, code, now + CODE_TTL)
            sending = self.mail(email, subject, body)
        else:
            assert gateway is not None and phone is not None
            payload = {
                "tenant": tenant.slug,
                "case_id": str(case.id),
                "tracking": tracking,
                "to_phone": phone,
                "text": code_text(tenant, language, tracking, code, now + CODE_TTL),
                "step": "code",
                "delivery": f"code:{secrets.token_urlsafe(12)}",
            }
            sending = self.text(gateway, payload, now)
        # sent after the answer: how long a server takes must not tell a number that exists
        # from one that does not
        task = asyncio.create_task(sending)
        SENDING.add(task)
        task.add_done_callback(SENDING.discard)

    async def mail(self, to: str, subject: str, body: str) -> None:
        try:
            await send_mail(self.settings, to, subject, body)
        except MailUnavailable as error:
            log.warning("complainant code not sent: %s", failure_kind(str(error)))

    async def text(self, gateway: Gateway, payload: dict[str, Any], now: datetime) -> None:
        try:
            await send_text(gateway, payload, now, pin=self.pin)
        except GatewayUnavailable as error:
            log.warning("complainant code not sent to the gateway: %s", failure_kind(str(error)))

    async def verify(self, tenant: Tenant, tracking: str, code: str) -> Granted | None:
        """An access token for the case when ``code`` is its live code; a wrong one costs a
        try, and the code is gone after the last. None, whatever went wrong."""
        tracking = tracking.strip().upper()
        now = self.clock.now()
        async with tenant_transaction(self.pool, tenant.id) as conn:
            row = await conn.fetchrow(
                "SELECT salt, code_sha256, expires_at, tries_left FROM complainant_codes"
                " WHERE tenant_id = $1 AND tracking = $2 FOR UPDATE",
                tenant.id,
                tracking,
            )
            if row is None or row["expires_at"] <= now or row["tries_left"] <= 0:
                return None
            if not hmac.compare_digest(bytes(row["code_sha256"]), code_hash(row["salt"], code)):
                await conn.execute(
                    "UPDATE complainant_codes SET tries_left = tries_left - 1"
                    " WHERE tenant_id = $1 AND tracking = $2",
                    tenant.id,
                    tracking,
                )
                return None
            await conn.execute(
                "DELETE FROM complainant_codes WHERE tenant_id = $1 AND tracking = $2",
                tenant.id,
                tracking,
            )
            case_id = await conn.fetchval(
                "SELECT case_id FROM case_list WHERE tenant_id = $1 AND tracking = $2",
                tenant.id,
                tracking,
            )
            if case_id is None:
                return None
            token = secrets.token_urlsafe(32)
            # the tenant's ended tokens are forgotten as new ones are given
            await conn.execute(
                "DELETE FROM complainant_tokens WHERE tenant_id = $1 AND expires_at <= $2",
                tenant.id,
                now,
            )
            await conn.execute(
                "INSERT INTO complainant_tokens (tenant_id, token_sha256, case_id, expires_at)"
                " VALUES ($1, $2, $3, $4)",
                tenant.id,
                access_hash(token),
                case_id,
                now + TOKEN_TTL,
            )
        return Granted(token, case_id, now + TOKEN_TTL)


def code_mail(
    tenant: Tenant, language: str, tracking: str, code: str, until: datetime
) -> tuple[str, str]:
    """The code's mail in the complainant's language, its end in the tenant's time zone."""
    local = until.astimezone(ZoneInfo(tenant.timezone)).strftime("%Y-%m-%d %H:%M")
    if language.startswith("zh"):
        return (
            f"{tenant.name}：查询验证码",
            f"您查询投诉 {tracking} 的验证码是 {code}，{local} 前有效。\n"
            "如果不是您本人在查询，请忽略本邮件。\n",
        )
    return (
        f"{tenant.name}: your code",
        f"The code to follow complaint {tracking} is {code}, valid until {local}.\n"
        "If you did not ask for it, ignore this message.\n",
    )


def code_text(tenant: Tenant, language: str, tracking: str, code: str, until: datetime) -> str:
    """The code as a text message: one short line, signed with the tenant's name."""
    local = until.astimezone(ZoneInfo(tenant.timezone)).strftime("%Y-%m-%d %H:%M")
    if language.startswith("zh"):
        return f"【{tenant.name}】您查询投诉 {tracking} 的验证码是 {code}，{local} 前有效。"
    return f"{tenant.name}: the code to follow complaint {tracking} is {code}, valid until {local}."
