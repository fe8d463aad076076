"""``complaints serve`` refuses to guard a real service with a key anyone can read."""

from __future__ import annotations

import pytest

from services.cli import main
from services.settings import DEV_PLATFORM_KEY


@pytest.mark.parametrize("key", [None, DEV_PLATFORM_KEY, "short-secret"])
def test_serve_without_a_real_platform_key_refuses_to_start_and_says_why(
    key: str | None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("COMPLAINTS_PLATFORM_ADMIN_KEY", raising=False)
    if key is not None:
        monkeypatch.setenv("COMPLAINTS_PLATFORM_ADMIN_KEY", key)
    # Refused before any engine starts: no URLs are needed to be told.
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("NATS_URL", raising=False)
    assert main(["serve"]) == 2
    error = capsys.readouterr().err
    assert "not serving" in error and "COMPLAINTS_PLATFORM_ADMIN_KEY" in error
