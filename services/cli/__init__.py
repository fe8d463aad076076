"""The ``complaints`` command: serve, migrate, tenants and keys, projections, worker, audit,
policy docs.

Each module registers its subcommands and runs them against a Runtime it opens. May import
everything below it (api for ``serve``, workers, runtime and what those import); nothing in
services imports the CLI.
"""

from services.cli.main import main, parser

__all__ = ["main", "parser"]
