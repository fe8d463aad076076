"""Rendering the complainant's pages: one Jinja engine over ``templates/``, the security headers
every page carries, and the page language (the tenant's, or Chinese or English as asked)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from litestar import Request, Response, get
from litestar.enums import MediaType
from litestar.plugins.jinja import JinjaTemplateEngine

from services.api.languages import best_language

TEMPLATES = Path(__file__).parent / "templates"
STYLE = Path(__file__).parent / "public.css"
LANGUAGES = ("zh-CN", "en")
# only this origin, no script at all: a page shows what a complainant and staff wrote
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",  # the secret link must never leave in a Referer
    "Cache-Control": "no-store",
}


@cache
def engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine(directory=TEMPLATES)


def page_language(request: Request, tenant_language: str) -> str:
    """``?lang=`` when given, else the browser's preference, else the tenant's."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    header = request.headers.get("accept-language", "")
    return best_language(header, default=tenant_language) if header else tenant_language


def render(
    request: Request, template: str, lang: str, status_code: int = 200, **context: Any
) -> Response[str]:
    """``template`` in ``lang`` (``zh`` is true for Chinese: templates pick their words)."""
    html = engine().get_template(template).render(lang=lang, zh=lang == "zh-CN", **context)
    return Response(
        html, status_code=status_code, media_type=MediaType.HTML, headers=SECURITY_HEADERS
    )


@get("/public/public.css", exclude_from_auth=True, include_in_schema=False, sync_to_thread=False)
def style() -> Response[bytes]:
    return Response(
        STYLE.read_bytes(),
        media_type="text/css; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
