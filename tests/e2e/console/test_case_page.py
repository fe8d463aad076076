"""The case page: its timeline with each step's ledger seq, its deadlines, and the actions
form built from GET /v1/complaints/{id}/actions, with its refusals in words."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Request, expect

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
