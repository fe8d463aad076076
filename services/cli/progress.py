"""Progress of the long commands (export, verify, rebuild, what-if) on stderr, drawn only when
stderr is a terminal: a pipe, a log file or a cron mail gets none of it, only the lines the
command prints itself."""

from __future__ import annotations

import sys

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)


def progress(*, quiet: bool = False) -> Progress:
    """A display to enter around the work (``add_task``, ``advance``); it draws nothing when
    ``quiet`` or when stderr is not a terminal, and leaves nothing behind when done."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=quiet or not sys.stderr.isatty(),
        transient=True,
        # what the command prints meanwhile goes above the bar, on the terminal that shows
        # it anyway; printed to a file or a pipe, it is left alone
        redirect_stdout=sys.stdout.isatty(),
        redirect_stderr=False,
    )
