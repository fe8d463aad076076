"""S10, the campus process: receive, investigate the day received, pass the receipt form on with
the handling period reception chose, answer within it, then carry out, follow up, close."""

from __future__ import annotations

from datetime import datetime

import pytest
from school_support import (
    ATTENDANCE_SUGGESTION,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    RECEPTION,
    SAFETY_COMPLAINT,
    SOLUTION,
    SUPERVISOR,
    WATCHER,
    campus_passed_on,
    drain,
    end_of,
    file,
    followed_up,
    investigated,
    later,
    local,
    named,
    notified,
    pass_on,
    run,
    state,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import Refused

pytestmark = pytest.mark.domain

FEEDBACK = c.Resolve(outcome="told the parent: the heater is replaced on Thursday")


SATURDAY = local(2026, 3, 7, 10)  # campuses are busiest at weekends


def campus_file(category: str = FACILITIES_COMPLAINT, at: datetime = SATURDAY) -> Complaint:
    return file(category, at=at, by=RECEPTION, channel="phone", site="Nanming campus")


def test_S10_a_campus_complaint_starts_the_receipt_form_and_same_day_investigation() -> None:
    case = campus_file()

    form, investigation = case.deadlines["receipt_form"], case.deadlines["investigation"]
    # Campus days are calendar days: the school is open at weekends.
    assert (form.rule, form.roles, form.due_at) == (
        "S11",
        ("campus_reception",),
        end_of(2026, 3, 9),
    )
    assert (investigation.rule, investigation.due_at) == ("S10", end_of(2026, 3, 7))
    assert "handling" not in case.deadlines  # its period is chosen when the form is passed on


def test_S10_the_same_day_investigation_counts_from_receipt_not_from_passing_on() -> None:
    case = campus_file()
    run(case, pass_on(), RECEPTION, local(2026, 3, 8, 9))  # the form, the next day

    assert case.deadlines["investigation"].due_at == end_of(2026, 3, 7)
    photo = c.AttachEvidence(description="photo of the heater", reference="img")
    run(case, photo, DEPARTMENT_HEAD, local(2026, 3, 8, 10))
    assert state(case, "investigation") == "missed"


@pytest.mark.parametrize("days", [1, 3, 7])
def test_S10_the_handling_period_is_the_1_3_or_7_days_reception_chose(days: int) -> None:
    case = campus_file()

    run(case, pass_on(days), RECEPTION, local(2026, 3, 7, 11))

    handling = case.deadlines["handling"]
    assert (handling.rule, handling.roles) == ("S10", ("department_head", "coordinator"))
    assert handling.due_at == end_of(2026, 3, 7 + days)


@pytest.mark.parametrize(("category", "days"), [(SAFETY_COMPLAINT, 7), (ATTENDANCE_SUGGESTION, 1)])
def test_S10_the_handling_period_is_chosen_not_inferred_from_the_category(
    category: str, days: int
) -> None:
    case = campus_file(category)
    run(case, pass_on(days), RECEPTION, SATURDAY)
    assert case.deadlines["handling"].due_at == end_of(2026, 3, 7 + days)


@pytest.mark.parametrize("days", [None, 0, 2, 5, 14])
def test_S10_the_receipt_form_is_passed_on_only_with_a_period_of_1_3_or_7_days(
    days: int | None,
) -> None:
    case = campus_file()
    with pytest.raises(Refused) as refused:
        run(case, pass_on(days), RECEPTION)
    assert refused.value.rule == "S10"
    assert state(case, "receipt_form") == "open"
    assert "handling" not in case.deadlines


def test_S10_only_the_receiving_role_chooses_the_handling_period() -> None:
    case = campus_file()
    run(case, c.MissDeadline("receipt_form"), WATCHER, local(2026, 3, 10, 0, 1))

    with pytest.raises(Refused) as refused:
        run(case, pass_on(3), DEPARTMENT_HEAD, local(2026, 3, 10, 9))
    assert refused.value.rule == "S10"

    run(case, pass_on(3), RECEPTION, local(2026, 3, 10, 9))
    assert case.deadlines["handling"].due_at == end_of(2026, 3, 13)


def test_S10_a_handling_period_belongs_to_a_campus_receipt_form_only() -> None:
    suggestion = file("suggestion")
    with pytest.raises(Refused) as refused:
        run(suggestion, pass_on(3))
    assert refused.value.rule == "S10"
    campus = campus_file()
    with pytest.raises(Refused):
        run(campus, c.Assign(person=SUPERVISOR.person, slot="handler", handling_days=3), RECEPTION)


def test_S10_passing_the_form_on_again_keeps_the_period_first_chosen() -> None:
    case = campus_passed_on(days=3)
    due = case.deadlines["handling"].due_at
    run(case, pass_on(None), RECEPTION, later(2))
    with pytest.raises(Refused):
        run(case, pass_on(7), RECEPTION, later(3))
    assert case.deadlines["handling"].due_at == due


def test_S10_an_answer_given_directly_ends_without_a_receipt_form_or_follow_up() -> None:
    case = campus_file()
    run(case, c.AddNote(text="reception log: heater switched back on"), RECEPTION)

    run(case, c.Resolve(outcome="answered at the desk"), RECEPTION, local(2026, 3, 7, 11))
    run(case, c.Close(reason="parent content"), RECEPTION, local(2026, 3, 7, 11))

    assert case.status == "closed"
    # Answered at the desk, so no investigation was wanted: it was not done, not met.
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "receipt_form": "met",
        "investigation": "cancelled",
    }


def test_S10_passing_the_receipt_form_on_tells_the_department_its_period() -> None:
    case = campus_file()
    drain(case)

    run(case, pass_on(1), RECEPTION, local(2026, 3, 8, 9))

    assert state(case, "receipt_form") == "met"
    told = [n for n in named(drain(case), "RolesNotified") if n.rule == "S10"]
    assert [(n.roles, "1 day" in n.reason) for n in told] == [
        (["department_head", "coordinator"], True)
    ]


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


def test_S10_the_solution_is_carried_out_after_the_feedback_and_recorded_once() -> None:
    """⑤ 实施解决 is a fact of its own, after ④ 客户反馈."""
    case = campus_passed_on()
    investigated(case)
    with pytest.raises(Refused) as refused:
        run(case, SOLUTION, DEPARTMENT_HEAD)
    assert refused.value.rule == "S10"

    run(case, FEEDBACK, DEPARTMENT_HEAD)
    run(case, SOLUTION, DEPARTMENT_HEAD, later(days=1))
    assert [o["target"] for o in case.outcomes] == ["solution"]
    with pytest.raises(Refused):
        run(case, SOLUTION, DEPARTMENT_HEAD, later(days=1))


def test_S10_the_follow_up_visit_comes_after_the_solution_is_carried_out() -> None:
    case = campus_passed_on()
    investigated(case)
    visit = c.RecordSatisfaction(score=4, stage="follow-up")
    with pytest.raises(Refused) as refused:
        run(case, visit, RECEPTION)
    assert refused.value.rule == "S10"

    run(case, FEEDBACK, DEPARTMENT_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, visit, RECEPTION)  # ⑥ before ⑤
    assert refused.value.rule == "S10"

    run(case, SOLUTION, DEPARTMENT_HEAD, later(days=2))
    run(case, visit, RECEPTION, later(days=3))
    assert case.satisfaction[-1]["stage"] == "follow-up"


@pytest.mark.parametrize("score", [0, 6, 10])
def test_S10_a_satisfaction_score_is_1_to_5(score: int) -> None:
    case = campus_passed_on()
    run(case, FEEDBACK, DEPARTMENT_HEAD)
    run(case, SOLUTION, DEPARTMENT_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, c.RecordSatisfaction(score=score, stage="follow-up"), RECEPTION)
    assert refused.value.rule == "S10"
    assert not case.satisfaction


def test_S10_only_reception_making_the_follow_up_visit_records_a_score() -> None:
    case = campus_passed_on()
    run(case, FEEDBACK, DEPARTMENT_HEAD)
    run(case, SOLUTION, DEPARTMENT_HEAD)
    for actor in (SUPERVISOR, DEPARTMENT_HEAD):
        with pytest.raises(Refused) as refused:
            run(case, c.RecordSatisfaction(score=4, stage="follow-up"), actor)
        assert refused.value.rule == "S10"
    with pytest.raises(Refused):
        run(case, c.RecordSatisfaction(score=4, stage="closure"), RECEPTION)

    run(case, c.RecordSatisfaction(score=4, stage="follow-up"), RECEPTION)
    assert [(s["score"], s["stage"]) for s in case.satisfaction] == [(4, "follow-up")]


def test_S10_a_score_given_at_closing_is_the_follow_up_roles_too() -> None:
    case = campus_passed_on()
    run(case, FEEDBACK, DEPARTMENT_HEAD)
    followed_up(case)
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="done", satisfaction=5), SUPERVISOR)
    assert refused.value.rule == "S10"
    with pytest.raises(Refused):
        run(case, c.Close(reason="done", satisfaction=9), RECEPTION)
    run(case, c.Close(reason="done", satisfaction=5), RECEPTION)
    assert case.status == "closed"


def test_S10_a_forwarded_case_closes_only_after_the_solution_and_the_follow_up_visit() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="done"), SUPERVISOR)
    assert refused.value.rule == "S10"
    run(case, SOLUTION, DEPARTMENT_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="done"), SUPERVISOR)
    assert refused.value.rule == "S10"


def test_S10_a_campus_case_is_answered_before_it_closes() -> None:
    case = campus_file()
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="parent left"), RECEPTION)
    assert refused.value.rule == "S10"


def test_S10_C4_a_parent_accepting_the_answer_cancels_what_was_not_done() -> None:
    """C4 on a campus: the complainant accepts; steps still waiting end cancelled, never met."""
    case = campus_passed_on()
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="fine by me"), DEPARTMENT_HEAD, later(3))

    events = drain(case)
    assert case.status == "resolved"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "receipt_form": "met",
        "investigation": "cancelled",
        "handling": "cancelled",
    }
    assert not named(events, "DeadlineMet")
    assert not case.penalties


def test_S10_scenario_receipt_form_to_follow_up_feedback() -> None:
    case = campus_file()
    run(
        case,
        c.AttachEvidence(description="heating log", reference="log-7"),
        RECEPTION,
        local(2026, 3, 7, 10, 30),
    )
    run(case, pass_on(3), RECEPTION, local(2026, 3, 7, 11))  # the receipt form
    run(
        case,
        c.AttachEvidence(description="photo", reference="img-7"),
        DEPARTMENT_HEAD,
        local(2026, 3, 7, 15),
    )
    run(case, FEEDBACK, DEPARTMENT_HEAD, local(2026, 3, 9, 10))  # ④
    run(case, SOLUTION, DEPARTMENT_HEAD, local(2026, 3, 12, 10))  # ⑤
    visit = c.RecordSatisfaction(score=5, stage="follow-up")
    run(case, visit, RECEPTION, local(2026, 3, 14, 10))  # ⑥
    run(
        case,
        c.Close(reason="follow-up feedback: warm classroom"),
        SUPERVISOR,
        local(2026, 3, 14, 10),
    )  # ⑦

    events = drain(case)
    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "receipt_form": "met",
        "investigation": "met",
        "handling": "met",
        "follow-up": "met",  # ⑥: the visit, due 3 working days after the solution
    }
    assert not case.penalties
    steps = [
        type(e).__name__
        for e in events
        if type(e).__name__ in {"Resolved", "OutcomeRecorded", "SatisfactionRecorded", "Closed"}
    ]
    assert steps == ["Resolved", "OutcomeRecorded", "SatisfactionRecorded", "Closed"]
    assert named(events, "OutcomeRecorded")[0].target == "solution"
    assert [e.stage for e in named(events, "SatisfactionRecorded")] == ["follow-up"]
