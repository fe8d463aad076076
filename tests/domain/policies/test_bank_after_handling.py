"""Compensation (B11), group complaints (B12), the originating-bank report (B13)."""

from __future__ import annotations

from datetime import datetime

import pytest
from bank_support import (
    BRANCH_HEAD,
    GENERAL,
    GUARD,
    LOBBY,
    TZ,
    drain,
    file,
    later,
    notified,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState, Status
from domain.errors import Refused

pytestmark = pytest.mark.domain

REPORT = "originating_bank_report"
# Monday 30 September 2024: the report falls due inside the National Day holiday.
HANDLED_AT = datetime(2024, 9, 30, 15, 0, tzinfo=TZ)


def handled_incident() -> Complaint:
    case = with_handlers(file())
    run(case, c.ReportIncident("smashing_premises", "kicked the glass door"), GUARD)
    run(case, c.Resolve("police took statements; damage paid"), BRANCH_HEAD, HANDLED_AT)
    return case


def test_B11_compensation_proposed_recommends_a_third_party_mediator() -> None:
    case = file()
    drain(case)
    run(case, c.ProposeResolution("refund the wrong fee", compensation_fen=5_000), BRANCH_HEAD)
    assert "third_party_mediation" in case.flags
    assert notified(drain(case), "B11") == {"general_department"}


def test_B11_explanation_without_compensation_needs_no_mediator() -> None:
    case = file()
    run(case, c.ProposeResolution("explain the fee schedule"), BRANCH_HEAD)
    assert "third_party_mediation" not in case.flags


def test_B12_complaint_linked_to_a_group_is_flagged_and_contained() -> None:
    case = file()
    drain(case)
    run(case, c.LinkToGroup("2024-09 loan-rate protest"), BRANCH_HEAD)
    assert case.group == "2024-09 loan-rate protest"
    assert "group_complaint" in case.flags
    assert {"general_department", "service_quality_leader"} <= notified(drain(case), "B12")


def test_B13_handled_incident_starts_a_3_calendar_day_report_deadline() -> None:
    case = handled_incident()
    report = case.deadlines[REPORT]
    assert (report.rule, report.roles) == ("B13", ("general_department",))
    # Calendar days: the holiday does not extend it.
    assert report.due_at == datetime(2024, 10, 3, 23, 59, 59, tzinfo=TZ)
    assert report.started_at == HANDLED_AT


def test_B13_accepted_answer_after_an_incident_also_starts_the_report() -> None:
    case = with_handlers(file())
    run(case, c.ReportIncident("attack_on_staff", "pushed the guard"), GUARD)
    run(case, c.RecordResponse(accepted=True, text="apologised"), BRANCH_HEAD, later(hours=3))
    assert case.status is Status.RESOLVED
    assert case.deadlines[REPORT].is_running


def test_B13_no_report_without_an_incident() -> None:
    case = with_handlers(file(category="business_disruption"))
    run(case, c.Resolve("queue restored"), BRANCH_HEAD)
    assert REPORT not in case.deadlines


def test_B13_sending_the_report_meets_the_deadline() -> None:
    case = handled_incident()
    run(case, c.MeetDeadline(REPORT), GENERAL, datetime(2024, 10, 2, 9, 0, tzinfo=TZ))
    assert case.deadlines[REPORT].state is DeadlineState.MET


def test_B13_resolving_again_does_not_count_as_reporting() -> None:
    case = handled_incident()
    run(case, c.Resolve("second note"), BRANCH_HEAD, later(days=4))
    assert case.deadlines[REPORT].is_running


def test_B13_case_cannot_close_before_the_report_is_sent() -> None:
    case = handled_incident()
    with pytest.raises(Refused) as refusal:
        run(case, c.Close("done"), BRANCH_HEAD, later(days=4))
    assert refusal.value.rule == "B13"
    run(case, c.MeetDeadline(REPORT), GENERAL, later(days=4))
    run(case, c.Close("done"), BRANCH_HEAD, later(days=4))
    assert case.status is Status.CLOSED


def test_B13_missed_report_reaches_the_group_leaders() -> None:
    case = handled_incident()
    drain(case)
    run(case, c.MissDeadline(REPORT), at=datetime(2024, 10, 4, 0, 0, tzinfo=TZ))
    assert case.deadlines[REPORT].state is DeadlineState.MISSED
    assert {"general_department", "president", "vice_president"} <= notified(drain(case), "B13")


def test_C4_case_can_end_at_level_1_and_be_reopened() -> None:
    case = with_handlers(file())
    run(case, c.RecordResponse(accepted=True), LOBBY)
    run(case, c.Close("accepted"), LOBBY)
    run(case, c.Reopen("the card was not returned after all"), LOBBY, later(days=1))
    assert (case.status, case.reopen_count, case.level) == (Status.OPEN, 1, 1)
