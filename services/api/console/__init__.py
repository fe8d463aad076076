"""The staff console: pages at ``/console`` that run in the browser, in Chinese and English.

The pages are shells open to load; everything on them comes from the API, called by the
browser with the session cookie. Templates render through Litestar's Jinja engine, scripts
and styles are served from ``static/``, and every UI string is in one catalogue
(``messages.py``) for both languages.

Imports ``services.api``'s guards and dependencies; nothing imports it but ``app.py``.
"""

from services.api.console.routes import console

__all__ = ["console"]
