"""The console in a real browser: Debian's chromium, headless, driven by Playwright, against
the app on a real socket (``base_url``). One browser a module, a fresh context (cookies,
storage) a test; a page that throws fails its test.

``COMPLAINTS_CONSOLE_SCREENSHOTS=<dir>`` keeps a screenshot of each page the tests name.
"""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, async_playwright

from tests.e2e.console.support import DESK, PHONE, Console, Hospital, opened_console
from tests.services.support import new_tenant, staff_key

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield launched
        await launched.close()


@pytest.fixture
async def console(browser: Browser, base_url: str) -> AsyncIterator[Console]:
    async with opened_console(browser, base_url, viewport=DESK) as opened:
        yield opened


@pytest.fixture
async def phone(browser: Browser, base_url: str) -> AsyncIterator[Console]:
    async with opened_console(
        browser, base_url, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    ) as opened:
        yield opened


@pytest.fixture(scope="module")
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
async def hospital(http: httpx.AsyncClient) -> Hospital:
    tenant = await new_tenant(http, "hospital@1")
    nurse = await staff_key(http, tenant, "nurse.wang", ["nurse"])
    doctor = await staff_key(http, tenant, "dr.sun", ["medical_affairs", "security"])
    return Hospital(tenant, nurse, doctor["Authorization"].removeprefix("Bearer "))
