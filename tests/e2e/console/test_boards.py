"""The shift handover board (H3) and the dashboard of /v1/stats."""

from __future__ import annotations

import re
from collections import Counter

import httpx
from playwright.async_api import expect

from tests.e2e.console.support import Console, Hospital
from tests.services.support import complaint_body


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


async def test_the_dashboard_counts_the_cases_by_category_as_the_stats_do(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    for summary in ("Rude porter", "Rude cashier"):
        body = complaint_body(summary=summary, category="service_complaint")
        filed = await http.post("/v1/complaints", headers=hospital.nurse, json=body)
        assert filed.status_code == 201, filed.text
    stats = await http.get(
        "/v1/stats", params={"after_seq": filed.json()["seq"]}, headers=hospital.nurse
    )
    counted: Counter[str | None] = Counter()
    for row in stats.json()["per_week"]:
        counted[row["category"]] += int(row["cases"])
    assert counted["service_complaint"] >= 2
    await console.sign_in(hospital.doctor_key)
    await console.open("/console/dashboard")
    page = console.page

    chart = page.locator(
        "#dashboard-charts figure.chart",
        has=page.locator("figcaption", has_text=re.compile(r"^按类别$")),
    )
    await expect(chart.locator("svg rect.bar").first).to_be_visible()
    rows = chart.locator("table.chart-data tbody tr")
    shown = {
        (await row.locator("th").text_content()): (await row.locator("td").text_content())
        for row in await rows.all()
    }
    assert shown["服务投诉"] == str(counted["service_complaint"])
    assert sum(int(n) for n in shown.values()) == sum(counted.values())
    assert list(shown) == sorted(shown, key=lambda name: -int(shown[name]))  # most first
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
