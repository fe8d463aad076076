"""The shift handover board (H3) and the dashboard of /v1/stats."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.e2e.console.support import Console, Hospital


async def test_H3_a_handover_written_on_the_board_shows_for_the_next_shift(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Family upset about visiting hours")
    await hospital.settled(http, await hospital.incident(http, case_id))
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/handovers")
    page = console.page
    card = page.locator(f"#handovers-quiet li[data-case-id='{case_id}']")

    await card.locator("summary").click()
    await card.locator("textarea").fill("Call the daughter back before 18:00")
    await card.locator("button[type=submit]").click()

    written = page.locator(f"#handovers-recent li[data-case-id='{case_id}']")
    await expect(written).to_contain_text("Call the daughter back before 18:00")
    await expect(written).to_contain_text("dr.sun")
    await console.screenshot("handovers")
    history = (await http.get(f"/v1/complaints/{case_id}/history", headers=hospital.nurse)).json()
    assert history[-2]["event"] == "HandoverAdded"  # then H3's report to the head nurse


async def test_the_dashboard_draws_its_charts(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Cold food on the ward")
    await hospital.incident(http, case_id)  # a deadline, for the SLA chart
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/dashboard")

    charts = console.page.locator("#dashboard-charts figure.chart")
    await expect(charts.first.locator("svg rect.bar").first).to_be_visible()
    await expect(charts.filter(has_text="各时限达成率").locator("svg")).to_have_count(1)
    assert int(await console.page.locator(".tile-value").first.inner_text()) >= 1
    await console.screenshot("dashboard")


async def test_the_case_list_filters_by_text_and_keeps_the_filter_in_the_address(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    wanted = await hospital.file(http, "Pharmacy queue too long")
    await hospital.file(http, "Lost glasses in the lift")
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/cases")
    page = console.page

    await page.fill("#case-filters input[name=q]", "pharmacy queue")
    await page.click("#case-filters button[type=submit]")

    rows = page.locator("#cases-rows tr[data-case-id]")
    await expect(rows).to_have_count(1)
    await expect(rows).to_have_attribute("data-case-id", wanted)
    assert "q=pharmacy+queue" in page.url
