"""Where a command's document goes: stdout, or the file ``--out`` names, told in one line."""

from __future__ import annotations

from pathlib import Path

from services.cli.errors import OperatorError


def deliver(content: str | bytes, out: Path | None, what: str) -> None:
    """Print ``content`` (text), or write it to ``out`` and say ``what`` was written there."""
    if out is None:
        assert isinstance(content, str), "bytes go to a file"
        print(content, end="")
        return
    try:
        if isinstance(content, bytes):
            out.write_bytes(content)
        else:
            out.write_text(content, encoding="utf-8")
    except OSError as error:
        raise OperatorError(f"cannot write {out}: {error.strerror}") from None
    print(f"{what} written to {out}")
