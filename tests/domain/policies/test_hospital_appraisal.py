"""Medical appraisal: the department's one-week records deadline (H7) and the attendee (H8)."""

from __future__ import annotations

from datetime import datetime

import pytest
from hospital_support import (
    CALENDAR,
    DEPARTMENT_HEAD,
    MEDICAL_AFFAIRS,
    NURSE,
    TZ,
    VICE_PRESIDENT,
    WATCHER,
    accept,
    climb_to,
    designate,
    drain,
    file,
    later,
    named,
    notified,
    run,
    sue,
)

from domain import commands as c
from domain.calendar import Unit
from domain.complaint import Complaint, DeadlineState, Status
from domain.errors import Refused
from domain.policies.hospital import APPRAISAL_RECORDS

pytestmark = pytest.mark.domain

# The eve of National Day: the week runs through the holiday, counted in calendar days.
EVE = datetime(2026, 9, 30, 16, 0, tzinfo=TZ)


def at_appraisal(at: datetime = EVE) -> Complaint:
    case = climb_to(file(at=at), 2, at)
    drain(case)
    return climb_to(case, 3, at)


def test_H7_appraisal_starts_a_seven_calendar_day_records_deadline() -> None:
    case = at_appraisal()

    started = named(drain(case), "DeadlineStarted")

    assert len(started) == 1
    assert (started[0].deadline_id, started[0].rule) == (APPRAISAL_RECORDS, "H7")
    assert started[0].roles == ["department_head"]
    # Seven days, holidays included: 30 September + 7 is the end of 7 October.
    assert started[0].due_at == datetime(2026, 10, 7, 23, 59, 59, tzinfo=TZ)
    assert case.deadlines[APPRAISAL_RECORDS].is_running


def test_H7_counts_calendar_days_not_working_days() -> None:
    case = at_appraisal()

    due = case.deadlines[APPRAISAL_RECORDS].due_at

    assert due < CALENDAR.due(EVE, 7, Unit.WORKING_DAYS)


def test_H7_only_appraisal_starts_the_records_deadline() -> None:
    case = climb_to(file(), 2)

    assert APPRAISAL_RECORDS not in case.deadlines
    assert named(drain(case), "DeadlineStarted") == []


def test_H7_department_head_reports_the_records_assembled() -> None:
    case = at_appraisal()
    drain(case)

    run(case, c.MeetDeadline(APPRAISAL_RECORDS), DEPARTMENT_HEAD, datetime(2026, 10, 5, tzinfo=TZ))

    assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.MET
    assert named(drain(case), "DeadlineMet")


def test_H7_a_nurse_cannot_report_the_records_assembled() -> None:
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.MeetDeadline(APPRAISAL_RECORDS), NURSE)

    assert refused.value.rule == "H7"
    assert case.deadlines[APPRAISAL_RECORDS].is_running


def test_H7_missed_records_deadline_reaches_medical_affairs_and_vice_president() -> None:
    case = at_appraisal()
    drain(case)

    run(case, c.MissDeadline(APPRAISAL_RECORDS), WATCHER, datetime(2026, 10, 8, tzinfo=TZ))

    events = drain(case)
    assert named(events, "DeadlineMissed")
    assert {"medical_affairs", "vice_president"} <= notified(events, "H7")
    assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.MISSED


def test_C3_only_the_deadline_watcher_declares_a_deadline_missed() -> None:
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.MissDeadline(APPRAISAL_RECORDS), MEDICAL_AFFAIRS)

    assert refused.value.rule == "C3"
    assert case.deadlines[APPRAISAL_RECORDS].is_running


def test_H7_acceptance_after_appraisal_cancels_the_records_deadline_unmet() -> None:
    case = at_appraisal()
    drain(case)

    accept(case, datetime(2026, 10, 6, 10, 0, tzinfo=TZ))

    assert case.status is Status.RESOLVED
    assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.CANCELLED
    cancelled = named(drain(case), "DeadlineCancelled")
    assert [(e.deadline_id, e.rule) for e in cancelled] == [(APPRAISAL_RECORDS, "C4")]


def test_C3_only_the_department_marks_the_records_assembled() -> None:
    # H7: 当事科室一周内备齐有关资料 — the department's work, so the department says it is done.
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.MeetDeadline(APPRAISAL_RECORDS), MEDICAL_AFFAIRS)

    assert refused.value.rule == "H7"
    assert case.deadlines[APPRAISAL_RECORDS].is_running


@pytest.mark.parametrize("actor", [DEPARTMENT_HEAD, VICE_PRESIDENT, NURSE])
def test_C3_no_staff_records_the_records_deadline_missed(actor: c.Actor) -> None:
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.MissDeadline(APPRAISAL_RECORDS), actor, datetime(2026, 10, 8, tzinfo=TZ))

    assert refused.value.rule == "C3"
    assert case.deadlines[APPRAISAL_RECORDS].is_running


def test_H8_vice_president_designates_the_appraisal_attendee() -> None:
    case = at_appraisal()
    drain(case)

    run(case, c.Assign("affairs.sun", slot="appraisal_attendee"), VICE_PRESIDENT, later(days=10))

    assert case.handlers["appraisal_attendee"] == "affairs.sun"
    events = drain(case)
    assert named(events, "Assigned")[0].person == "affairs.sun"
    assert notified(events, "H8") == {"medical_affairs", "department_head", "vice_president"}


def test_H8_attendee_is_designated_by_the_hospital_not_the_department() -> None:
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("head.chen", slot="appraisal_attendee"), DEPARTMENT_HEAD)

    assert refused.value.rule == "H8"
    assert "appraisal_attendee" not in case.handlers


def test_H8_no_appraisal_attendee_before_the_case_goes_to_appraisal() -> None:
    case = climb_to(file(), 2)

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("affairs.sun", slot="appraisal_attendee"), VICE_PRESIDENT)

    assert refused.value.rule == "H8"


def test_H8_appraisal_conclusion_is_recorded_without_ending_handling() -> None:
    case = designate(at_appraisal(), "appraisal_attendee")
    drain(case)

    run(
        case,
        c.RecordOutcome("appraisal_body", target="hospital", opinion="不构成医疗事故"),
        at=later(days=30),
    )

    events = drain(case)
    assert case.outcomes[-1] == {
        "authority": "appraisal_body",
        "target": "hospital",
        "opinion": "不构成医疗事故",
    }
    assert notified(events, "H8") == {"medical_affairs", "vice_president", "department_head"}
    assert case.status is Status.OPEN
    assert named(events, "Resolved") == []


def test_H8_no_appraisal_conclusion_before_appraisal() -> None:
    case = climb_to(file(), 2)
    before = list(case.outcomes)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("appraisal_body", target="hospital", opinion="n/a"))

    assert refused.value.rule == "H13"
    assert case.outcomes == before


def test_H8_no_appraisal_conclusion_before_an_attendee_is_designated() -> None:
    case = at_appraisal()
    before = list(case.outcomes)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("appraisal_body", target="hospital", opinion="不构成医疗事故"))

    assert refused.value.rule == "H8"
    assert case.outcomes == before


@pytest.mark.parametrize("suit", [True, False], ids=["to court", "to the health authority"])
def test_H8_appraisal_rung_is_not_passed_before_an_attendee_is_designated(suit: bool) -> None:
    case = sue(at_appraisal()) if suit else at_appraisal()
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Escalate("appraisal done"), VICE_PRESIDENT)

    assert refused.value.rule == "H8"
    assert case.level == 3
    assert drain(case) == []


def test_H8_a_blank_name_designates_nobody() -> None:
    case = at_appraisal()

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("  ", slot="appraisal_attendee"), VICE_PRESIDENT)

    assert refused.value.rule == "H8"
    assert "appraisal_attendee" not in case.handlers
