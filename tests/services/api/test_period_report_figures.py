"""C3, H11: the period report's figures over cases whose answers are known, overall and per
unit: deadlines met on time and missed, the median and 90th percentile of the time to first
response, the reopen rate, the volumes; the same as ``/v1/stats`` over the same cases, and
the same in the workbook (docs/reports.md)."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import msgspec
from httpx import AsyncClient
from openpyxl import load_workbook

from services.api.reports import PENALTY_BATCH, PenaltySheetOut, penalty_json
from services.api.timestamps import plain_in_utc
from services.runtime import Runtime
from services.workers.start import watcher_for
from tests.fakes import FakeClock
from tests.services.api.test_reports_api import day_of
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 3, 10, tzinfo=TZ)  # a Tuesday
HOUR = timedelta(hours=1)
# the columns the dashboard's by_unit has too (projections/stats.py)
DASHBOARD_UNIT = ("unit", "cases", "open", "resolved", "closed", "met", "missed", "compliance")


async def step(client: AsyncClient, headers: dict, case: str, action: str, body: dict) -> int:
    answer = await client.post(f"/v1/complaints/{case}/{action}", headers=headers, json=body)
    assert answer.status_code == 200, (action, answer.text)
    return answer.json()["seq"]


async def known_cases(
    client: AsyncClient, clock: FakeClock, runtime: Runtime
) -> tuple[TenantKeys, dict[str, str], int]:
    """Four cases received at T0: two in ortho (one answered after 1 hour, its evidence kept
    in time, then closed and reopened; one answered after 3 hours, its evidence deadline
    missed), one in cardio (not answered, its deadline running), one at the root (answered
    after 5 hours, no deadline)."""
    clock.set(T0)
    hospital = await new_tenant(client, "hospital@1")
    for unit in ("ortho", "cardio"):
        body = {"unit_id": unit, "name": unit.title(), "kind": "department", "parent": None}
        assert (await client.post("/v1/units", headers=hospital.admin, json=body)).is_success
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    affairs = await staff_key(client, hospital, "affairs.li", ["medical_affairs"])

    async def filed(unit: str | None, channel: str) -> str:
        body = complaint_body(received_at=T0.isoformat(), channel=channel, unit=unit)
        answer = await client.post("/v1/complaints", headers=guard, json=body)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    cases = {
        "kept": await filed("ortho", "phone"),
        "missed": await filed("ortho", "visit"),
        "running": await filed("cardio", "phone"),
        "root": await filed(None, "phone"),
    }
    incident = {"kind": "disorder", "description": "shouting in the ward"}
    clock.set(T0 + HOUR)
    for name in ("kept", "missed", "running"):  # H11: evidence kept within 24 hours
        await step(client, guard, cases[name], "incidents", incident)
    await step(client, affairs, cases["kept"], "acknowledge", {})
    clock.set(T0 + 2 * HOUR)
    await step(client, guard, cases["kept"], "deadline-met", {"deadline_id": "evidence-1"})
    clock.set(T0 + 3 * HOUR)
    await step(client, affairs, cases["missed"], "acknowledge", {})
    await step(client, affairs, cases["kept"], "close", {"reason": "explained"})
    clock.set(T0 + 4 * HOUR)
    await step(client, affairs, cases["kept"], "reopen", {"reason": "the family wrote again"})
    clock.set(T0 + 5 * HOUR)
    seq = await step(client, affairs, cases["root"], "acknowledge", {})
    # the watcher records the miss once the evidence deadline has passed (asked for this
    # case alone: the cardio one stays running, as if its sweep had not come round yet)
    clock.set(T0 + 26 * HOUR)
    watcher = watcher_for(runtime)
    tenant_id = UUID(hospital.tenant_id)
    assert await watcher.miss(tenant_id, UUID(cases["missed"]), "evidence-1", clock.now())
    history = await client.get(f"/v1/complaints/{cases['missed']}/history", headers=affairs)
    seq = max(seq, history.json()[-1]["seq"])
    return hospital, {"affairs": affairs, **cases}, seq


async def test_C3_H11_the_period_report_counts_the_known_cases_overall_and_per_unit(
    client: AsyncClient, fixed_clock: FakeClock, runtime: Runtime
) -> None:
    _, known, seq = await known_cases(client, fixed_clock, runtime)
    affairs = known["affairs"]
    day = day_of(T0.isoformat())
    params: dict[str, Any] = {"from": day, "to": day, "after_seq": seq}

    answer = await client.get("/v1/reports/period", headers=affairs, params=params)

    assert answer.status_code == 200, answer.text
    report = answer.json()
    totals = report["totals"]
    assert (totals["cases"], totals["open"], totals["closed"]) == (4, 4, 0)
    assert (totals["reopened"], totals["reopen_rate"], totals["incidents"]) == (1, 0.25, 3)
    (evidence,) = [row for row in report["sla"] if row["rule"] == "H11"]
    assert (evidence["met"], evidence["met_late"], evidence["missed"]) == (1, 0, 1)
    assert (evidence["running"], Decimal(evidence["compliance"])) == (1, Decimal("0.5"))
    # answered after 1, 3 and 5 hours: the median 3, the 90th percentile 3 + 0.8 × 2 hours
    assert report["first_response"] == {"cases": 3, "p50_seconds": 10800, "p90_seconds": 16560}
    assert report["by_channel"] == [
        {"value": "phone", "cases": 3},
        {"value": "visit", "cases": 1},
    ]
    assert sum(row["cases"] for row in report["by_category"]) == 4

    units = {row["unit"]: row for row in report["by_unit"]}
    assert [row["unit"] for row in report["by_unit"]] == [None, "cardio", "ortho"]
    ortho, cardio, root = units["ortho"], units["cardio"], units[None]
    assert (ortho["name"], ortho["cases"], ortho["met"], ortho["missed"]) == ("Ortho", 2, 1, 1)
    assert Decimal(ortho["compliance"]) == Decimal("0.5")
    assert (ortho["reopened"], ortho["reopen_rate"], ortho["incidents"]) == (1, 0.5, 2)
    # answered after 1 and 3 hours
    assert (ortho["first_response_p50_seconds"], ortho["first_response_p90_seconds"]) == (
        7200,
        10080,
    )
    assert (cardio["cases"], cardio["met"], cardio["missed"], cardio["compliance"]) == (
        1,
        0,
        0,
        None,
    )
    assert cardio["first_response_p50_seconds"] is None
    assert (root["name"], root["cases"], root["first_response_p50_seconds"]) == ("", 1, 18000)

    # the dashboard over the same cases (the tenant has no others)
    stats = (await client.get("/v1/stats", headers=affairs, params={"after_seq": seq})).json()
    assert stats["first_response"] == report["first_response"]
    assert [{k: row[k] for k in DASHBOARD_UNIT} for row in report["by_unit"]] == stats["by_unit"]
    (dashboard_sla,) = [row for row in stats["sla"] if row["kind"] == evidence["kind"]]
    assert (dashboard_sla["met"], dashboard_sla["missed"]) == (evidence["met"], evidence["missed"])

    # a unit's report is that unit's row
    narrowed = await client.get(
        "/v1/reports/period", headers=affairs, params={**params, "unit": "ortho"}
    )
    assert narrowed.json()["totals"]["cases"] == 2
    assert narrowed.json()["by_unit"] == [ortho]

    workbook = await client.get("/v1/reports/period.xlsx", headers=affairs, params=params)
    book = load_workbook(io.BytesIO(workbook.content), read_only=True)
    header, *rows = list(book["unit"].iter_rows(values_only=True))
    by_unit = {row[header.index("unit")]: row for row in rows}
    assert by_unit["ortho"][header.index("missed")] == 1
    assert by_unit["ortho"][header.index("reopen_rate")] == 0.5
    sheet = await client.get("/v1/reports/period.csv", headers=affairs, params=params)
    assert sum(line.startswith("unit,") for line in sheet.text.splitlines()) == 3


def test_the_penalty_sheet_is_written_a_batch_at_a_time_as_the_same_document() -> None:
    at = datetime(2026, 11, 3, 9, tzinfo=TZ)
    entry = {
        "seq": 1,
        "at": at,
        "person": "teller.gao",
        "name": "Gao",
        "target_role": "handler",
        "case_id": uuid4(),
        "unit": None,
        "rule": "B6",
        "kind": "penalty",
        "amount_fen": 20_000,
        "amount_yuan": Decimal("200.00"),
        "performance": "zero",
        "reason": 'said "no"',
        "reverses_seq": None,
    }
    person = {
        "person": "teller.gao",
        "name": "Gao",
        "penalties": 1,
        "reversals": 0,
        "net_fen": 20_000,
        "net_yuan": Decimal("200.00"),
        "performance": ["zero"],
    }
    body = {
        "from": at.date(),
        "to": at.date(),
        "units": None,
        "penalties": [entry | {"seq": n} for n in range(PENALTY_BATCH * 2 + 1)],
        "people": [person],
    }

    chunks = list(penalty_json(body))

    assert len(chunks) == 5  # the head, three batches, the tail
    written = json.loads(b"".join(chunks))
    whole = msgspec.convert(body, PenaltySheetOut, from_attributes=True)
    # the document the hook would have answered: its datetimes in the answers' one form
    assert written == json.loads(msgspec.json.encode(plain_in_utc(whole)))
    assert written["penalties"][0]["at"] == "2026-11-03T01:00:00.000000Z"
    assert [row["seq"] for row in written["penalties"]] == list(range(PENALTY_BATCH * 2 + 1))
