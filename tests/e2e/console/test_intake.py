"""Intake: a complaint filed from the form opens as its case."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.e2e.console.support import Console, Hospital


async def test_intake_files_the_complaint_and_opens_its_case(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/intake")
    page = console.page

    await page.fill("#intake-summary", "No wheelchair at the entrance")
    await page.select_option("#intake-channel", "hotline")
    await page.fill("#intake-complainant_name", "Chen Jing")
    await page.fill("#intake-complainant_contact", "13900000000")
    await page.fill("#intake-details", "Waited twenty minutes in the rain.")
    await console.screenshot("intake")
    await page.click("#intake-form button[type=submit]")

    await page.wait_for_url("**/console/cases/**")
    await console.ready()
    await expect(page.locator("#case-summary")).to_have_text("No wheelchair at the entrance")
    await expect(page.locator("#timeline li").first).to_have_attribute("data-event", "Filed")
    case_id = page.url.split("/console/cases/")[1].split("?")[0]
    filed = (await http.get(f"/v1/complaints/{case_id}", headers=hospital.nurse)).json()
    assert filed["channel"] == "hotline"
    assert filed["complainant"] == {"name": "Chen Jing", "contact": "13900000000"}
    assert filed["filed_by"] == "dr.sun"


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
