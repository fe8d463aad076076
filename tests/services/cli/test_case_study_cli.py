"""``complaints case-study``: a closed bank case's anonymised study as JSON (B14)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from httpx import AsyncClient

from domain.errors import InvalidTransition
from services.engines import EngineUrls
from services.settings import Settings
from tests.services.api.test_case_studies import (
    CARD,
    EMAIL,
    ID_NUMBER,
    NAME,
    PHONE,
    bank_case,
    closed_bank_case,
)
from tests.services.cli.cli_support import run
from tests.services.support import new_tenant


async def test_B14_case_study_writes_the_anonymised_study_and_refuses_an_open_case(
    client: AsyncClient,
    settings: Settings,
    urls: EngineUrls,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant = await new_tenant(client, "bank@1")
    case_id, _ = await closed_bank_case(client, tenant)
    out = tmp_path / "study.json"
    argv = ["case-study", "--tenant", tenant.slug, "--case", case_id]
    assert await run([*argv, "--out", str(out)], settings, urls) == 0
    text = out.read_text(encoding="utf-8")
    for secret in (NAME, PHONE, ID_NUMBER, CARD, EMAIL):
        assert secret not in text
    assert json.loads(text)["summary"].startswith("[redacted] ([phone]")
    capsys.readouterr()
    assert await run(argv, settings, urls) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(text)

    open_id, _ = await bank_case(client, tenant)
    with pytest.raises(InvalidTransition, match="B14"):  # main() reports it with exit code 2
        await run(["case-study", "--tenant", tenant.slug, "--case", open_id], settings, urls)
