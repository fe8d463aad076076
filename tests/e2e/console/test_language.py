"""The console speaks the tenant's language until a person picks the other one."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

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
