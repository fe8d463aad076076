"""What the console's browser tests share: a browser context on the console (at a desk's or a
phone's width), and a hospital with its staff."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, BrowserContext, Page

from tests.services.support import TenantKeys, complaint_body

SCREENSHOTS = os.environ.get("COMPLAINTS_CONSOLE_SCREENSHOTS")
STEP_TIMEOUT_MS = 10_000  # a page that takes longer is broken, not slow


@dataclass
class Console:
    """A browser context on the console, and the errors its pages raised."""

    base_url: str
    context: BrowserContext
    page: Page
    errors: list[str] = field(default_factory=list)

    async def sign_in(self, key: str, lands_on: str = "inbox") -> None:
        await self.page.goto(f"{self.base_url}/console/sign-in")
        await self.page.fill("#api-key", key)
        await self.page.click("#sign-in-form button[type=submit]")
        await self.page.wait_for_url(f"**/console/{lands_on}")
        await self.ready()

    async def open(self, path: str) -> None:
        await self.page.goto(f"{self.base_url}{path}")
        await self.ready()

    async def ready(self) -> None:
        await self.page.wait_for_selector("body[data-ready=yes]")

    async def live(self) -> None:
        """Until the page's EventSource is open: from then on nothing published is missed."""
        await self.page.wait_for_selector("body[data-live=on]")

    async def screenshot(self, name: str, full_page: bool = True) -> None:
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            await self.page.screenshot(path=f"{SCREENSHOTS}/{name}.png", full_page=full_page)


DESK = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}  # a phone's CSS pixels, as staff on the floor hold it


@asynccontextmanager
async def opened_console(browser: Browser, base_url: str, **options: Any) -> AsyncIterator[Console]:
    context = await browser.new_context(base_url=base_url, locale="zh-CN", **options)
    context.set_default_timeout(STEP_TIMEOUT_MS)
    page = await context.new_page()
    opened = Console(base_url, context, page)
    page.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    await context.close()
    assert opened.errors == [], f"the console threw: {opened.errors}"


@dataclass(frozen=True)
class Hospital:
    """A hospital tenant (its language zh-CN), a nurse who files, and a medical-affairs
    doctor who also holds security, so incidents and their deadlines wait on them."""

    tenant: TenantKeys
    nurse: dict[str, str]
    doctor_key: str

    async def file(self, http: httpx.AsyncClient, summary: str) -> str:
        filed = await http.post(
            "/v1/complaints", headers=self.nurse, json=complaint_body(summary=summary)
        )
        assert filed.status_code == 201, filed.text
        return filed.json()["id"]

    async def incident(self, http: httpx.AsyncClient, case_id: str) -> int:
        """H11: an insult at the desk; security must keep the evidence within 24 hours."""
        reported = await http.post(
            f"/v1/complaints/{case_id}/incidents",
            headers=self.nurse,
            json={"kind": "insult", "description": "shouting at the desk", "police_called": False},
        )
        assert reported.status_code == 200, reported.text
        return reported.json()["seq"]

    async def settled(self, http: httpx.AsyncClient, seq: int) -> None:
        """Until the inbox's view has applied ``seq``, so a page loaded next shows it."""
        answer = await http.get(
            "/v1/inbox",
            params={"after_seq": seq, "wait": 5},
            headers={"Authorization": f"Bearer {self.doctor_key}"},
        )
        assert int(answer.headers["X-View-Seq"]) >= seq, answer.headers
