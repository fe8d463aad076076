"""The console's pages: HTML shells, open to load, that fill themselves from the API."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any, get_args
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.enums import MediaType
from litestar.params import FromPath
from litestar.plugins.jinja import JinjaTemplateEngine

from services.api.console.messages import LANGUAGES, MESSAGES, best_language, translate
from services.api.console.static import STATIC_FILES, content
from services.api.schemas import Channel
from services.bus.messages import ROUTING

TEMPLATES = Path(__file__).parent / "templates"
# What the page may load and where it may talk: only this origin, no inline script, so
# text a complainant wrote can never run as code in a handler's browser.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
CHOSEN_LANGUAGE = "console_lang"  # set when a person picks a language
TENANT_LANGUAGE = "console_tenant_lang"  # the signed-in tenant's, remembered for first paint


@cache
def engine() -> JinjaTemplateEngine:
    return JinjaTemplateEngine(directory=TEMPLATES)


@cache
def static_version() -> str:
    """Changes with any static file: a new page asks for its scripts anew, past any cache."""
    digest = hashlib.sha256()
    for name in STATIC_FILES:
        digest.update(name.encode() + content(name))
    return digest.hexdigest()[:12]


def page_language(request: Request) -> str:
    for cookie in (CHOSEN_LANGUAGE, TENANT_LANGUAGE):
        if (lang := request.cookies.get(cookie)) in LANGUAGES:
            return lang
    return best_language(request.headers.get("accept-language", ""))


def render(request: Request, template: str, page: str, **context: Any) -> Response[str]:
    lang = page_language(request)
    html = (
        engine()
        .get_template(template)
        .render(
            lang=lang,
            page=page,
            t=lambda key, **params: translate(lang, key, **params),
            messages_json=json.dumps(MESSAGES, ensure_ascii=False).replace("</", "<\\/"),
            static=lambda name: f"/console/static/{name}?v={static_version()}",
            live_kinds=",".join(ROUTING),  # the event stream's event names
            **context,
        )
    )
    return Response(html, media_type=MediaType.HTML, headers=SECURITY_HEADERS)


class ConsolePages(Controller):
    path = "/"
    opt = {"exclude_from_auth": True}  # a shell; its data comes with the session cookie
    tags = ["console"]

    @get("/sign-in", operation_id="consoleSignIn", media_type=MediaType.HTML)
    async def sign_in(self, request: Request) -> Response[str]:
        return render(request, "sign_in.html", "sign-in")

    @get("/", operation_id="consoleHome", media_type=MediaType.HTML)
    async def home(self, request: Request) -> Response[str]:
        """The inbox: where a person starts."""
        return render(request, "inbox.html", "inbox")

    @get("/inbox", operation_id="consoleInbox", media_type=MediaType.HTML)
    async def inbox(self, request: Request) -> Response[str]:
        return render(request, "inbox.html", "inbox")

    @get("/cases", operation_id="consoleCases", media_type=MediaType.HTML)
    async def cases(self, request: Request) -> Response[str]:
        return render(request, "cases.html", "cases")

    @get("/cases/{case_id:uuid}", operation_id="consoleCase", media_type=MediaType.HTML)
    async def case(self, request: Request, case_id: FromPath[UUID]) -> Response[str]:
        # the page reads the id from its address: a shell open to anyone repeats no id
        return render(request, "case.html", "case")

    @get("/intake", operation_id="consoleIntake", media_type=MediaType.HTML)
    async def intake(self, request: Request) -> Response[str]:
        return render(request, "intake.html", "intake", channels=get_args(Channel))

    @get("/handovers", operation_id="consoleHandovers", media_type=MediaType.HTML)
    async def handovers(self, request: Request) -> Response[str]:
        return render(request, "handovers.html", "handovers")

    @get("/dashboard", operation_id="consoleDashboard", media_type=MediaType.HTML)
    async def dashboard(self, request: Request) -> Response[str]:
        return render(request, "dashboard.html", "dashboard")

    @get("/audit", operation_id="consoleAudit", media_type=MediaType.HTML)
    async def audit(self, request: Request) -> Response[str]:
        """For auditors: the ledger's check and its export."""
        return render(request, "audit.html", "audit")
