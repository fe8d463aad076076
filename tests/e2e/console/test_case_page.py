"""The case page: its timeline with each step's ledger seq, its deadlines, and the actions
form built from GET /v1/complaints/{id}/actions, with its refusals in words."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import UUID

import httpx
from playwright.async_api import Request, expect

from domain.commands import SYSTEM, RecordDelivery
from services.runtime import Runtime
from services.store.ledger import UnitOfWork
from tests.e2e.console.support import Console, Hospital


async def opened_case(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, summary: str
) -> tuple[str, int]:
    case_id = await hospital.file(http, summary)
    seq = await hospital.incident(http, case_id)
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}?after_seq={seq}")
    return case_id, seq


async def test_the_case_shows_its_timeline_with_ledger_seqs_and_its_deadlines(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    _, seq = await opened_case(console, hospital, http, "Relative shouted at the desk")
    page = console.page

    await expect(page.locator("#case-summary")).to_have_text("Relative shouted at the desk")
    steps = page.locator("#timeline li")
    await expect(steps.first).to_contain_text("受理投诉")  # the tenant's language
    seqs = [int(s) for s in await steps.evaluate_all("steps => steps.map(s => s.dataset.seq)")]
    assert seqs == sorted(seqs) and seqs[-1] == seq
    await expect(steps.last.locator(".seq")).to_have_text(f"#{seq}")
    evidence = page.locator("#case-deadlines tr[data-state=open]")
    await expect(evidence).to_contain_text("证据保全")
    await expect(evidence).to_contain_text("H11")
    await expect(evidence.locator(".due")).to_have_text(re.compile(r"剩余 \d+ 小时"))
    await expect(page.locator("#case-incidents")).to_contain_text("辱骂医务人员")
    await console.screenshot("case")


async def recorded_deliveries(
    runtime: Runtime, hospital: Hospital, case_id: str, *attempts: RecordDelivery
) -> int:
    """The attempts recorded on the case as the feedback sender records them (the system
    actor, on the workers' pool); the seq of the last."""
    assert runtime.worker_pool is not None
    tenant = await runtime.directory.get(UUID(hospital.tenant.tenant_id))
    assert tenant is not None
    last = 0
    async with runtime.worker_pool.acquire() as conn, conn.transaction():
        for attempt in attempts:
            case = await runtime.cases.get(tenant.id, UUID(case_id), conn=conn)
            written = await runtime.cases.run(
                UnitOfWork(conn), tenant, case, attempt, SYSTEM, runtime.clock.now()
            )
            last = written.seq
    runtime.announcer.announce({tenant.id})
    return last


async def test_the_case_shows_its_tracking_number_and_each_message_delivery(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    filed = await http.post(
        "/v1/complaints",
        headers=hospital.nurse,
        json={
            "summary": "Nobody called back about the bill",
            "channel": "phone",
            "complainant": {"name": "Li Wei", "contact": "li.wei@example.cn"},
        },
    )
    assert filed.status_code == 201, filed.text
    case_id, tracking = filed.json()["id"], filed.json()["tracking"]
    filed_seq = filed.json()["seq"]
    later = runtime.clock.now() + timedelta(minutes=30)
    reply, closing, survey = (f"{filed_seq}:{step}" for step in ("reply", "closing", "follow-up"))
    seq = await recorded_deliveries(
        runtime,
        hospital,
        case_id,
        RecordDelivery(reply, "reply", "email", 1, sent=False, error="451 later", retry_at=later),
        RecordDelivery(reply, "reply", "email", 2, sent=True),
        RecordDelivery(
            closing, "closing", "email", 1, sent=False, error="421 busy", retry_at=later
        ),
        RecordDelivery(survey, "follow-up", "gateway", 9, sent=False, error="gateway said 500"),
    )
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}?after_seq={seq}")
    page = console.page

    await expect(page.locator("#case-tracking")).to_have_text(tracking)
    rows = page.locator("#deliveries tbody tr")
    await expect(rows).to_have_count(3)
    replied = rows.and_(page.locator(f"[data-delivery='{reply}']"))
    await expect(replied).to_have_attribute("data-state", "sent")
    await expect(replied).to_contain_text("书面答复")
    await expect(replied.locator(".delivery-state")).to_have_text("已发送")
    await expect(replied).to_contain_text("尝试 2 次后发出")  # sent on its retry
    retrying = rows.and_(page.locator(f"[data-delivery='{closing}']"))
    await expect(retrying).to_have_attribute("data-state", "retrying")
    await expect(retrying).to_contain_text("结案反馈")
    await expect(retrying.locator(".delivery-state")).to_have_text("重试中")
    await expect(retrying).to_contain_text("421 busy")
    await expect(retrying).to_contain_text("下次重试")
    failed = rows.and_(page.locator(f"[data-delivery='{survey}']"))
    await expect(failed).to_have_attribute("data-state", "failed")
    await expect(failed).to_contain_text("回访问卷")
    await expect(failed).to_contain_text("短信/微信网关")
    await expect(failed.locator(".delivery-state")).to_have_text("发送失败")
    await expect(failed).to_contain_text("gateway said 500")
    await expect(failed).not_to_contain_text("下次重试")
    await console.screenshot("case-deliveries")

    await page.click("#language-switch")

    await expect(page.locator("#case-deliveries h2")).to_have_text("Messages to the complainant")
    await expect(replied.locator(".delivery-state")).to_have_text("Sent")
    await expect(failed.locator(".delivery-state")).to_have_text("Failed")
    await expect(retrying.locator(".delivery-state")).to_have_text("Retrying")


async def test_a_case_without_messages_to_the_complainant_shows_no_deliveries(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Parking ticket machine broken")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")

    await expect(console.page.locator("#case-tracking")).to_have_text(re.compile(r"^HOSP-"))
    await expect(console.page.locator("#case-deliveries")).to_be_hidden()


async def test_an_allowed_action_from_the_form_is_recorded_and_the_timeline_updates(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    await opened_case(console, hospital, http, "Dressing changed late")
    page = console.page
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.url.endswith("/notes") else None)

    await page.select_option("#action-select", "notes")
    await page.fill("#action-notes-text", "Called the family back")
    await page.click("#action-submit")

    await expect(page.locator("#action-result")).to_contain_text("已记录：添加备注")
    await expect(page.locator("#timeline li[data-event=NoteAdded]")).to_have_count(1)
    headers = await sent[0].all_headers()
    assert re.fullmatch(r'"\d+"', headers["if-match"])
    assert re.fullmatch(r"[0-9a-f-]{36}", headers["idempotency-key"])
    assert headers["x-csrf-token"]


async def test_H12_a_written_reply_is_listed_as_refused_with_its_rule(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    await opened_case(console, hospital, http, "Wants an answer on paper")

    refused = console.page.locator("#refused-actions li[data-action=written-replies]")
    await expect(refused.locator(".rule")).to_have_text("H12")
    # in the tenant's Chinese, the rule as the plan words it; the policy's English on hover
    await expect(refused).to_contain_text("除医院指定专人外，任何人不得向患方出具书面材料或答复")
    await expect(refused.locator(".reason")).to_have_attribute(
        "title", re.compile("only the designated spokesperson")
    )
    await expect(
        console.page.locator("#action-select option[value=written-replies]")
    ).to_have_count(0)


async def test_H8_a_refusal_on_sending_shows_the_rule_and_its_reason(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id, _ = await opened_case(console, hospital, http, "Family asks for an appraisal")
    page = console.page

    await page.select_option("#action-select", "assign")
    await page.fill("#action-assign-person", "dr.sun")
    await page.fill("#action-assign-slot", "appraisal_attendee")
    await page.click("#action-submit")

    alert = page.locator("#action-result .alert.refused")
    await expect(alert.locator(".rule")).to_have_text("H8")
    await expect(alert).to_contain_text("医院指定专人参加鉴定会")  # H8 in the plan's words
    await expect(alert).to_contain_text("流程不允许")
    await console.screenshot("refused")
    history = await http.get(
        f"/v1/complaints/{case_id}/history", headers=hospital.nurse
    )  # nothing was recorded
    assert "Assigned" not in {step["event"] for step in history.json()}
