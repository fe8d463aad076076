"""Staff on the floor and at the keyboard: no sideways scrolling at a phone's width, the
actions form worked from the keyboard alone with its focus in sight, and every date on the
tenant's clock whatever the browser's."""

from __future__ import annotations

import httpx
from playwright.async_api import Browser, Page, expect

from tests.e2e.console.support import DESK, Console, Hospital, opened_console
from tests.services.support import complaint_body

OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"


async def test_the_inbox_and_the_case_fit_a_phone_without_scrolling_sideways(
    phone: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Relative shouted at the desk and would not leave")
    seq = await hospital.incident(http, case_id)
    await hospital.settled(http, seq)
    await phone.sign_in(hospital.doctor_key)

    await expect(phone.page.locator(f"#inbox-list li[data-case-id='{case_id}']")).to_be_visible()
    assert await phone.page.evaluate(OVERFLOW) == 0
    await phone.screenshot("phone-inbox", full_page=False)
    await phone.open(f"/console/cases/{case_id}?after_seq={seq}")
    await expect(phone.page.locator("#case-deadlines tr[data-state=open]")).to_be_visible()
    assert await phone.page.evaluate(OVERFLOW) == 0
    await phone.screenshot("phone-case", full_page=False)


async def choose_by_keyboard(page: Page, action: str) -> None:
    """Arrow down the focused menu until it shows the action, as a person without a mouse."""
    await page.focus("#action-select")
    for _ in range(40):
        if await page.input_value("#action-select") == action:
            return
        await page.keyboard.press("ArrowDown")
    raise AssertionError(f"{action} is not in the menu")


async def focus_ring(page: Page) -> str:
    return await page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return `${s.outlineStyle} ${s.outlineWidth}`; }"
    )


async def test_the_actions_form_is_sent_from_the_keyboard_tab_type_enter(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "Nobody said when the scan would be")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")
    page = console.page

    await choose_by_keyboard(page, "classify")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "action-classify-category"
    assert await focus_ring(page) == "solid 3px"  # the focus is in sight
    await page.keyboard.type("service_complaint")
    await page.keyboard.press("Enter")

    await expect(page.locator("#action-result")).to_contain_text("已记录：分类")
    await expect(page.locator("#timeline li[data-event=Classified]")).to_have_count(1)
    # the sent form is gone; the keyboard is back at the menu for the next action
    await expect(page.locator("#action-select")).to_be_focused()


async def test_a_text_area_in_the_actions_form_is_sent_with_ctrl_enter(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case_id = await hospital.file(http, "The lift to ward 5 is broken")
    await console.sign_in(hospital.doctor_key)
    await console.open(f"/console/cases/{case_id}")
    page = console.page

    await choose_by_keyboard(page, "notes")
    await page.keyboard.press("Tab")
    await page.keyboard.type("Called the porters")
    await page.keyboard.press("Enter")  # a new line in a text area, not a send
    await page.keyboard.type("They will carry her up")
    await page.keyboard.press("Control+Enter")

    await expect(page.locator("#action-result")).to_contain_text("已记录：添加备注")
    await expect(page.locator("#timeline li[data-event=NoteAdded]")).to_have_count(1)


async def test_dates_are_on_the_tenants_clock_not_the_browsers_nor_utc(
    browser: Browser, base_url: str, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    # 23:30 UTC on 1 March is 07:30 on 2 March in Shanghai and 18:30 on 1 March in New York
    filed = await http.post(
        "/v1/complaints",
        headers=hospital.nurse,
        json=complaint_body(summary="Night call unanswered", received_at="2026-03-01T23:30:00Z"),
    )
    assert filed.status_code == 201, filed.text
    async with opened_console(
        browser, base_url, viewport=DESK, timezone_id="America/New_York"
    ) as console:
        await console.sign_in(hospital.doctor_key)
        await console.open(f"/console/cases/{filed.json()['id']}")

        received = console.page.locator("#case-head .facts dd").first
        await expect(received).to_have_text("2026年3月2日 07:30")
        await expect(console.page.locator("#timeline li time").first).to_contain_text("2026年")
