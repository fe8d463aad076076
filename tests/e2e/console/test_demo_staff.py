"""The demo's staff keys: each demo tenant, seeded as `make run` seeds it, has a person who
takes a complaint filed in their unit from intake to closure; at the school, in the console
alone."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from services.cli.demo import DEMO_TENANTS, DemoTenant, seed_tenant
from tests.conftest import PLATFORM_KEY
from tests.e2e.console.support import Console
from tests.services.support import bearer, complaint_body

# The printed way to closure, step by step: (category filed with, [(action, body)]).
WALKS: dict[str, tuple[str | None, list[tuple[str, dict[str, Any]]]]] = {
    "demo-hospital": (
        "service_complaint",
        [
            ("complainant-response", {"accepted": True, "text": "the family accepts"}),
            ("close", {"reason": "settled in the department"}),
        ],
    ),
    "demo-bank": (
        None,
        [
            ("assign", {"person": "lobby.li", "slot": "A"}),
            ("assign", {"person": "teller.gao", "slot": "B"}),
            ("resolve", {"outcome": "fee refunded at the counter"}),
            ("close", {"reason": "customer content"}),
        ],
    ),
    "demo-school": (
        "campus/service/facilities/complaint",
        [
            ("resolve", {"outcome": "heater switched back on"}),
            ("close", {"reason": "parent content"}),
        ],
    ),
}


async def seeded(http: httpx.AsyncClient, slug: str) -> DemoTenant:
    """A demo tenant seeded the way `make run` seeds it, under a slug of its own."""
    return await seed_tenant(
        http, PLATFORM_KEY, f"{slug}-{uuid.uuid4().hex[:8]}", DEMO_TENANTS[slug]
    )


@pytest.mark.parametrize("slug", sorted(DEMO_TENANTS))
async def test_each_demo_staff_key_takes_a_complaint_from_intake_to_closure(
    http: httpx.AsyncClient, slug: str
) -> None:
    tenant = await seeded(http, slug)
    staff = bearer(tenant.staff_key)
    category, steps = WALKS[slug]
    body = complaint_body(
        unit=tenant.plan.staff.unit, **({"category": category} if category else {})
    )

    filed = await http.post("/v1/complaints", headers=staff, json=body)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    for action, sent in steps:
        done = await http.post(f"/v1/complaints/{case_id}/{action}", headers=staff, json=sent)
        assert done.status_code == 200, (action, done.text)

    case = (await http.get(f"/v1/complaints/{case_id}", headers=staff)).json()
    assert case["status"] == "closed"


async def test_the_school_demo_key_takes_a_complaint_from_intake_to_closure_in_the_console(
    console: Console, http: httpx.AsyncClient
) -> None:
    tenant = await seeded(http, "demo-school")
    await console.sign_in(tenant.staff_key)
    page = console.page

    await page.click("nav.main a[data-page=intake]")
    await console.ready()
    await page.fill("#intake-summary", "The heating in room 3 is off")
    await page.select_option("#intake-channel", "phone")
    await page.fill("#intake-complainant_name", "Li Wei")
    # reception.zhou works at campus-north alone: the form files there
    await expect(page.locator("#intake-unit")).to_have_value("campus-north")
    offered = page.locator(
        "#intake-category-choices option[value='campus/service/facilities/complaint']"
    )
    await expect(offered).to_have_count(1)  # the procedure's categories are suggested
    await page.fill("#intake-category", "campus/service/facilities/complaint")
    await page.click("#intake-form button[type=submit]")
    await page.click("#intake-open-case")  # past the tracking number and the link
    await page.wait_for_url("**/console/cases/**")
    await console.ready()
    await expect(page.locator("#case-deadlines tr[data-deadline=receipt_form]")).to_contain_text(
        "S11"
    )

    await page.select_option("#action-select", "resolve")
    await page.fill("#action-resolve-outcome", "Heater switched back on")
    await page.click("#action-submit")
    await expect(page.locator("#case-head .status")).to_have_text("已处理")
    await page.select_option("#action-select", "close")
    await page.fill("#action-close-reason", "Parent content")
    await page.click("#action-submit")

    await expect(page.locator("#case-head .status")).to_have_text("已结案")
    await expect(page.locator("#timeline li[data-event=Closed]")).to_have_count(1)
    await expect(page.locator("#case-deadlines tr[data-deadline=receipt_form]")).to_have_attribute(
        "data-state", "met"
    )
