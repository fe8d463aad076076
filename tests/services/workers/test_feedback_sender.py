"""The feedback sender: a staff written reply and the closing feedback reach the complainant's
mailbox (a real SMTP server on loopback), each attempt is on the case, a failure is retried
once the server is back, and sent once."""

from __future__ import annotations

import asyncio
import base64
import email
import email.policy
import hashlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field, replace
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller

from domain.complaint import Complaint
from domain.tenant import ERASED
from services.engines import free_port
from services.runtime import Runtime
from services.store.codec import envelope_decoder
from services.workers.feedback import VIEW as FEEDBACK_VIEW
from services.workers.feedback import FeedbackSender
from tests.conftest import PLATFORM_KEY
from tests.fakes import FakeClock
from tests.services.gateway_support import listening_gateway
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

BASE = "https://complaints.example"
MAILBOX = "li.wei@example.cn"
PLATFORM = {"Authorization": f"Bearer {PLATFORM_KEY}"}


@dataclass
class Mailbox:
    """What the loopback SMTP server received."""

    messages: list[EmailMessage] = field(default_factory=list)
    refusing: bool = False  # every recipient, naming the address as real servers do

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refusing:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@dataclass
class Smtp:
    port: int
    mailbox: Mailbox
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    server = Smtp(free_port(), Mailbox())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def sender(runtime: Runtime, smtp: Smtp) -> AsyncIterator[FeedbackSender]:
    """A sender as the worker process runs it, its settings pointing at the loopback server
    and its own clock, which the retry tests move."""
    assert runtime.worker_pool is not None
    clock = FakeClock()
    settings = replace(
        runtime.settings,
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_from="complaints@hospital.example",
        public_base_url=BASE,
    )
    yield FeedbackSender(
        runtime.worker_pool,
        runtime.cases,
        runtime.directory,
        envelope_decoder(runtime.repository.mapper),
        settings,
        clock,
        announcer=runtime.announcer,
    )


def body_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return part.get_content()  # type: ignore[attr-defined]


async def file_case(
    client: httpx.AsyncClient, headers: dict[str, str], **overrides: Any
) -> dict[str, Any]:
    body = complaint_body(complainant={"name": "Li Wei", "contact": MAILBOX}, **overrides)
    filed = await client.post("/v1/complaints", headers=headers, json=body)
    assert filed.status_code == 201, filed.text
    return filed.json()


async def post(
    client: httpx.AsyncClient, case_id: str, action: str, headers: dict[str, str], **body: Any
) -> httpx.Response:
    return await client.post(f"/v1/complaints/{case_id}/{action}", headers=headers, json=body)


async def deliveries(
    client: httpx.AsyncClient, case_id: str, headers: dict[str, str]
) -> list[dict[str, Any]]:
    shown = await client.get(f"/v1/complaints/{case_id}", headers=headers)
    assert shown.status_code == 200, shown.text
    return shown.json()["deliveries"]


async def delivery_events(owner: asyncpg.Connection, tenant: TenantKeys) -> int:
    return await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND topic LIKE '%FeedbackDelivery'",
        UUID(tenant.tenant_id),
    )


async def test_H12_the_spokespersons_reply_reaches_the_mailbox_and_a_nurses_is_never_sent(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, hospital, "nurse.zhao", ["nurse"])
    spokesperson = await staff_key(client, hospital, "press.qian", ["spokesperson"])
    case = await file_case(client, nurse, category="medical_dispute")

    refused = await post(client, case["id"], "written-replies", nurse, text="护士的书面说明")
    assert refused.status_code == 403 and refused.json()["rule"] == "H12"
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 0
    assert smtp.mailbox.to(MAILBOX) == []
    assert await delivery_events(owner, hospital) == 0

    reply = "经调查，我院已对当班流程进行整改。"
    answered = await post(client, case["id"], "written-replies", spokesperson, text=reply)
    assert answered.status_code == 200, answered.text
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 1

    (mail,) = smtp.mailbox.to(MAILBOX)
    tracking = case["tracking"]
    assert tracking and tracking.startswith("HOSP-")
    # in the tenant's language (zh-CN), the tracking number in subject and body
    assert mail["Subject"] == f"Tenant {hospital.slug}：您的投诉 {tracking} 的书面答复"
    text = body_of(mail)
    assert reply in text and "护士的书面说明" not in text
    assert f"{BASE}/public/{hospital.slug}/track?number={tracking}" in text
    assert "验证码" in text  # the status link asks for a one-time code
    (shown,) = await deliveries(client, case["id"], spokesperson)
    assert shown["delivery"] == f"{answered.json()['seq']}:reply"
    assert (shown["step"], shown["channel"], shown["state"], shown["attempts"]) == (
        "reply",
        "email",
        "sent",
        1,
    )
    assert await delivery_events(owner, hospital) == 1
    # its own FeedbackDelivery event is followed too, and sends nothing
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 0
    assert len(smtp.mailbox.to(MAILBOX)) == 1


async def bank_case(client: httpx.AsyncClient, bank: TenantKeys) -> tuple[str, dict[str, str]]:
    head = await staff_key(client, bank, "head.wang", ["branch_head"])
    await staff_key(client, bank, "handler.liu", ["handler"])
    await staff_key(client, bank, "handler.ma", ["handler"])
    case = await file_case(client, head)
    for person, slot in (("handler.liu", "A"), ("handler.ma", "B")):
        assigned = await post(client, case["id"], "assign", head, person=person, slot=slot)
        assert assigned.status_code == 200, assigned.text
    return case["id"], head


async def test_B10_the_general_departments_reply_is_sent_and_closing_follows_talking_points(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    bank = await new_tenant(client, "bank@1")
    case_id, head = await bank_case(client, bank)
    general = await staff_key(client, bank, "general.chen", ["general_department"])
    refused = await post(client, case_id, "written-replies", head, text="支行的书面答复")
    assert refused.status_code == 403 and refused.json()["rule"] == "B10"
    answered = await post(client, case_id, "written-replies", general, text="本行已退还重复扣款。")
    assert answered.status_code == 200, answered.text
    resolved = await post(client, case_id, "resolve", head, outcome="refunded")
    assert resolved.status_code == 200, resolved.text
    closed = await post(client, case_id, "close", head, reason="重复扣款已全额退还")
    assert closed.status_code == 200, closed.text

    assert await sender.catch_up(UUID(bank.tenant_id)) == 2
    reply, closing = smtp.mailbox.to(MAILBOX)
    assert "本行已退还重复扣款。" in body_of(reply)
    assert "支行的书面答复" not in body_of(reply)
    text = body_of(closing)
    assert "按照本行统一的答复口径" in text  # B10: the prepared talking points
    assert "重复扣款已全额退还" in text and "综合部" in text
    steps = {d["step"]: d["state"] for d in await deliveries(client, case_id, head)}
    assert steps == {"reply": "sent", "closing": "sent"}


async def test_S10_the_end_of_handling_sends_the_survey_and_closing_the_closing_feedback(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    school = await new_tenant(client, "school@1")
    case = await file_case(client, school.admin)
    tracking = case["tracking"]
    # S10 ④: the customer's feedback ends the handling; the follow-up visit (⑥) comes next
    resolved = await post(client, case["id"], "resolve", school.admin, outcome="已调换教室")
    assert resolved.status_code == 200, resolved.text

    assert await sender.catch_up(UUID(school.tenant_id)) == 1
    (survey,) = smtp.mailbox.to(MAILBOX)
    assert "已调换教室" in body_of(survey)
    assert f"{BASE}/public/{school.slug}/track?number={tracking}#follow-up" in body_of(survey)
    assert "回访" in survey["Subject"] and tracking in survey["Subject"]

    closed = await post(client, case["id"], "close", school.admin, reason="回访完毕")
    assert closed.status_code == 200, closed.text
    assert await sender.catch_up(UUID(school.tenant_id)) == 1
    _, closing = smtp.mailbox.to(MAILBOX)
    assert "回访完毕" in body_of(closing) and "#follow-up" not in body_of(closing)
    shown = {d["step"]: d["state"] for d in await deliveries(client, case["id"], school.admin)}
    assert shown == {"follow-up": "sent", "closing": "sent"}


async def replied_case(
    client: httpx.AsyncClient,
) -> tuple[TenantKeys, dict[str, Any], dict[str, str]]:
    hospital = await new_tenant(client, "hospital@1")
    spokesperson = await staff_key(client, hospital, "press.qian", ["spokesperson"])
    case = await file_case(client, spokesperson)
    answered = await post(client, case["id"], "written-replies", spokesperson, text="已整改")
    assert answered.status_code == 200, answered.text
    return hospital, case, spokesperson


async def test_the_server_down_is_retrying_and_sent_once_when_it_is_back(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    smtp.stop()
    hospital, case, staff = await replied_case(client)

    assert await sender.catch_up(UUID(hospital.tenant_id)) == 1
    (shown,) = await deliveries(client, case["id"], staff)
    assert shown["state"] == "retrying" and shown["attempts"] == 1
    assert "ConnectionRefusedError" in shown["error"]
    assert shown["retry_at"] is not None

    assert await sender.retry_due() == 0  # not due yet
    smtp.start()
    sender.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    assert await sender.retry_due() == 1
    assert await sender.retry_due() == 0
    sender.clock.advance(timedelta(hours=7))  # type: ignore[attr-defined]
    assert await sender.retry_due() == 0
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 0

    assert len(smtp.mailbox.to(MAILBOX)) == 1  # never twice
    (shown,) = await deliveries(client, case["id"], staff)
    assert (shown["state"], shown["attempts"], shown["error"]) == ("sent", 2, "")


async def test_a_delivery_still_failing_after_three_days_is_recorded_failed(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    smtp.stop()
    hospital, case, staff = await replied_case(client)
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 1
    for _ in range(30):
        sender.clock.advance(timedelta(hours=6, minutes=1))  # type: ignore[attr-defined]
        await sender.retry_due()
    (shown,) = await deliveries(client, case["id"], staff)
    assert shown["state"] == "failed" and shown["retry_at"] is None
    assert 5 <= shown["attempts"] <= 17 and "ConnectionRefusedError" in shown["error"]


async def test_no_smtp_server_configured_is_recorded_retrying_with_the_reason(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    sender.settings = replace(sender.settings, smtp_host=None)
    hospital, case, staff = await replied_case(client)
    assert await sender.catch_up(UUID(hospital.tenant_id)) == 1
    (shown,) = await deliveries(client, case["id"], staff)
    assert shown["state"] == "retrying" and "COMPLAINTS_SMTP_HOST" in shown["error"]
    assert smtp.mailbox.messages == []


# Every other tenant's position at its head, as for a sender that has been following them all
# along: the shared runtime sends no feedback, so a sender started late in the session would
# first walk every earlier test's ledger, and the one tenant under test would wait behind it.
ALL_ALONG = """
INSERT INTO projection_tracking (view, tenant_id, seq)
SELECT $1, tenant_id, seq FROM ledger_heads WHERE tenant_id <> $2
ON CONFLICT (view, tenant_id) DO UPDATE SET seq = GREATEST(projection_tracking.seq, EXCLUDED.seq)
"""


async def test_a_tenants_own_template_is_used_in_place_of_the_default(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    spokesperson = await staff_key(client, hospital, "press.qian", ["spokesperson"])
    own = await client.put(
        "/v1/tenant/templates/reply/zh-CN",
        headers=hospital.admin,
        json={
            "subject": "【{{ tenant_name }}】答复 {{ tracking }}",
            "body": "本院答复：{{ reply_text }}\n进度：{{ status_link }}\n",
        },
    )
    assert own.status_code == 200, own.text
    case = await file_case(client, spokesperson)
    await owner.execute(ALL_ALONG, FEEDBACK_VIEW, UUID(hospital.tenant_id))
    running = asyncio.create_task(sender.run())  # following the ledger, as the worker does
    try:
        answered = await post(client, case["id"], "written-replies", spokesperson, text="已整改")
        assert answered.status_code == 200, answered.text
        for _ in range(200):
            if smtp.mailbox.to(MAILBOX):
                break
            await asyncio.sleep(0.05)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    (mail,) = smtp.mailbox.to(MAILBOX)
    assert mail["Subject"] == f"【Tenant {hospital.slug}】答复 {case['tracking']}"
    assert body_of(mail).startswith("本院答复：已整改\n")


async def test_a_complainant_with_only_a_phone_and_no_gateway_gets_nothing(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp, owner: asyncpg.Connection
) -> None:
    school = await new_tenant(client, "school@1")
    filed = await client.post("/v1/complaints", headers=school.admin, json=complaint_body())
    closed = await post(client, filed.json()["id"], "close", school.admin, reason="done")
    assert closed.status_code == 200, closed.text
    assert await sender.catch_up(UUID(school.tenant_id)) == 0
    assert await delivery_events(owner, school) == 0


async def test_a_phone_only_complainant_gets_the_reply_through_the_tenants_signed_gateway(
    client: httpx.AsyncClient, sender: FeedbackSender, smtp: Smtp
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    spokesperson = await staff_key(client, hospital, "press.qian", ["spokesperson"])
    async with listening_gateway() as receiver:
        configured = await client.put(
            "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": receiver.url}
        )
        assert configured.status_code == 200, configured.text
        secret = configured.json()["secret"]
        filed = await client.post("/v1/complaints", headers=spokesperson, json=complaint_body())
        case = filed.json()
        answered = await post(client, case["id"], "written-replies", spokesperson, text="已整改")
        assert answered.status_code == 200, answered.text
        assert await sender.catch_up(UUID(hospital.tenant_id)) == 1

    ((headers, body),) = receiver.received
    message = json.loads(body)
    assert message["to_phone"] == "13800000000" and "已整改" in message["text"]
    assert message["tracking"] == case["tracking"] and message["step"] == "reply"
    assert message["delivery"] == headers["webhook-id"] == f"{answered.json()['seq']}:reply"
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    (shown,) = await deliveries(client, case["id"], spokesperson)
    assert (shown["channel"], shown["state"]) == ("gateway", "sent")
    assert smtp.mailbox.messages == []


async def test_a_failed_deliverys_error_naming_the_address_is_sealed_and_erased_on_offboarding(
    client: httpx.AsyncClient,
    runtime: Runtime,
    sender: FeedbackSender,
    smtp: Smtp,
    owner: asyncpg.Connection,
    caplog: pytest.LogCaptureFixture,
) -> None:
    smtp.mailbox.refusing = True
    hospital, case, staff = await replied_case(client)
    with caplog.at_level(logging.WARNING, logger="services.workers.feedback"):
        assert await sender.catch_up(UUID(hospital.tenant_id)) == 1
    (shown,) = await deliveries(client, case["id"], staff)
    assert shown["state"] == "retrying" and MAILBOX in shown["error"]  # staff read it
    assert "SMTPRecipientsRefused" in caplog.text and MAILBOX not in caplog.text  # the log not
    (row,) = await owner.fetch(
        "SELECT state FROM events WHERE tenant_id = $1 AND topic LIKE '%FeedbackDelivery'",
        UUID(hospital.tenant_id),
    )
    assert MAILBOX.encode() not in row["state"] and b"Recipient address" not in row["state"]

    offboarded = await client.post(
        f"/v1/tenants/{hospital.tenant_id}/offboard", headers=PLATFORM, json={"reason": "left"}
    )
    assert offboarded.status_code == 200, offboarded.text
    assert (await runtime.ledger.verify(UUID(hospital.tenant_id))).ok
    erased = await runtime.repository.load(UUID(hospital.tenant_id), UUID(case["id"]), Complaint)
    (held,) = erased.deliveries.values()
    assert (held["error"], held["state"], held["attempts"]) == (ERASED, "retrying", 1)
    # nothing can reach the erased contact: the retry is dropped, not tried for ever
    sender.clock.advance(timedelta(minutes=2))  # type: ignore[attr-defined]
    await sender.retry_due()  # other tests' leftovers may be tried too
    pending = "SELECT count(*) FROM feedback_pending WHERE tenant_id = $1"
    assert await owner.fetchval(pending, UUID(hospital.tenant_id)) == 0
