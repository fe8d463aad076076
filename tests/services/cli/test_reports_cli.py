"""``complaints reports``: the month's penalty sheet (B6, S11) and a period's report written
by the operator as XLSX, CSV or JSON, the same figures the API answers."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from services.cli.errors import OperatorError
from services.engines import EngineUrls
from services.settings import Settings
from tests.services.api.test_reports_api import day_of, held_accountable, month_of
from tests.services.cli.cli_support import run


async def test_B6_the_operator_writes_the_month_penalty_sheet_as_a_workbook(
    client: AsyncClient, settings: Settings, urls: EngineUrls, tmp_path: Path
) -> None:
    _, general, case, seq = await held_accountable(client)
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    month = month_of(history[-1]["recorded_at"])
    params = {"month": month, "after_seq": seq}
    sheet = (await client.get("/v1/reports/penalties", headers=general, params=params)).json()
    tenant = (await client.get("/v1/tenant", headers=general)).json()["slug"]
    out = tmp_path / "penalties.xlsx"

    argv = ["reports", "penalties", "--tenant", tenant, "--month", month, "--format", "xlsx"]
    assert await run([*argv, "--out", str(out)], settings, urls) == 0

    book = load_workbook(io.BytesIO(out.read_bytes()), read_only=True)
    rows = list(book["penalties"].iter_rows(values_only=True))
    header = rows[0]
    seqs = sorted(row[header.index("seq")] for row in rows[1:])
    assert seqs == sorted(p["seq"] for p in sheet["penalties"])


async def test_a_period_report_as_json_on_stdout_and_a_bad_month_refused(
    client: AsyncClient,
    settings: Settings,
    urls: EngineUrls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, general, case, seq = await held_accountable(client)
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    day = day_of(history[-1]["recorded_at"])
    tenant = (await client.get("/v1/tenant", headers=general)).json()["slug"]
    await client.get("/v1/stats", headers=general, params={"after_seq": seq})

    argv = ["reports", "period", "--tenant", tenant, "--from", "2026-01-01", "--to", day]
    assert await run([*argv, "--quiet"], settings, urls) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["cases"] == 1
    assert report["by_channel"] == [{"value": "phone", "cases": 1}]

    bad = ["reports", "penalties", "--tenant", tenant, "--month", "2026-13"]
    with pytest.raises(OperatorError, match="--month: a month as YYYY-MM"):
        await run(bad, settings, urls)


async def test_B13_the_operator_writes_the_originating_bank_pack(
    client: AsyncClient, settings: Settings, urls: EngineUrls, tmp_path: Path
) -> None:
    _, general, case, _ = await held_accountable(client)
    tenant = (await client.get("/v1/tenant", headers=general)).json()["slug"]
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    out = tmp_path / "b13.json"

    argv = ["originating-bank-report", "--tenant", tenant, "--case", case, "--out", str(out)]
    assert await run(argv, settings, urls) == 0

    pack = json.loads(out.read_text(encoding="utf-8"))
    assert pack["rule"] == "B13"
    assert [step["seq"] for step in pack["history"]] == [step["seq"] for step in history]
