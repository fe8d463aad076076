"""S8, S11, B6: the month's penalty sheet for payroll equals the fines the ledger holds, with
corrections shown as such; a period's report agrees with the dashboard; XLSX and CSV carry
the figures the JSON does (docs/reports.md)."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient
from openpyxl import load_workbook

from tests.fakes import FakeClock
from tests.services.api.test_deadline_pause_api import FRIDAY, pause_and_resume
from tests.services.support import complaint_body, new_tenant, staff_key

ACCOUNTABLE = {
    "handler": "teller.gao",
    "branch_head": "head.wang",
    "service_quality_leader": "leader.sun",
}
SHARES = {"handler": 20_000, "branch_head": 10_000, "service_quality_leader": 0}


async def held_accountable(client: AsyncClient) -> tuple[dict, dict, str, int]:
    """A bank case whose people were held accountable by name (B6), the handler's share then
    taken back by the emergency group's office: the last seq written."""
    tenant = await new_tenant(client, "bank@1")
    lobby = await staff_key(client, tenant, "lobby.li", ["lobby_manager"])
    general = await staff_key(client, tenant, "general.chen", ["general_department"])
    filed = await client.post("/v1/complaints", headers=lobby, json=complaint_body())
    case = filed.json()["id"]
    steps = (
        (lobby, "escalate", {"reason": "the queue has stopped"}),
        (
            general,
            "accountability",
            {
                "reason": "the teller refused rudely",
                "consequences": "the counter closed for two hours",
                "responsible": ACCOUNTABLE,
                "shares_fen": SHARES,
                "performance": "zero",
            },
        ),
        (general, "penalty-reversals", {"penalty": 1, "reason": "the teller was not on duty"}),
    )
    seq = 0
    for headers, action, body in steps:
        answer = await client.post(f"/v1/complaints/{case}/{action}", headers=headers, json=body)
        assert answer.status_code == 200, (action, answer.text)
        seq = answer.json()["seq"]
    return lobby, general, case, seq


def month_of(at: str) -> str:
    return datetime.fromisoformat(at).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")


def day_of(at: str) -> str:
    """The tenant's calendar day of an instant: reports count days in China's time zone."""
    return datetime.fromisoformat(at).astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()


async def test_B6_the_penalty_sheet_of_a_month_is_the_fines_the_ledger_holds_with_the_correction(
    client: AsyncClient,
) -> None:
    _, general, case, seq = await held_accountable(client)
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    fines = [h for h in history if h["event"] == "PenaltyAssessed"]
    (reversal,) = [h for h in history if h["event"] == "PenaltyReversed"]
    month = month_of(reversal["recorded_at"])

    answer = await client.get(
        "/v1/reports/penalties",
        headers=general,
        params={"month": month, "after_seq": seq},
    )

    assert answer.status_code == 200, answer.text
    sheet = answer.json()
    rows = {row["seq"]: row for row in sheet["penalties"]}
    assert set(rows) == {h["seq"] for h in [*fines, reversal]}
    for fine in fines:
        row = rows[fine["seq"]]
        assert (row["kind"], row["person"], row["amount_fen"]) == (
            "penalty",
            fine["data"]["person"],
            fine["data"]["amount_fen"],
        )
        assert row["rule"] == "B6" and row["case_id"] == case
    correction = rows[reversal["seq"]]
    assert correction["kind"] == "reversal"
    assert correction["amount_fen"] == -20_000 and correction["amount_yuan"] == "-200.00"
    assert correction["reverses_seq"] == fines[0]["seq"]
    people = {p["person"]: p for p in sheet["people"]}
    assert (people["teller.gao"]["net_yuan"], people["teller.gao"]["reversals"]) == ("0.00", 1)
    assert people["teller.gao"]["performance"] == []  # the zero performance was taken back
    assert people["head.wang"]["net_yuan"] == "100.00"
    assert people["head.wang"]["performance"] == ["zero"]


async def test_B6_the_penalty_sheet_is_not_for_the_lobby(client: AsyncClient) -> None:
    lobby, _, _, _ = await held_accountable(client)

    answer = await client.get("/v1/reports/penalties", headers=lobby, params={"month": "2026-12"})

    assert answer.status_code == 403
    assert answer.json()["rule"] == "B6"


async def test_the_xlsx_penalty_sheet_opens_and_its_totals_match_the_json(
    client: AsyncClient,
) -> None:
    _, general, case, seq = await held_accountable(client)
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    params = {"month": month_of(history[-1]["recorded_at"]), "after_seq": seq}
    sheet = (await client.get("/v1/reports/penalties", headers=general, params=params)).json()

    answer = await client.get("/v1/reports/penalties.xlsx", headers=general, params=params)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in answer.headers["content-disposition"]
    book = load_workbook(io.BytesIO(answer.content), read_only=True)
    totals = list(book["per_person"].iter_rows(values_only=True))
    header, people = totals[0], totals[1:]
    net = {row[header.index("person")]: row[header.index("net_yuan")] for row in people}
    assert net == {p["person"]: float(Decimal(p["net_yuan"])) for p in sheet["people"]}
    lines = list(book["penalties"].iter_rows(values_only=True))
    assert len(lines) - 1 == len(sheet["penalties"])


async def test_the_csv_penalty_sheet_lists_each_penalty_and_the_totals(
    client: AsyncClient,
) -> None:
    _, general, case, seq = await held_accountable(client)
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    params = {"month": month_of(history[-1]["recorded_at"]), "after_seq": seq}

    answer = await client.get("/v1/reports/penalties.csv", headers=general, params=params)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = [r for r in csv.reader(io.StringIO(answer.text)) if r]
    penalties = [r for r in rows if r[0] == "penalties"]
    amounts = sorted(Decimal(r[rows[0].index("amount_yuan")]) for r in penalties)
    assert amounts == [Decimal("-200.00"), Decimal("0.00"), Decimal("100.00"), Decimal("200.00")]


async def test_a_period_report_agrees_with_the_dashboard(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    affairs = await staff_key(client, tenant, "affairs.li", ["medical_affairs"])
    seq = 0
    for n in range(3):
        filed = await client.post(
            "/v1/complaints", headers=affairs, json=complaint_body(summary=f"waited #{n}")
        )
        assert filed.status_code == 201, filed.text
        seq = filed.json()["seq"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    stats = (await client.get("/v1/stats", headers=affairs, params={"after_seq": seq})).json()

    answer = await client.get(
        "/v1/reports/period",
        headers=affairs,
        params={"from": today, "to": today, "after_seq": seq},
    )

    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["totals"]["cases"] == sum(r["cases"] for r in stats["per_day"]) == 3
    assert report["by_channel"] == [{"value": "phone", "cases": 3}]
    assert report["first_response"]["cases"] == stats["first_response"]["cases"]
    workbook = await client.get(
        "/v1/reports/period.xlsx", headers=affairs, params={"from": today, "to": today}
    )
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    header, totals = list(book["totals"].iter_rows(values_only=True))
    assert totals[header.index("cases")] == 3


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/reports/period", {"from": "2026-12-02", "to": "2026-12-01"}, "to"),
        ("/v1/reports/period", {"from": "2024-01-01", "to": "2026-12-01"}, "to"),
        (
            "/v1/reports/period",
            {"from": "2026-12-01", "to": "2026-12-02", "unit": "nowhere"},
            "unit",
        ),
        ("/v1/reports/penalties", {"month": "2026-13"}, "month"),
    ],
)
async def test_a_report_asked_for_wrongly_names_the_field(
    client: AsyncClient, path: str, params: dict, field: str
) -> None:
    tenant = await new_tenant(client, "school@1")

    answer = await client.get(path, headers=tenant.admin, params=params)

    assert answer.status_code in (400, 422), answer.text
    problem = answer.json()
    assert field in str(problem), problem


async def test_C3_H11_the_period_report_counts_the_time_a_deadline_was_paused(
    client: AsyncClient, fixed_clock: FakeClock
) -> None:
    fixed_clock.set(FRIDAY)
    hospital = await new_tenant(client, "hospital@1")
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    filed = await client.post(
        "/v1/complaints", headers=guard, json=complaint_body(received_at=FRIDAY.isoformat())
    )
    case_id = filed.json()["id"]
    incident = await client.post(
        f"/v1/complaints/{case_id}/incidents",
        headers=guard,
        json={"kind": "disorder", "description": "shouting in the ward"},
    )
    assert incident.status_code == 200, incident.text
    paused, resumed = FRIDAY + timedelta(hours=2), FRIDAY + timedelta(hours=5)
    await pause_and_resume(client, fixed_clock, guard, case_id, "evidence-1", paused, resumed)
    seq = (await client.get(f"/v1/complaints/{case_id}/history", headers=guard)).json()[-1]["seq"]

    answer = await client.get(
        "/v1/reports/period",
        headers=guard,
        params={"from": "2026-03-06", "to": "2026-03-06", "after_seq": seq},
    )

    assert answer.status_code == 200, answer.text
    evidence = next(row for row in answer.json()["sla"] if row["rule"] == "H11")
    assert evidence["paused_seconds"] == 3 * 3600
    assert (evidence["running"], evidence["met"], evidence["met_late"]) == (1, 0, 0)
