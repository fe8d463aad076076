"""The report to the originating bank after every agitation event is handled (B13)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from bank_support import (
    BRANCH_HEAD,
    GENERAL,
    GUARD,
    HANDLER,
    LEADER,
    PRESIDENT,
    TZ,
    drain,
    file,
    later,
    named,
    notified,
    report,
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
    smashed = c.ReportIncident("smashing_premises", "kicked the glass door", police_called=True)
    run(case, smashed, GUARD)
    run(case, c.Resolve("police took statements; damage paid"), BRANCH_HEAD, HANDLED_AT)
    return case


def escalated_once(case: Complaint) -> Complaint:
    return run(case, c.Escalate("shouting at the counter, queue stopped"), BRANCH_HEAD)


def reported_incident(case: Complaint) -> Complaint:
    return run(case, c.ReportIncident("attack_on_staff", "pushed the guard"), GUARD)


AGITATION: dict[str, Callable[[], Complaint]] = {
    "mild agitation, level 1": lambda: file(category="mild_agitation"),
    "business disrupted, level 2": lambda: file(category="business_disruption"),
    "group complaint, level 2": lambda: file(category="group"),
    "escalated to level 2": lambda: escalated_once(file()),
    "serious agitation, level 3": lambda: file(category="serious_agitation"),
    "incident": lambda: reported_incident(file()),
}


def test_B13_handled_incident_starts_a_3_calendar_day_report_deadline() -> None:
    case = handled_incident()
    held = case.deadlines[REPORT]
    assert (held.rule, held.roles) == ("B13", ("general_department",))
    # Calendar days: the holiday does not extend it.
    assert held.due_at == datetime(2024, 10, 3, 23, 59, 59, tzinfo=TZ)
    assert held.started_at == HANDLED_AT


@pytest.mark.parametrize("event", sorted(AGITATION))
def test_B13_every_agitation_event_once_handled_starts_the_report(event: str) -> None:
    case = with_handlers(AGITATION[event]())
    assert REPORT not in case.deadlines  # not before it is handled
    run(case, c.Resolve("customer calmed; explained"), BRANCH_HEAD)
    assert case.deadlines[REPORT].is_running


def test_B13_accepted_answer_after_an_incident_also_starts_the_report() -> None:
    case = with_handlers(file())
    run(case, c.ReportIncident("attack_on_staff", "pushed the guard"), GUARD)
    run(case, c.RecordResponse(accepted=True, text="apologised"), BRANCH_HEAD, later(hours=3))
    assert case.status is Status.RESOLVED
    assert case.deadlines[REPORT].is_running


def test_B13_no_report_after_an_ordinary_complaint() -> None:
    case = with_handlers(file())
    run(case, c.Resolve("fee explained"), BRANCH_HEAD)
    assert REPORT not in case.deadlines


def test_B13_recording_the_report_keeps_what_was_reported_and_meets_the_deadline() -> None:
    case = handled_incident()
    report(case, datetime(2024, 10, 2, 9, 0, tzinfo=TZ))
    assert case.deadlines[REPORT].state is DeadlineState.MET
    (sent,) = case.contacts
    assert sent["kind"] == "originating_bank"
    assert "outcome: apology and refund" in sent["purpose"]


@pytest.mark.parametrize("other", [BRANCH_HEAD, PRESIDENT, LEADER, HANDLER], ids=lambda a: a.person)
def test_B13_only_the_general_department_reports_to_the_originating_bank(
    other: c.Actor,
) -> None:
    case = handled_incident()
    with pytest.raises(Refused) as refusal:
        report(case, later(days=4), by=other)
    assert refusal.value.rule == "B13"
    assert case.deadlines[REPORT].is_running


def test_B13_marking_the_report_met_without_recording_it_is_refused() -> None:
    case = handled_incident()
    with pytest.raises(Refused) as refusal:
        run(case, c.MeetDeadline(REPORT), GENERAL, later(days=4))
    assert refusal.value.rule == "B13"
    assert case.deadlines[REPORT].is_running


def test_B13_a_report_says_what_was_reported() -> None:
    case = handled_incident()
    empty = c.RecordContact("originating_bank", "credit.luo", "sponsoring bank", " ")
    with pytest.raises(Refused) as refusal:
        run(case, empty, GENERAL, later(days=4))
    assert refusal.value.rule == "B13"


def test_B13_a_late_report_is_recorded_and_the_miss_left_to_the_watcher() -> None:
    case = handled_incident()
    report(case, datetime(2024, 10, 5, 9, 0, tzinfo=TZ))
    assert case.contacts and case.deadlines[REPORT].is_running


def test_B13_resolving_again_does_not_count_as_reporting() -> None:
    case = handled_incident()
    run(case, c.Resolve("second note"), BRANCH_HEAD, later(days=4))
    assert case.deadlines[REPORT].is_running


def test_B13_a_sent_report_is_not_owed_again_by_a_later_resolution() -> None:
    case = handled_incident()
    report(case, datetime(2024, 10, 2, 9, 0, tzinfo=TZ))
    run(case, c.Resolve("second note"), BRANCH_HEAD, datetime(2024, 10, 2, 10, 0, tzinfo=TZ))
    assert case.deadlines[REPORT].state is DeadlineState.MET


def test_B13_case_cannot_close_before_the_report_is_sent() -> None:
    case = handled_incident()
    with pytest.raises(Refused) as refusal:
        run(case, c.Close("done"), BRANCH_HEAD, later(days=4))
    assert refusal.value.rule == "B13"
    report(case, datetime(2024, 10, 2, 9, 0, tzinfo=TZ))
    run(case, c.Close("done"), BRANCH_HEAD, later(days=5))
    assert case.status is Status.CLOSED


def test_B13_agitation_case_is_resolved_before_it_closes_so_the_report_follows() -> None:
    case = with_handlers(file(category="business_disruption"))
    with pytest.raises(Refused) as refusal:
        run(case, c.Close("customer left"), BRANCH_HEAD)
    assert refusal.value.rule == "B13"
    assert case.status is Status.OPEN


def test_B13_missed_report_reaches_the_group_leaders() -> None:
    case = handled_incident()
    drain(case)
    run(case, c.MissDeadline(REPORT), c.SYSTEM, datetime(2024, 10, 4, 0, 0, tzinfo=TZ))
    events = drain(case)
    assert case.deadlines[REPORT].state is DeadlineState.MISSED
    assert named(events, "DeadlineMissed")
    assert {"general_department", "president", "vice_president"} <= notified(events, "B13")
