"""Live: a notification for the signed-in person's roles shows without reloading the page."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.e2e.console.support import Console, Hospital


async def test_a_new_incident_shows_live_in_the_inbox_without_reload(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    await console.sign_in(hospital.doctor_key)
    await console.live()
    page = console.page
    await page.evaluate("window.stayed = true")  # gone if the page reloads

    case_id = await hospital.file(http, "Visitor threatened the night nurse")
    await hospital.incident(http, case_id)

    urgent = page.locator(".toast-urgent")
    await expect(urgent).to_contain_text("Visitor threatened the night nurse")
    await expect(urgent).to_contain_text("突发事件")
    await expect(page.locator(f"#inbox-list li[data-case-id='{case_id}'] .due")).to_have_class(
        "due due-soon"
    )
    await expect(page.locator("#notification-count")).not_to_have_text("0")
    assert await page.evaluate("window.stayed") is True
    await console.screenshot("live")


async def test_the_open_case_page_follows_a_change_made_elsewhere(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Lift out of order on floor 5")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")
    await console.live()
    page = console.page
    await page.evaluate("window.stayed = true")

    await hospital.incident(http, case_id)

    await expect(page.locator("#timeline li[data-event=IncidentReported]")).to_have_count(1)
    await expect(page.locator("#case-deadlines tr[data-state=open]")).to_contain_text("H11")
    assert await page.evaluate("window.stayed") is True
