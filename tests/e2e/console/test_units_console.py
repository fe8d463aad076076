"""Units in the console (docs/units.md), on the demo hospital as `make run` seeds it: intake
files a case in a department, the case page names it, the case list filters by it, and the
dashboard counts cases per unit, each reader only the cases their units cover."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import expect

from services.cli.demo import DEMO_TENANTS, seed_tenant
from tests.conftest import PLATFORM_KEY
from tests.e2e.console.support import Console
from tests.services.support import bearer, complaint_body


@dataclass(frozen=True)
class DemoHospital:
    admin: dict[str, str]
    keys: dict[str, str]  # person id -> key: head.zhao (ortho), head.sun (cardio), affairs.wu

    def staff(self, person: str) -> dict[str, str]:
        return bearer(self.keys[person])

    async def file(self, http: httpx.AsyncClient, person: str, unit: str | None) -> tuple[str, int]:
        filed = await http.post(
            "/v1/complaints", headers=self.staff(person), json=complaint_body(unit=unit)
        )
        assert filed.status_code == 201, filed.text
        return filed.json()["id"], filed.json()["seq"]

    async def settled(self, http: httpx.AsyncClient, seq: int) -> None:
        """Until the views have applied ``seq``, so a page loaded next shows it."""
        answer = await http.get(
            "/v1/inbox", params={"after_seq": seq, "wait": 5}, headers=self.staff("affairs.wu")
        )
        assert int(answer.headers["X-View-Seq"]) >= seq, answer.headers


@pytest.fixture
async def demo_hospital(http: httpx.AsyncClient) -> DemoHospital:
    slug = f"demo-hospital-{uuid.uuid4().hex[:8]}"
    seeded = await seed_tenant(http, PLATFORM_KEY, slug, DEMO_TENANTS["demo-hospital"])
    assert seeded.admin_key and seeded.staff_key
    admin = bearer(seeded.admin_key)
    keys = {"head.zhao": seeded.staff_key}
    for person in ("head.sun", "affairs.wu"):
        issued = await http.post("/v1/keys", headers=admin, json={"person_id": person})
        assert issued.status_code == 201, issued.text
        keys[person] = issued.json()["key"]
    return DemoHospital(admin, keys)


async def fill_intake(console: Console, summary: str) -> None:
    page = console.page
    await page.fill("#intake-summary", summary)
    await page.select_option("#intake-channel", "visit")
    await page.fill("#intake-complainant_name", "Chen Jing")


async def test_intake_files_the_case_in_the_unit_picked_and_the_case_page_names_it(
    console: Console, demo_hospital: DemoHospital, http: httpx.AsyncClient
) -> None:
    retired = await http.post(
        "/v1/units",
        headers=demo_hospital.admin,
        json={"unit_id": "ent", "name": "耳鼻喉科", "kind": "department"},
    )
    assert retired.status_code == 201, retired.text
    closed = await http.post(
        "/v1/units/ent/retire", headers=demo_hospital.admin, json={"reason": "merged"}
    )
    assert closed.status_code == 200, closed.text
    await console.sign_in(demo_hospital.keys["head.zhao"])
    await console.open("/console/intake")
    page = console.page

    offered = page.locator("#intake-unit option")
    await expect(offered).to_have_count(3)  # the whole organisation, 骨科, 心内科: no retired
    # head.zhao works in orthopaedics alone: the form files there unless told otherwise
    await expect(page.locator("#intake-unit")).to_have_value("ortho")
    await fill_intake(console, "Cast put on too tight")
    await page.click("#intake-form button[type=submit]")
    await page.click("#intake-open-case")  # past the tracking number and the link

    await page.wait_for_url("**/console/cases/**")
    await console.ready()
    await expect(page.locator("#case-unit")).to_have_text("骨科")
    case_id = page.url.split("/console/cases/")[1].split("?")[0]
    filed = await http.get(f"/v1/complaints/{case_id}", headers=demo_hospital.staff("head.zhao"))
    assert filed.json()["unit"] == "ortho"
    other_head = await http.get(
        f"/v1/complaints/{case_id}", headers=demo_hospital.staff("head.sun")
    )
    assert other_head.status_code == 404  # cardiology's head does not learn of it


async def test_intake_in_a_unit_the_filer_does_not_serve_names_the_unit_field(
    console: Console, demo_hospital: DemoHospital
) -> None:
    await console.sign_in(demo_hospital.keys["head.zhao"])
    await console.open("/console/intake")
    page = console.page

    await fill_intake(console, "Waiting room too cold")
    await page.select_option("#intake-unit", "cardio")  # head.zhao heads orthopaedics only
    await page.click("#intake-form button[type=submit]")

    await expect(page.locator("#intake-unit-error")).not_to_be_empty()
    assert page.url.endswith("/console/intake")


async def test_the_case_list_filters_by_unit(
    console: Console, demo_hospital: DemoHospital, http: httpx.AsyncClient
) -> None:
    in_ortho, _ = await demo_hospital.file(http, "head.zhao", "ortho")
    _, seq = await demo_hospital.file(http, "head.sun", "cardio")
    await demo_hospital.settled(http, seq)
    await console.sign_in(demo_hospital.keys["affairs.wu"])
    await console.open("/console/cases")
    page = console.page
    await expect(page.locator("#cases-rows tr[data-case-id]")).to_have_count(2)

    await page.select_option("#case-filters select[name=unit]", "ortho")
    await page.click("#case-filters button[type=submit]")

    rows = page.locator("#cases-rows tr[data-case-id]")
    await expect(rows).to_have_count(1)
    await expect(rows).to_have_attribute("data-case-id", in_ortho)
    await expect(rows.locator(".unit")).to_contain_text("骨科")
    assert "unit=ortho" in page.url


async def test_the_dashboard_counts_cases_per_unit_the_reader_sees(
    console: Console, demo_hospital: DemoHospital, http: httpx.AsyncClient
) -> None:
    await demo_hospital.file(http, "head.zhao", "ortho")
    await demo_hospital.file(http, "head.sun", "cardio")
    _, seq = await demo_hospital.file(http, "affairs.wu", None)
    await demo_hospital.settled(http, seq)
    page = console.page
    by_unit = page.locator("#dashboard-charts figure.chart").filter(has_text="按单位")

    await console.sign_in(demo_hospital.keys["affairs.wu"])  # medical affairs: every unit
    await console.open("/console/dashboard")
    rows = by_unit.locator("table.chart-data tbody tr")
    await expect(rows).to_have_count(3)
    for name in ("全机构", "骨科", "心内科"):
        await expect(rows.filter(has_text=name)).to_have_count(1)
    await console.screenshot("dashboard-by-unit")

    await console.context.clear_cookies()  # signed out
    await console.sign_in(demo_hospital.keys["head.sun"])  # cardiology's head: cardiology only
    await console.open("/console/dashboard")
    await expect(rows).to_have_count(1)
    await expect(rows.first.locator("th")).to_have_text("心内科")


async def test_H4_medical_affairs_inbox_holds_every_department_and_filters_by_unit(
    console: Console, demo_hospital: DemoHospital, http: httpx.AsyncClient
) -> None:
    await demo_hospital.file(http, "head.zhao", "ortho")
    in_cardio, seq = await demo_hospital.file(http, "head.sun", "cardio")
    await demo_hospital.settled(http, seq)
    await console.sign_in(demo_hospital.keys["affairs.wu"])
    page = console.page
    cards = page.locator("#inbox-list li[data-case-id]")
    await expect(cards).to_have_count(2)  # H4 reports both to medical affairs

    await page.select_option("#inbox-unit", "cardio")

    await expect(cards).to_have_count(1)
    await expect(cards).to_have_attribute("data-case-id", in_cardio)
    await expect(cards.first).to_contain_text("心内科")
