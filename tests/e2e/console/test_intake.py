"""Intake: a complaint filed from the form tells its tracking number and, once, the
complainant's secret status link, then opens as its case."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Route, expect

from services.runtime import Runtime
from tests.e2e.console.support import Console, Hospital


async def fill_the_form(console: Console, summary: str) -> None:
    page = console.page
    await page.fill("#intake-summary", summary)
    await page.select_option("#intake-channel", "hotline")
    await page.fill("#intake-complainant_name", "Chen Jing")
    await page.fill("#intake-complainant_contact", "13900000000")
    await page.fill("#intake-details", "Waited twenty minutes in the rain.")


async def test_intake_tells_the_tracking_number_and_the_link_once_then_opens_the_case(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/intake")
    page = console.page
    await fill_the_form(console, "No wheelchair at the entrance")
    await console.screenshot("intake")
    await page.click("#intake-form button[type=submit]")

    filed = page.locator("#intake-filed")
    await expect(filed).to_be_visible()
    await expect(page.locator("#intake-form")).to_be_hidden()
    tracking = page.locator("#intake-tracking")
    await expect(tracking).to_have_text(re.compile(r"^HOSP-\d{4}-\d{6}$"))
    link = await page.locator("#intake-link").input_value()
    cases = f"{runtime.settings.public_base_url}/public/{hospital.tenant.slug}/cases/"
    assert link.startswith(cases) and len(link) > len(cases) + 40, link
    await expect(page.locator("#intake-link-once")).to_have_text(
        "仅此一次显示：请现在交给投诉人，之后无法再次显示。"
    )
    await expect(page.locator("#intake-link-gone")).to_be_hidden()
    await console.screenshot("intake-filed")
    number = await tracking.inner_text()

    await page.click("#intake-open-case")

    await page.wait_for_url("**/console/cases/**")
    await console.ready()
    await expect(page.locator("#case-summary")).to_have_text("No wheelchair at the entrance")
    await expect(page.locator("#case-tracking")).to_have_text(number)
    await expect(page.locator("#timeline li").first).to_have_attribute("data-event", "Filed")
    assert link not in await page.content()  # told once, on intake only
    case_id = page.url.split("/console/cases/")[1].split("?")[0]
    shown = (await http.get(f"/v1/complaints/{case_id}", headers=hospital.nurse)).json()
    assert shown["tracking"] == number
    assert shown["channel"] == "hotline"
    assert shown["complainant"] == {"name": "Chen Jing", "contact": "13900000000"}
    assert shown["filed_by"] == "dr.sun"


async def test_a_filing_sent_again_after_a_lost_answer_is_filed_once_and_says_its_link_is_gone(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/intake")
    page = console.page
    lost: list[str] = []

    async def lose_the_first_answer(route: Route) -> None:
        if route.request.method != "POST" or lost:
            await route.continue_()
            return
        answer = await route.fetch()  # filed on the server; the browser never hears of it
        lost.append((await answer.json())["id"])
        await route.abort("connectionreset")

    await page.route("**/v1/complaints", lose_the_first_answer)
    await fill_the_form(console, "Lift out of order for a week")
    await page.click("#intake-form button[type=submit]")
    await expect(page.locator("#intake-result .alert")).to_be_visible()

    await page.click("#intake-form button[type=submit]")

    await expect(page.locator("#intake-tracking")).to_have_text(re.compile(r"^HOSP-"))
    await expect(page.locator("#intake-link-block")).to_be_hidden()
    await expect(page.locator("#intake-link-gone")).to_contain_text("无法再次显示")
    href = await page.locator("#intake-open-case").get_attribute("href")
    assert href is not None and href.startswith(f"/console/cases/{lost[0]}?after_seq=")
    shown = (await http.get(f"/v1/complaints/{lost[0]}", headers=hospital.nurse)).json()
    assert await page.locator("#intake-tracking").inner_text() == shown["tracking"]

    await page.click("#intake-another")

    await expect(page.locator("#intake-form")).to_be_visible()
    await expect(page.locator("#intake-filed")).to_be_hidden()
    await expect(page.locator("#intake-summary")).to_have_value("")


async def test_intake_names_a_missing_field_without_filing(
    console: Console, hospital: Hospital
) -> None:
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/intake")

    await console.page.fill("#intake-summary", "Nobody answered the phone")
    await console.page.click("#intake-form button[type=submit]")

    missing = await console.page.eval_on_selector(
        "#intake-complainant_name", "input => input.validity.valueMissing"
    )
    assert missing
    assert console.page.url.endswith("/console/intake")
