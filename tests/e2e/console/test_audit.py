"""For auditors: the ledger's check in words, its export saved as a file, and a case as it
stood after each recorded step, on a slider; in the navigation for auditors only."""

from __future__ import annotations

import json
import re
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest
from playwright.async_api import expect

from services.runtime import Runtime
from tests.e2e.console.support import Console, Hospital
from tests.services.audit_support import tampering
from tests.services.support import complaint_body, new_tenant, staff_key


@pytest.fixture(scope="module")
async def auditor_key(http: httpx.AsyncClient, hospital: Hospital) -> str:
    auditor = await staff_key(http, hospital.tenant, "auditor.qian", ["auditor"])
    return auditor["Authorization"].removeprefix("Bearer ")


async def test_auditors_find_the_audit_page_in_the_navigation_and_other_staff_do_not(
    console: Console, hospital: Hospital, auditor_key: str
) -> None:
    audit_link = console.page.locator("nav.main a[data-page=audit]")

    await console.sign_in(hospital.doctor_key)
    await expect(audit_link).to_be_hidden()
    await console.page.click("#sign-out")
    await console.page.wait_for_url("**/console/sign-in?signed_out=1")  # its own navigation first
    await console.sign_in(auditor_key, lands_on="audit")  # an auditor has no inbox to start at

    await expect(audit_link).to_be_visible()
    await expect(audit_link).to_have_attribute("aria-current", "page")


async def test_verify_tells_an_intact_ledger_in_words_with_its_head_seq(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, auditor_key: str
) -> None:
    await hospital.file(http, "Waited an hour for a wheelchair")
    await console.sign_in(auditor_key, lands_on="audit")

    await console.page.click("#verify")

    verdict = console.page.locator("#verify-verdict")
    await expect(verdict).to_have_attribute("data-ok", "true")
    head = int(await console.page.locator("#verify-head-seq").inner_text())
    await expect(verdict).to_contain_text(f"完整：第 1 至第 {head} 号的每一行都与前一行相连")
    await expect(console.page.locator("#verify-bad-seq")).to_have_text("无")
    await console.screenshot("audit")


async def test_verify_names_the_first_bad_seq_and_the_checkpoint_a_cut_tail_contradicts(
    console: Console, http: httpx.AsyncClient, owner: asyncpg.Connection, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    auditor = await staff_key(http, tenant, "auditor.zhao", ["auditor"])
    for n in range(3):  # after the key, so the rows cut are filings, not the key
        filed = await http.post(
            "/v1/complaints", headers=tenant.admin, json=complaint_body(summary=f"暖气坏了 #{n}")
        )
        assert filed.status_code == 201, filed.text
    tenant_id = UUID(tenant.tenant_id)
    signed = await runtime.checkpoints.sign(tenant_id)
    cut = signed.seq - 3
    async with tampering(owner):  # the last rows removed and the head moved back: a whole chain
        await owner.execute("DELETE FROM events WHERE tenant_id = $1 AND seq > $2", tenant_id, cut)
        await owner.execute(
            "UPDATE ledger_heads SET seq = $2,"
            " hash = (SELECT hash FROM events WHERE tenant_id = $1 AND seq = $2)"
            " WHERE tenant_id = $1",
            tenant_id,
            cut,
        )
    await console.sign_in(auditor["Authorization"].removeprefix("Bearer "), lands_on="audit")

    await console.page.click("#verify")

    verdict = console.page.locator("#verify-verdict")
    await expect(verdict).to_have_attribute("data-ok", "false")
    # the auditor's own reads, recorded since, take the seqs after the cut: where the ledger
    # first parts from what was signed depends on how many, never before the cut
    bad = int(await console.page.locator("#verify-bad-seq").inner_text())
    assert cut < bad <= signed.seq
    await expect(verdict).to_contain_text(f"自第 {bad} 号起不完整")
    await expect(console.page.locator("#verify-contradiction")).to_contain_text(
        f"覆盖至第 {signed.seq} 号的检查点相矛盾"
    )


async def test_the_export_saves_the_ledger_as_ndjson_with_the_session_cookie(
    console: Console, hospital: Hospital, auditor_key: str, tmp_path: Path
) -> None:
    await console.sign_in(auditor_key, lands_on="audit")

    async with console.page.expect_download() as downloading:
        await console.page.click("#export")
    download = await downloading.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)

    assert re.fullmatch(rf"ledger-{hospital.tenant.slug}-\d{{4}}-\d\d-\d\d\.ndjson", saved.name)
    seqs = [json.loads(line)["seq"] for line in saved.read_text().splitlines()]
    assert seqs == list(range(1, len(seqs) + 1))
    await expect(console.page.locator("#export-result")).to_contain_text(f"共 {len(seqs)} 行")


async def test_an_auditor_slides_the_case_back_to_a_recorded_step_by_keyboard(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, auditor_key: str
) -> None:
    case_id = await hospital.file(http, "Relative shouted at the nurses' station")
    seq = await hospital.incident(http, case_id)
    await console.sign_in(auditor_key, lands_on="audit")
    await console.open(f"/console/cases/{case_id}?after_seq={seq}")
    page = console.page
    slider = page.locator("#as-of-slider")
    await expect(page.locator("#case-actions")).to_be_hidden()  # auditors act on nothing
    await expect(page.locator("#case-incidents")).to_be_visible()

    await slider.focus()
    await page.keyboard.press("Home")

    await expect(page.locator("#as-of-banner")).to_contain_text("#")
    await expect(page.locator("#as-of-step")).to_contain_text("第 1/")
    await expect(page.locator("#timeline li")).to_have_count(1)
    await expect(page.locator("#timeline li").first).to_have_attribute("data-event", "Filed")
    await expect(page.locator("#case-incidents")).to_be_hidden()  # not reported yet then
    await console.screenshot("case-as-of")

    await page.keyboard.press("End")

    await expect(page.locator("#as-of-banner")).to_have_count(0)
    await expect(page.locator("#case-incidents")).to_be_visible()
    await expect(page.locator("#timeline li").last).to_have_attribute("data-seq", str(seq))


async def test_staff_get_the_actions_form_and_no_slider(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Noise on the ward at night")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")

    await expect(console.page.locator("#case-actions")).to_be_visible()
    await expect(console.page.locator("#case-as-of")).to_be_hidden()
