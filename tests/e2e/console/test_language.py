"""The console speaks the tenant's language until a person picks the other one."""

from __future__ import annotations

import httpx
from playwright.async_api import Request, expect

from tests.e2e.console.support import Console, Hospital


async def test_the_tenant_language_first_then_the_switch_to_english_and_back(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Ward too noisy at night")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")
    page = console.page
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await expect(page.locator("nav.main a[data-page=inbox]")).to_have_text("我的待办")
    await expect(page.locator("#timeline li").first).to_contain_text("受理投诉")

    await page.click("#language-switch")

    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("nav.main a[data-page=inbox]")).to_have_text("My inbox")
    await expect(page.locator("#case-timeline h2")).to_have_text("Timeline")
    await expect(page.locator("#timeline li").first).to_contain_text("received the complaint")
    await console.screenshot("case-en")

    await page.reload()  # the choice is remembered
    await console.ready()
    await expect(page.locator("#actions-title")).to_have_text("Act on the case")

    await page.click("#language-switch")

    await expect(page.locator("#actions-title")).to_have_text("处理")
    await expect(page.locator("#timeline li").first).to_contain_text("受理投诉")


async def test_the_api_is_asked_in_the_chosen_language_so_its_refusals_come_back_in_it(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Family asks who attends the appraisal")
    sent: list[Request] = []
    console.page.on("request", lambda r: sent.append(r) if "/v1/" in r.url else None)
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")
    page = console.page
    asked = {(await r.all_headers()).get("accept-language") for r in sent}
    assert asked == {"zh-CN"}, asked  # the tenant's language, before any choice

    await page.click("#language-switch")  # the browser itself still prefers zh-CN
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.select_option("#action-select", "assign")
    await page.fill("#action-assign-person", "dr.sun")
    await page.fill("#action-assign-slot", "appraisal_attendee")
    async with page.expect_response(lambda r: r.url.endswith("/assign")) as answered:
        await page.click("#action-submit")
    refusal = await answered.value

    assert (await refusal.request.all_headers())["accept-language"] == "en"
    assert refusal.status == 403 and refusal.headers["content-language"] == "en"
    detail = (await refusal.json())["detail"]
    alert = page.locator("#action-result .alert.refused")
    await expect(alert.locator(".rule")).to_have_text("H8")
    await expect(alert).to_contain_text("Refused by the procedure")
    await expect(alert).to_contain_text(detail.removeprefix("H8: "))
    await expect(alert).not_to_contain_text("医院指定专人参加鉴定会")  # H8 in Chinese

    await page.click("#language-switch")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    await page.fill("#action-assign-person", "dr.sun")
    await page.fill("#action-assign-slot", "appraisal_attendee")
    async with page.expect_response(lambda r: r.url.endswith("/assign")) as answered:
        await page.click("#action-submit")

    assert (await (await answered.value).request.all_headers())["accept-language"] == "zh-CN"
    await expect(alert).to_contain_text("医院指定专人参加鉴定会")
