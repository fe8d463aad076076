"""Signing in with an API key, the inbox it opens on, and signing out."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.e2e.console.support import Console, Hospital


async def test_sign_in_opens_my_inbox_with_a_filed_case_most_urgent_first(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    calm = await hospital.file(http, "Waited long at the pharmacy")
    urgent = await hospital.file(http, "Relative shouted at the desk")
    await hospital.settled(http, await hospital.incident(http, urgent))

    await console.sign_in(hospital.doctor_key)

    cards = console.page.locator("#inbox-list li.card")
    await expect(cards.filter(has_text="Waited long at the pharmacy")).to_have_count(1)
    order = await cards.evaluate_all("cards => cards.map(card => card.dataset.caseId)")
    assert order.index(urgent) < order.index(calm)  # its evidence must be kept within 24 h
    left = cards.filter(has_text="Relative shouted at the desk").locator(".due")
    await expect(left).to_have_class(re.compile(r"\bdue-soon\b"))
    await expect(left).to_have_text(re.compile(r"剩余 \d+ 小时"))  # the tenant's language
    await expect(cards.filter(has_text="Waited long at the pharmacy").locator(".due")).to_have_text(
        "无时限"
    )
    await console.screenshot("inbox")


async def test_the_inbox_filter_narrows_by_text(
    console: Console, hospital: Hospital, http: httpx.AsyncClient
) -> None:
    case = await hospital.file(http, "Parking ticket machine broken")
    await hospital.settled(http, await hospital.incident(http, case))
    await console.sign_in(hospital.doctor_key)

    await console.page.fill("#inbox-search", "parking ticket")

    cards = console.page.locator("#inbox-list li.card")
    await expect(cards).to_have_count(1)
    await expect(cards).to_contain_text("Parking ticket machine broken")


async def test_an_unknown_key_is_refused_in_words(console: Console) -> None:
    await console.page.goto(f"{console.base_url}/console/sign-in")
    await console.screenshot("sign-in", full_page=False)
    await console.page.fill("#api-key", "ck.00000000000000000000000000000000.deadbeef.nope")
    await console.page.click("#sign-in-form button[type=submit]")

    await expect(console.page.locator("#sign-in-error")).to_contain_text("该密钥无效或已被吊销")
    assert console.page.url.endswith("/console/sign-in")


async def test_a_console_page_without_a_session_sends_the_browser_to_sign_in(
    console: Console,
) -> None:
    await console.page.goto(f"{console.base_url}/console/dashboard")

    await console.page.wait_for_url("**/console/sign-in?next=%2Fconsole%2Fdashboard")


async def test_sign_out_returns_to_sign_in_and_the_api_then_answers_401(
    console: Console, hospital: Hospital
) -> None:
    await console.sign_in(hospital.doctor_key)
    cookies = await console.context.cookies()
    session = next(c["value"] for c in cookies if c["name"] == "complaints_session")

    await console.page.click("#sign-out")

    await console.page.wait_for_url("**/console/sign-in?signed_out=1")
    await expect(console.page.locator("#sign-in-message")).to_contain_text("您已退出登录")
    status = await console.page.evaluate("fetch('/v1/inbox').then(answer => answer.status)")
    assert status == 401
    # the session ended on the server: its cookie, sent again, opens nothing
    async with httpx.AsyncClient(
        base_url=console.base_url, cookies={"complaints_session": session}
    ) as replay:
        assert (await replay.get("/v1/inbox")).status_code == 401
