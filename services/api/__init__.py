"""Everything that imports Litestar: the app (``create_app``), authentication and guards,
the typed dependencies controllers receive, problem documents (the one table that turns
domain and library errors into HTTP), schemas, and every controller, the SSE feed and the
webhook routes included.

May import workers, runtime and everything below; nothing imports it but the CLI.
"""

from services.api.app import create_app

__all__ = ["create_app"]
