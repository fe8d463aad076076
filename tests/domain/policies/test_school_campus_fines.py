"""S11, the campus fines: a late receipt form, an unanswered complaint, the same fault again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from school_support import (
    ATTENDANCE_SUGGESTION,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    RECEPTION,
    SUPERVISOR,
    TEACHER,
    campus_passed_on,
    drain,
    file,
    followed_up,
    investigated,
    later,
    miss,
    named,
    notified,
    pass_on,
    penalties,
    run,
    state,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import InvalidTransition, Refused

pytestmark = pytest.mark.domain

PASS_ON = pass_on(3)
FEEDBACK = c.Resolve(outcome="told the parent what was done")


def campus_file(category: str = FACILITIES_COMPLAINT) -> Complaint:
    return file(category, by=RECEPTION, channel="visit", site="Nanming campus")


def handled_and_closed(category: str = FACILITIES_COMPLAINT) -> Complaint:
    case = campus_passed_on(category)
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(5))
    followed_up(case, later(days=1))
    run(case, c.Close(reason="follow-up feedback given"), SUPERVISOR, later(days=1))
    return case


def test_S11_receipt_form_late_fines_100_yuan() -> None:
    case = campus_file()
    drain(case)

    miss(case, "receipt_form", later(days=3))

    (fine,) = penalties(case, "S11")
    assert fine["amount_fen"] == 10_000
    assert fine["performance"] == "deducted from performance pay"
    assert (fine["person"], fine["target_role"]) == (RECEPTION.person, "campus_reception")
    assert "campus_supervisor" in notified(drain(case), "S11")


def test_S11_the_receipt_form_fine_falls_on_whoever_owns_the_case() -> None:
    case = campus_file()
    run(case, c.HandOn(to_person=TEACHER.person, reason="she took the call over"), RECEPTION)
    miss(case, "receipt_form", later(days=3))
    assert [p["person"] for p in penalties(case, "S11")] == [TEACHER.person]


def test_S11_S1_the_owner_of_the_receipt_form_passes_it_on_whatever_their_role() -> None:
    case = campus_file()
    run(case, c.HandOn(to_person=TEACHER.person, reason="she took the call over"), RECEPTION)
    with pytest.raises(Refused) as refused:
        run(case, PASS_ON, DEPARTMENT_HEAD, later(1))  # neither reception nor its owner
    assert refused.value.rule == "S11"

    run(case, PASS_ON, TEACHER, later(1))
    assert state(case, "receipt_form") == "met"


def test_S11_C3_the_department_does_not_answer_a_form_never_passed_on_to_it() -> None:
    case = campus_file()
    with pytest.raises(Refused) as refused:
        run(case, FEEDBACK, DEPARTMENT_HEAD, later(1))
    assert refused.value.rule == "S11"
    assert state(case, "receipt_form") == "open"


def test_S11_a_receipt_form_passed_on_in_time_costs_nothing() -> None:
    case = campus_file()
    run(case, PASS_ON, RECEPTION, later(days=2))  # still within the second day
    assert state(case, "receipt_form") == "met"
    assert not case.penalties


def test_S11_a_receipt_form_passed_on_late_is_fined_once_without_the_watcher() -> None:
    case = campus_file()

    run(case, PASS_ON, RECEPTION, later(days=3))

    assert state(case, "receipt_form") == "missed"
    assert [p["amount_fen"] for p in penalties(case, "S11")] == [10_000]
    with pytest.raises(InvalidTransition):
        miss(case, "receipt_form", later(days=3))
    assert len(penalties(case, "S11")) == 1


def test_S11_unresolved_in_the_handling_period_fines_the_department_head_200_yuan() -> None:
    case = campus_passed_on()
    drain(case)

    miss(case, "handling", later(days=4))

    (fine,) = penalties(case, "S11")
    assert fine["amount_fen"] == 20_000
    assert fine["performance"] == "zero performance this month"
    assert (fine["person"], fine["target_role"]) == (DEPARTMENT_HEAD.person, "department_head")
    (told,) = named(drain(case), "RolesNotified")
    assert "campus_supervisor" in told.roles


def test_S11_a_late_answer_after_the_watchers_miss_is_not_fined_twice() -> None:
    case = campus_passed_on()
    miss(case, "handling", later(days=4))

    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=5))

    assert [p["amount_fen"] for p in penalties(case, "S11")] == [20_000]


def test_S11_a_late_answer_the_watcher_never_saw_is_fined_once() -> None:
    case = campus_passed_on()
    investigated(case)

    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=5))

    assert state(case, "handling") == "missed"
    assert [p["amount_fen"] for p in penalties(case, "S11")] == [20_000]


def test_S11_an_answer_in_time_costs_nothing() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=3))
    assert not case.penalties


AGAIN = c.Reopen(reason="the heater broke down again", recurrence=True)


def test_S11_the_same_fault_again_after_handling_fines_the_department_head_200_yuan() -> None:
    case = handled_and_closed()
    assert not case.penalties

    run(case, AGAIN, SUPERVISOR, later(days=10))

    (fine,) = penalties(case, "S11")
    assert (fine["person"], fine["amount_fen"]) == (DEPARTMENT_HEAD.person, 20_000)
    assert fine["performance"] == "deducted from performance pay"
    assert "again" in fine["reason"]
    (reopened,) = named(drain(case), "Reopened")
    assert reopened.recurrence is True


def test_S11_a_clerical_reopen_is_no_repeat_and_is_not_fined() -> None:
    """③ fines the same fault committed again; reopening to correct the record is not one."""
    case = handled_and_closed()

    run(case, c.Reopen(reason="closed under the wrong category"), SUPERVISOR, later(days=10))

    assert not penalties(case, "S11")
    assert "handling_2" not in case.deadlines  # no new period whose miss would fine anyone
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=10))
    run(case, c.Close(reason="record corrected"), SUPERVISOR, later(days=10))
    assert case.status == "closed"


def test_S11_a_recurrence_gets_a_new_handling_period_of_the_chosen_length_and_its_own_fine() -> (
    None
):
    case = handled_and_closed()
    run(case, AGAIN, SUPERVISOR, later(days=10))

    # the 3 days reception chose for this fault, from the reopening on Thursday 12 March
    assert case.deadlines["handling_2"].due_at == later(days=13).replace(
        hour=23, minute=59, second=59
    )
    miss(case, "handling_2", later(days=14))

    assert [p["amount_fen"] for p in penalties(case, "S11")] == [20_000, 20_000]


def test_S11_a_recurrence_is_handled_followed_up_and_closed_again() -> None:
    case = handled_and_closed()
    run(case, AGAIN, SUPERVISOR, later(days=10))
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=11))
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="done"), SUPERVISOR, later(days=11))
    assert refused.value.rule == "S10"  # the new round's ⑤ and ⑥ come first
    followed_up(case, later(days=12))
    run(case, c.Close(reason="follow-up feedback given"), SUPERVISOR, later(days=12))
    assert case.status == "closed"
    assert state(case, "handling_2") == "met"


def test_S11_a_suggestion_is_no_fault_and_cannot_recur() -> None:
    case = handled_and_closed(ATTENDANCE_SUGGESTION)
    with pytest.raises(Refused) as refused:
        run(case, c.Reopen(reason="the parent adds a point", recurrence=True), SUPERVISOR)
    assert refused.value.rule == "S11"

    run(case, c.Reopen(reason="the parent adds a point"), SUPERVISOR, later(days=10))
    assert not case.penalties


def test_S11_the_same_fault_again_names_the_department_it_was_passed_on_to() -> None:
    """Answered at the desk, the complaint has no department whose fault could recur."""
    case = campus_file()
    run(case, FEEDBACK, RECEPTION, later(1))
    run(case, c.Close(reason="answered at the desk"), RECEPTION, later(1))

    with pytest.raises(Refused) as refused:
        run(case, AGAIN, SUPERVISOR, later(days=10))
    assert refused.value.rule == "S11"
    assert case.status == "closed"


def test_S11_a_headquarters_case_reopens_without_the_campus_recurrence() -> None:
    case = file("malicious")
    run(case, c.RecordResponse(accepted=True, text="withdraws the demand"))
    run(case, c.Close(reason="told the parent"))
    with pytest.raises(Refused) as refused:
        run(case, c.Reopen(reason="again", recurrence=True), at=later(days=3))
    assert refused.value.rule == "S11"

    run(case, c.Reopen(reason="again"), at=later(days=3))
    assert (case.status, case.penalties) == ("open", [])


def test_S11_a_missed_investigation_is_reported_but_not_fined() -> None:
    case = campus_passed_on()
    drain(case)
    miss(case, "investigation", later(days=1))
    assert not case.penalties
    assert "campus_supervisor" in notified(drain(case), "S10")


def test_S11_scenario_every_fine_the_campus_rules_name() -> None:
    case = campus_file()
    miss(case, "receipt_form", later(days=3))  # ①: 100 yuan for reception
    run(case, PASS_ON, RECEPTION, later(days=3, hours=1))
    miss(case, "handling", later(days=4))  # ②: 200 yuan and zero performance for the head
    investigated(case, later(days=4, hours=1))
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(days=5))
    followed_up(case, later(days=7), score=2)
    run(case, c.Close(reason="follow-up feedback given"), SUPERVISOR, later(days=7))
    run(case, AGAIN, SUPERVISOR, later(days=20))  # ③

    fines = [(p["target_role"], p["person"], p["amount_fen"]) for p in penalties(case, "S11")]
    assert fines == [
        ("campus_reception", RECEPTION.person, 10_000),
        ("department_head", DEPARTMENT_HEAD.person, 20_000),
        ("department_head", DEPARTMENT_HEAD.person, 20_000),
    ]
    assert state(case, "investigation") == "missed"


def test_S10_a_follow_up_visit_forgotten_is_missed_and_the_supervisor_told() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, FEEDBACK, DEPARTMENT_HEAD, later(5))
    solution = c.RecordOutcome(authority="department_head", target="solution", opinion="fixed")
    run(case, solution, DEPARTMENT_HEAD, later(6))
    visit = case.deadlines["follow-up"]
    assert (visit.rule, visit.roles, visit.state) == ("S10", ("campus_reception",), "open")
    drain(case)

    miss(case, "follow-up", visit.due_at + timedelta(minutes=1))

    assert case.deadlines["follow-up"].state == "missed"
    assert "campus_supervisor" in notified(drain(case), "S10")
