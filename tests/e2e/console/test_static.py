"""The console's files: each one in static/ is served with its type, and nothing else is."""

from __future__ import annotations

from pathlib import Path

import httpx

from services.api.console.static import STATIC, STATIC_FILES


def test_every_static_file_is_listed_to_be_served() -> None:
    assert sorted(STATIC_FILES) == sorted(path.name for path in STATIC.iterdir())


async def test_scripts_and_styles_are_served_without_a_session(http: httpx.AsyncClient) -> None:
    script = await http.get("/console/static/console.js")
    style = await http.get("/console/static/console.css")
    elsewhere = await http.get("/console/static/../pages.py")

    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.content == (STATIC / "console.js").read_bytes()
    assert style.headers["content-type"].startswith("text/css")
    assert elsewhere.status_code == 404


async def test_a_page_allows_no_inline_script_nor_another_origin(http: httpx.AsyncClient) -> None:
    page = await http.get("/console/inbox")

    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert Path("/console/static/inbox.js").name in page.text
