"""The feedback sender: what the organisation tells the complainant reaches them, and each
attempt is on the case.

It follows each tenant's ledger (position ``feedback`` in ``projection_tracking``, as the relay
keeps its own) for ``WrittenReplyGiven`` (step "reply"), ``Resolved`` (step "follow-up", the
survey for the follow-up visit where the case's policy has one: S10's handling ends with the
customer's feedback, and the visit comes before closing) and ``Closed`` (step "closing").
Where the policy's ``feedback_steps`` names the step and the
complainant has an e-mail address (or a phone, and the tenant a gateway), it renders the
tenant's template (services/feedback/templates.py), sends it, and records the attempt with
``RecordDelivery`` as the system actor, in the same transaction that moves its position: an
event is passed over only once its first attempt is on the case. What the policy refused was
never recorded, so there is nothing to send. Its own ``FeedbackDelivery`` events it ignores.

A failed attempt is recorded ``retrying`` with its error and ``retry_at`` (1 min, 5 min,
30 min, 2 h, then every 6 h; after 3 days ``failed``, which staff see on the case), and a row
in ``feedback_pending`` written in that transaction; the sweep takes the due rows under a row
lock and tries again once the case still says ``retrying`` at that attempt, so two senders
send it once. With no SMTP server configured nothing is sent: the attempt is recorded
retrying with that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from domain.commands import SYSTEM, RecordDelivery
from domain.complaint import Complaint
from domain.errors import DomainError
from domain.tenant import Tenant
from projections.changes import Envelope
from projections.follow import LedgerFollower
from projections.runner import set_tenant
from projections.tracking import lock_positions, move_positions, next_batches
from services.bus.destinations import Destinations
from services.clock import Clock
from services.feedback.contact import contact
from services.feedback.gateway import GatewayStore, GatewayUnavailable, send_text
from services.feedback.mail import MailUnavailable, failure_kind, send_mail
from services.feedback.templates import (
    Rendered,
    TemplateStore,
    default_template,
    language_of,
    render,
    track_link,
)
from services.handlers.cases import Cases
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy
from services.settings import Settings
from services.store.ledger import Announcer, Conflict, UnitOfWork

log = logging.getLogger(__name__)

VIEW = "feedback"
# S10: the school's handling ends with the customer's feedback (Resolved), and the follow-up
# visit comes after it, before closing: the survey goes out when handling ends
SOURCES = {"WrittenReplyGiven": "reply", "Resolved": "follow-up", "Closed": "closing"}
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
EVERY = timedelta(hours=6)
GIVE_UP_AFTER = timedelta(days=3)
DB_FAILURES = (asyncpg.PostgresError, asyncpg.InterfaceError, OSError)

BEHIND = """
SELECT h.tenant_id FROM ledger_heads h
  LEFT JOIN projection_tracking t ON t.view = $1 AND t.tenant_id = h.tenant_id
 WHERE h.seq > COALESCE(t.seq, 0)
"""
EVENT_AT = """
SELECT tenant_id, seq, originator_id, originator_version, topic, state, recorded_at
  FROM events WHERE tenant_id = $1 AND seq = $2
"""
PENDING = """
INSERT INTO feedback_pending (tenant_id, case_id, delivery, source_seq, step, first_at, retry_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (tenant_id, case_id, delivery) DO UPDATE SET retry_at = $7
"""
DONE = "DELETE FROM feedback_pending WHERE tenant_id = $1 AND case_id = $2 AND delivery = $3"
DUE = """
SELECT tenant_id, case_id, delivery FROM feedback_pending
 WHERE retry_at <= $1 ORDER BY retry_at LIMIT $2
"""
TAKE = """
SELECT * FROM feedback_pending
 WHERE tenant_id = $1 AND case_id = $2 AND delivery = $3 AND retry_at <= $4
   FOR UPDATE SKIP LOCKED
"""


def next_retry(first_at: datetime, attempt: int, now: datetime) -> datetime | None:
    """When attempt ``attempt``'s failure is tried again; None: given up (3 days on)."""
    at = now + (BACKOFF[attempt - 1] if attempt <= len(BACKOFF) else EVERY)
    return at if at <= first_at + GIVE_UP_AFTER else None


@dataclass(frozen=True)
class Outgoing:
    delivery: str
    step: str
    channel: str  # "email" or "gateway"
    to: str
    message: Rendered
    payload: dict[str, Any]


class FeedbackSender:
    def __init__(
        self,
        pool: asyncpg.Pool,
        cases: Cases,
        directory: TenantDirectory,
        decode: Callable[[asyncpg.Record], Envelope],
        settings: Settings,
        clock: Clock,
        announcer: Announcer | None = None,
        sweep_seconds: float = 2.0,
        retry_seconds: float = 15.0,
        batch_size: int = 200,
    ) -> None:
        self.pool = pool
        self.cases = cases
        self.directory = directory
        self.decode = decode
        self.settings = settings
        self.clock = clock
        self.announcer = announcer
        self.retry_seconds = retry_seconds
        self.batch_size = batch_size
        self.gateways = GatewayStore(pool, settings)
        self.destinations = Destinations(settings.webhook_allowed_networks)
        self.failures = 0
        self._follower = LedgerFollower(
            pool, self._behind, self._work, sweep_seconds, name="feedback sender"
        )

    # --- following the ledger ------------------------------------------------------------

    async def run(self) -> None:
        """Follow the ledger and sweep the due retries until cancelled."""
        await asyncio.gather(self._follower.run(), self._retrying())

    async def catch_up(self, tenant_id: UUID) -> int:
        """Send what the tenant's ledger asks for since the sender's position; returns how
        many first attempts it recorded (0 if another sender holds the tenant)."""
        tenant = await self.directory.get(tenant_id)
        if tenant is not None and tenant.offboarded_at is not None:
            tenant = None  # its complainants' contacts are erased: nothing can be sent
        attempted = 0
        while True:
            async with self.pool.acquire() as conn:
                async with conn.transaction():
                    positions = await lock_positions(conn, [tenant_id], [VIEW])
                    if not positions:
                        return attempted
                    start = positions[tenant_id][VIEW]
                    batch = await next_batches(conn, {tenant_id: start}, self.batch_size)
                    rows = batch.get(tenant_id, [])
                    if not rows:
                        return attempted
                    last, before = rows[-1], attempted
                    for row in rows:
                        event = self.decode(row)
                        if (
                            tenant is not None
                            and event.aggregate == "Complaint"
                            and (event.name in SOURCES)
                        ):
                            last = row  # this one's attempt commits with the position
                            await set_tenant(conn, tenant_id)
                            attempted += await self._first_attempt(conn, tenant, event)
                            break
                    await move_positions(conn, {tenant_id: [last]}, [VIEW])
                if attempted > before:
                    self._announce(tenant_id)

    async def _first_attempt(
        self, conn: asyncpg.Connection, tenant: Tenant, event: Envelope
    ) -> int:
        case = await self.cases.get(tenant.id, event.originator_id, conn=conn)
        steps = load_policy(case.policy).feedback_steps
        step = SOURCES[event.name]
        if step not in steps:
            return 0
        delivery = f"{event.seq}:{step}"
        if delivery in case.deliveries:
            return 0  # recorded by a sender that stopped before it moved the position
        out = await self._compose(conn, tenant, case, event, step)
        if out is None:
            return 0  # no way to reach the complainant: nothing to send
        now = self.clock.now()
        return int(await self._attempt(conn, tenant, case.id, out, 1, now, event.seq, now))

    # --- retries -------------------------------------------------------------------------

    async def retry_due(self) -> int:
        """Try every delivery whose retry is due once more; returns how many it tried."""
        now = self.clock.now()
        tried = 0
        for row in await self.pool.fetch(DUE, now, self.batch_size):
            try:
                tried += await self._retry(row["tenant_id"], row["case_id"], row["delivery"], now)
            except DB_FAILURES:
                raise
            except Exception:
                log.exception(
                    "retry of delivery %s of case %s failed", row["delivery"], row["case_id"]
                )
        return tried

    async def _retry(self, tenant_id: UUID, case_id: UUID, delivery: str, now: datetime) -> int:
        tenant = await self.directory.get(tenant_id)
        async with self.pool.acquire() as conn:
            async with conn.transaction():
                await set_tenant(conn, tenant_id)
                pending = await conn.fetchrow(TAKE, tenant_id, case_id, delivery, now)
                if pending is None:
                    return 0  # another sender has it, or it is no longer due
                case = await self.cases.get(tenant_id, case_id, conn=conn)
                held = case.deliveries.get(delivery)
                source = await conn.fetchrow(EVENT_AT, tenant_id, pending["source_seq"])
                if (
                    tenant is None
                    or tenant.offboarded_at is not None  # its contacts are erased
                    or held is None
                    or held["state"] != "retrying"
                    or source is None
                ):
                    await conn.execute(DONE, tenant_id, case_id, delivery)
                    return 0
                out = await self._compose(conn, tenant, case, self.decode(source), pending["step"])
                if out is None:
                    await self._record(conn, tenant, case_id, RecordDelivery(
                        delivery, pending["step"], held["channel"], held["attempts"] + 1,
                        sent=False, error="the complainant can no longer be reached",
                    ), now)  # fmt: skip
                    await conn.execute(DONE, tenant_id, case_id, delivery)
                    return 1
                tried = await self._attempt(
                    conn,
                    tenant,
                    case_id,
                    out,
                    held["attempts"] + 1,
                    pending["first_at"],
                    pending["source_seq"],
                    now,
                )
            self._announce(tenant_id)
        return int(tried)

    async def _retrying(self) -> None:
        while True:
            try:
                await self.retry_due()
            except DB_FAILURES:
                log.warning("feedback retries: lost the database; trying again", exc_info=True)
            await asyncio.sleep(self.retry_seconds)

    # --- one attempt -----------------------------------------------------------------------

    async def _compose(
        self, conn: asyncpg.Connection, tenant: Tenant, case: Complaint, event: Envelope, step: str
    ) -> Outgoing | None:
        email, phone = contact(case.complainant or {})
        gateway = None if email or not phone else await self.gateways.of(conn, tenant.id)
        if not email and gateway is None:
            return None
        lang = language_of(case.complainant.get("language"), tenant.language)
        policy_name = case.policy.partition("@")[0]
        link = track_link(self.settings.public_base_url, tenant.slug, case.tracking)
        values = {
            "tenant_name": tenant.name,
            "tracking": case.tracking or "",
            "reply_text": event.data.get("text", ""),
            "closing_reason": event.data.get("reason") or event.data.get("outcome", ""),
            "status_link": link,
            "survey_link": f"{link}#follow-up" if step == "follow-up" else "",
        }
        template = await TemplateStore.current(conn, tenant.id, policy_name, step, lang)
        try:
            message = render(template, values)
        except Exception:  # a tenant's template that fails on real values: say it, use ours
            log.warning("tenant %s: template %s/%s failed; default used", tenant.slug, step, lang)
            message = render(default_template(policy_name, step, lang), values)
        delivery = f"{event.seq}:{step}"
        payload = {
            "tenant": tenant.slug,
            "case_id": str(case.id),
            "tracking": case.tracking or "",
            "to_phone": phone or "",
            "text": message.body,
            "step": step,
            "delivery": delivery,
        }
        if email:
            return Outgoing(delivery, step, "email", email, message, payload)
        return Outgoing(delivery, step, "gateway", phone or "", message, payload)

    async def _attempt(
        self,
        conn: asyncpg.Connection,
        tenant: Tenant,
        case_id: UUID,
        out: Outgoing,
        attempt: int,
        first_at: datetime,
        source_seq: int,
        now: datetime,
    ) -> bool:
        """Send it and record the attempt; False: the case would not record it, so nothing
        was sent."""
        if not await self._accepts(conn, tenant, case_id, out, attempt, now):
            await conn.execute(DONE, tenant.id, case_id, out.delivery)
            return False
        try:
            if out.channel == "email":
                await send_mail(self.settings, out.to, out.message.subject, out.message.body)
            else:
                gateway = await self.gateways.of(conn, tenant.id)
                if gateway is None:
                    raise GatewayUnavailable("the tenant's gateway was removed")
                await send_text(gateway, out.payload, now, pin=self.destinations.resolve)
            sent, error = True, ""
        except (MailUnavailable, GatewayUnavailable) as failure:
            sent, error = False, str(failure)[:500]
        retry_at = None if sent else next_retry(first_at, attempt, now)
        command = RecordDelivery(
            out.delivery, out.step, out.channel, attempt, sent, error=error, retry_at=retry_at
        )
        if not await self._record(conn, tenant, case_id, command, now):
            await conn.execute(DONE, tenant.id, case_id, out.delivery)
            return False
        if retry_at is None:
            await conn.execute(DONE, tenant.id, case_id, out.delivery)
        else:
            await conn.execute(
                PENDING, tenant.id, case_id, out.delivery, source_seq, out.step, first_at, retry_at
            )
        if not sent:
            log.warning(
                "delivery %s of case %s (attempt %d) failed: %s",
                out.delivery,
                case_id,
                attempt,
                failure_kind(error),
            )
        return True

    async def _accepts(
        self,
        conn: asyncpg.Connection,
        tenant: Tenant,
        case_id: UUID,
        out: Outgoing,
        attempt: int,
        now: datetime,
    ) -> bool:
        """Whether the case would record this attempt, asked of a copy before anything is
        sent: what could not be recorded is never sent."""
        probe = await self.cases.get(tenant.id, case_id, conn=conn)
        command = RecordDelivery(out.delivery, out.step, out.channel, attempt, sent=True)
        try:
            self.cases.decide(tenant, probe, command, SYSTEM, now)
        except DomainError as refused:
            log.warning("delivery %s of case %s not sent: %s", out.delivery, case_id, refused)
            return False
        return True

    async def _record(
        self,
        conn: asyncpg.Connection,
        tenant: Tenant,
        case_id: UUID,
        command: RecordDelivery,
        now: datetime,
    ) -> bool:
        """Append the attempt to the case on this transaction; a staff write that got there
        first (a Conflict on the version) means the case is read again and it is appended
        after. False: the case refuses it (said in the log)."""
        for _ in range(5):
            try:
                async with conn.transaction():  # a savepoint: a conflict undoes only this try
                    case = await self.cases.get(tenant.id, case_id, conn=conn)
                    await self.cases.run(UnitOfWork(conn), tenant, case, command, SYSTEM, now)
                return True
            except Conflict:
                continue
            except DomainError as refused:
                log.warning(
                    "delivery %s of case %s not recorded: %s", command.delivery, case_id, refused
                )
                return False
        raise Conflict(f"case {case_id} kept moving; delivery {command.delivery} tried again later")

    def _announce(self, tenant_id: UUID) -> None:
        if self.announcer is not None:
            self.announcer.announce({tenant_id})

    # --- the follower's callbacks ------------------------------------------------------

    async def _behind(self) -> list[UUID]:
        return [r["tenant_id"] for r in await self.pool.fetch(BEHIND, VIEW)]

    async def _work(self, tenants: list[UUID]) -> None:
        for n, tenant_id in enumerate(tenants):
            try:
                await self.catch_up(tenant_id)
            except DB_FAILURES:
                self._follower.wake(tenants[n:])
                self.failures += 1
                log.warning("feedback sender lost the database", exc_info=True)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.sleep(min(0.05 * 2**self.failures, 2.0))
                return
            except Exception:
                log.exception("feedback for tenant %s failed", tenant_id)
                continue
            self.failures = 0
