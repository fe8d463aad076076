"""One router for the console: its pages, the working days it counts time left in, the
categories it suggests, and its static files, all under ``/console``."""

from __future__ import annotations

from litestar import Router

from services.api.console.categories import categories
from services.api.console.pages import ConsolePages
from services.api.console.static import static_routes
from services.api.console.working_days import working_days

console = Router(
    path="/console",
    route_handlers=[ConsolePages, working_days, categories, *static_routes()],
)
