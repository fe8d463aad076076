"""The console's scripts and styles, one route a file: a route table with no path
parameters here, so nothing but these files can be asked for."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from litestar import Response, get
from litestar.handlers import HTTPRouteHandler

STATIC = Path(__file__).parent / "static"
MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
STATIC_FILES = (
    "console.css",
    "console.js",
    "schema_form.js",
    "charts.js",
    "sign_in.js",
    "inbox.js",
    "cases.js",
    "case.js",
    "as_of.js",
    "intake.js",
    "handovers.js",
    "dashboard.js",
    "audit.js",
)
# short: a deploy's new script must not wait long behind an old page (pages name a version)
CACHE_CONTROL = "public, max-age=300"


@cache
def content(name: str) -> bytes:
    return (STATIC / name).read_bytes()


def static_route(name: str) -> HTTPRouteHandler:
    async def serve() -> Response[bytes]:
        return Response(
            content(name),
            media_type=MEDIA_TYPES[Path(name).suffix],
            headers={"Cache-Control": CACHE_CONTROL, "X-Content-Type-Options": "nosniff"},
        )

    serve.__name__ = f"static_{Path(name).stem}_{Path(name).suffix[1:]}"
    return get(
        f"/static/{name}",
        operation_id=f"console_{serve.__name__}",
        exclude_from_auth=True,
        media_type=MEDIA_TYPES[Path(name).suffix],
        tags=["console"],
        summary=f"The console's {name}",
    )(serve)


def static_routes() -> list[HTTPRouteHandler]:
    return [static_route(name) for name in STATIC_FILES]
