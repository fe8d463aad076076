"""S10, the campus process: receive, investigate the same day, handle in 1/3/7 days, follow up."""

from __future__ import annotations

from datetime import datetime

import pytest
from school_support import (
    ATTENDANCE_SUGGESTION,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    RECEPTION,
    SAFETY_COMPLAINT,
    SUPERVISOR,
    campus_passed_on,
    drain,
    end_of,
    file,
    investigated,
    later,
    local,
    named,
    notified,
    run,
    state,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import Refused

pytestmark = pytest.mark.domain

PASS_ON = c.Assign(person=DEPARTMENT_HEAD.person, slot="department")
FEEDBACK = c.Resolve(outcome="told the parent: the heater is replaced on Thursday")


SATURDAY = local(2026, 3, 7, 10)  # campuses are busiest at weekends


def campus_file(category: str = FACILITIES_COMPLAINT, at: datetime = SATURDAY) -> Complaint:
    return file(category, at=at, by=RECEPTION, channel="phone", site="Nanming campus")


def test_S10_a_campus_complaint_starts_the_receipt_form_and_handling_clocks() -> None:
    case = campus_file()

    form, handling = case.deadlines["receipt_form"], case.deadlines["handling"]
    # Campus days are calendar days: the school is open at weekends.
    assert (form.rule, form.roles, form.due_at) == (
        "S11",
        ("campus_reception",),
        end_of(2026, 3, 9),
    )
    assert (handling.rule, handling.due_at) == ("S10", end_of(2026, 3, 10))


@pytest.mark.parametrize(
    ("category", "days"),
    [
        (SAFETY_COMPLAINT, 1),
        (FACILITIES_COMPLAINT, 3),
        ("campus/teaching/quality/complaint", 3),
        (ATTENDANCE_SUGGESTION, 7),
        ("campus/service/safety/suggestion", 7),
    ],
)
def test_S10_the_handling_period_is_1_3_or_7_days_by_urgency(category: str, days: int) -> None:
    case = campus_file(category)
    assert case.deadlines["handling"].due_at == end_of(2026, 3, 7 + days)


def test_S10_an_answer_given_directly_ends_without_a_receipt_form_or_follow_up() -> None:
    case = campus_file()
    run(case, c.AddNote(text="reception log: heater switched back on"), RECEPTION)

    run(case, c.Resolve(outcome="answered at the desk"), RECEPTION, local(2026, 3, 7, 11))
    run(case, c.Close(reason="parent content"), RECEPTION, local(2026, 3, 7, 11))

    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "receipt_form": "met",
        "handling": "met",
    }


def test_S10_passing_the_receipt_form_on_starts_a_same_day_investigation() -> None:
    case = campus_file()
    drain(case)

    run(case, PASS_ON, RECEPTION, local(2026, 3, 8, 9))

    assert state(case, "receipt_form") == "met"
    investigation = case.deadlines["investigation"]
    assert (investigation.rule, investigation.due_at) == ("S10", end_of(2026, 3, 8))
    assert "department_head" in notified(drain(case), "S10")


def test_S10_the_investigation_is_delivered_by_attaching_its_evidence() -> None:
    case = campus_passed_on()
    with pytest.raises(Refused) as refused:
        run(case, c.MeetDeadline("investigation"), DEPARTMENT_HEAD)
    assert refused.value.rule == "S10"

    for item in ("attendance data", "photo of the classroom", "the broken lamp"):
        run(case, c.AttachEvidence(description=item, reference=item), DEPARTMENT_HEAD, later(6))

    assert state(case, "investigation") == "met"
    assert len(case.evidence) == 3


def test_S10_an_investigation_attached_after_the_day_is_missed() -> None:
    case = campus_passed_on()
    drain(case)
    run(case, c.AttachEvidence(description="photo", reference="img"), DEPARTMENT_HEAD, later(16))
    assert state(case, "investigation") == "missed"
    assert "campus_supervisor" in notified(drain(case), "S10")


def test_S10_a_step_is_met_by_its_work_not_by_a_bare_deadline_report() -> None:
    fresh, passed_on = campus_file(), campus_passed_on()
    steps = ((fresh, "receipt_form"), (passed_on, "handling"), (passed_on, "investigation"))
    for case, step in steps:
        with pytest.raises(Refused):
            run(case, c.MeetDeadline(step), DEPARTMENT_HEAD)
        assert state(case, step) == "open"


def test_S10_feedback_within_the_handling_period_meets_it() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=2))
    assert case.status == "resolved"
    assert state(case, "handling") == "met"
    assert not case.penalties


def test_S10_the_follow_up_visit_comes_after_the_feedback() -> None:
    case = campus_passed_on()
    investigated(case)
    with pytest.raises(Refused) as refused:
        run(case, c.RecordSatisfaction(score=3, stage="follow-up"), SUPERVISOR)
    assert refused.value.rule == "S10"

    run(case, FEEDBACK, DEPARTMENT_HEAD)
    run(case, c.RecordSatisfaction(score=4, stage="follow-up"), SUPERVISOR, later(days=3))
    assert case.satisfaction[-1]["stage"] == "follow-up"


def test_S10_a_forwarded_case_closes_only_after_the_follow_up_visit() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="done", satisfaction=5), SUPERVISOR)
    assert refused.value.rule == "S10"


def test_S10_a_campus_case_is_answered_before_it_closes() -> None:
    case = campus_file()
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="parent left"), RECEPTION)
    assert refused.value.rule == "S10"


def test_S10_a_parent_accepting_the_answer_ends_handling() -> None:
    """C4 on a campus: the complainant accepts and the clocks are settled."""
    case = campus_passed_on()
    run(case, c.RecordResponse(accepted=True, text="fine by me"), DEPARTMENT_HEAD, later(3))
    assert case.status == "resolved"
    assert {h.state for h in case.deadlines.values()} == {"met"}


def test_S10_scenario_receipt_form_to_follow_up_feedback() -> None:
    case = campus_file()
    run(case, PASS_ON, RECEPTION, local(2026, 3, 7, 11))  # the receipt form
    run(
        case,
        c.AttachEvidence(description="heating log", reference="log-7"),
        DEPARTMENT_HEAD,
        local(2026, 3, 7, 15),
    )
    run(
        case,
        c.AttachEvidence(description="photo", reference="img-7"),
        DEPARTMENT_HEAD,
        local(2026, 3, 7, 15),
    )
    run(case, FEEDBACK, DEPARTMENT_HEAD, local(2026, 3, 9, 10))
    run(case, c.AddNote(text="heater replaced"), DEPARTMENT_HEAD, local(2026, 3, 12, 10))
    run(case, c.RecordSatisfaction(score=5, stage="follow-up"), SUPERVISOR, local(2026, 3, 14, 10))
    run(
        case,
        c.Close(reason="follow-up feedback: warm classroom"),
        SUPERVISOR,
        local(2026, 3, 14, 10),
    )

    events = drain(case)
    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "receipt_form": "met",
        "handling": "met",
        "investigation": "met",
    }
    assert not case.penalties
    assert type(events[-1]).__name__ == "Closed"
    assert [e.stage for e in named(events, "SatisfactionRecorded")] == ["follow-up"]
