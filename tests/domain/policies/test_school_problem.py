"""S3, the problem track, and S8, the headquarters penalties that end it."""

from __future__ import annotations

import pytest
from school_support import (
    ADMINISTRATION,
    DEPARTMENT_HEAD,
    GENERAL_MANAGER,
    SUPERVISOR,
    TEACHER,
    approve,
    drain,
    end_of,
    fail_negotiation,
    file,
    later,
    local,
    named,
    notified,
    penalties,
    problem_agreed,
    run,
    state,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

OFFER = c.ProposeResolution(text="refund two lessons", compensation_fen=50_000)
CARRY_OUT = c.Resolve(outcome="refund paid; the teacher apologised")


def test_S3_intake_calls_administration_and_the_campus_supervisor_to_meet_the_complainant() -> None:
    received = local(2026, 3, 4, 15)  # a Wednesday
    case = file("problem", at=received)

    assert notified(drain(case), "S3") == {"administration", "campus_supervisor"}
    final_plan = case.deadlines["final_plan"]
    assert final_plan.rule == "S3"
    assert final_plan.due_at == end_of(2026, 3, 11)  # 5 working days of receipt


def test_S3_the_final_plan_is_due_5_working_days_from_receipt_even_if_classified_later() -> None:
    received = local(2026, 3, 4, 15)
    case = file(None, at=received)
    run(case, c.Classify(category="problem", reason="wants a refund"), at=local(2026, 3, 5, 9))
    assert case.deadlines["final_plan"].due_at == end_of(2026, 3, 11)


def test_S3_the_meeting_starts_the_24_hour_proposal_clock_once() -> None:
    case = file("problem")
    assert "proposal" not in case.deadlines

    run(case, c.Acknowledge(), SUPERVISOR, later(5))
    run(case, c.Acknowledge(), ADMINISTRATION, later(8))

    proposal = case.deadlines["proposal"]
    assert proposal.due_at == later(5 + 24)
    assert proposal.roles == ("administration", "department_head")


def test_S3_the_proposal_and_compensation_go_to_the_general_manager() -> None:
    case = file("problem")
    run(case, c.Acknowledge())
    drain(case)

    run(case, OFFER, DEPARTMENT_HEAD, later(20))

    assert state(case, "proposal") == "met"
    assert notified(drain(case), "S3") == {"general_manager"}
    assert case.proposals[-1]["compensation_fen"] == 50_000


def test_S3_a_proposal_later_than_24_hours_after_the_meeting_is_missed() -> None:
    case = file("problem")
    run(case, c.Acknowledge())
    run(case, OFFER, at=later(25))
    assert state(case, "proposal") == "missed"


def test_S3_an_agreed_final_plan_goes_to_the_general_manager_without_ending_the_case() -> None:
    case = file("problem")
    run(case, OFFER)
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="agreed"), at=later(days=2))

    assert case.status == "open"
    assert state(case, "final_plan") == "met"
    assert notified(drain(case), "S3") == {"general_manager"}


def test_S3_only_the_general_manager_approves_the_final_plan() -> None:
    case = problem_agreed()
    decision = c.RecordOutcome(authority="general_manager", target="final_plan", opinion="approved")
    for actor in (ADMINISTRATION, SUPERVISOR, DEPARTMENT_HEAD):
        with pytest.raises(Refused) as refused:
            run(case, decision, actor)
        assert refused.value.rule == "S3"
    assert "execution" not in case.deadlines


def test_S3_the_general_manager_approves_only_a_plan_agreed_with_the_complainant() -> None:
    case = file("problem")
    run(case, OFFER)
    with pytest.raises(Refused) as refused:
        approve(case)
    assert refused.value.rule == "S3"

    fail_negotiation(case)
    with pytest.raises(Refused):
        approve(case)


def test_S3_approval_gives_2_working_days_to_carry_the_plan_out() -> None:
    case = problem_agreed()
    drain(case)

    approve(case, at=local(2026, 3, 6, 10))  # a Friday

    execution = case.deadlines["execution"]
    assert (execution.rule, execution.due_at) == ("S3", end_of(2026, 3, 10))
    assert notified(drain(case), "S3") == {"administration", "department_head"}


def test_S3_a_plan_not_approved_goes_back_for_negotiation() -> None:
    case = problem_agreed()
    drain(case)

    approve(case, opinion="rejected: the refund is too high")

    assert "execution" not in case.deadlines
    (again,) = named(drain(case), "RolesNotified")
    assert "negotiate again" in again.reason
    run(case, c.RecordResponse(accepted=True, text="agreed to one lesson"))
    approve(case)
    assert "execution" in case.deadlines


def test_S3_the_plan_is_carried_out_only_after_approval() -> None:
    case = problem_agreed()
    with pytest.raises(Refused) as refused:
        run(case, CARRY_OUT)
    assert refused.value.rule == "S3"


def test_S3_carrying_the_plan_out_reports_results_and_penalties_to_the_general_manager() -> None:
    case = problem_agreed()
    approve(case)
    drain(case)

    run(case, CARRY_OUT, at=later(days=1))

    events = drain(case)
    assert case.status == "resolved"
    assert state(case, "execution") == "met"
    assert "general_manager" in notified(events, "S3")
    assert named(events, "PenaltyAssessed")


def test_S3_carrying_the_plan_out_cancels_a_proposal_step_never_delivered() -> None:
    """A meeting after the plan was agreed starts the proposal clock; no proposal follows."""
    case = file("problem")
    run(case, OFFER)
    run(case, c.RecordResponse(accepted=True, text="agreed on the phone"))
    approve(case)
    run(case, c.Acknowledge(), SUPERVISOR, later(1))
    drain(case)

    run(case, CARRY_OUT, at=later(2))

    assert state(case, "execution") == "met"
    assert state(case, "proposal") == "cancelled"
    (cancelled,) = named(drain(case), "DeadlineCancelled")
    assert (cancelled.reason, cancelled.rule) == ("the final plan was carried out", "S3")


def test_S8_the_person_complained_about_and_the_direct_superior_lose_this_months_performance() -> (
    None
):
    case = problem_agreed(compensation_fen=0)
    approve(case)
    run(case, CARRY_OUT)

    zero = {(p["person"], p["target_role"], p["performance"]) for p in penalties(case, "S8")}
    assert zero == {
        (TEACHER.person, "department_staff", "zero performance this month"),
        (DEPARTMENT_HEAD.person, "department_head", "zero management performance this month"),
    }
    assert all(p["amount_fen"] == 0 for p in penalties(case, "S8"))


def test_S8_the_economic_loss_is_borne_by_the_person_responsible() -> None:
    case = problem_agreed(compensation_fen=80_000)
    approve(case)
    run(case, CARRY_OUT)

    (loss,) = [p for p in penalties(case, "S8") if p["amount_fen"]]
    assert (loss["person"], loss["amount_fen"]) == (TEACHER.person, 80_000)


def test_S8_a_case_reopened_and_carried_out_again_is_not_penalised_twice() -> None:
    case = problem_agreed()
    approve(case)
    run(case, CARRY_OUT)
    run(case, c.Close(reason="feedback given"))
    count = len(penalties(case, "S8"))

    run(case, c.Reopen(reason="the refund did not arrive"), at=later(days=3))
    run(case, CARRY_OUT, at=later(days=4))

    assert len(penalties(case, "S8")) == count == 3


def test_S8_penalties_are_for_problem_complaints_only() -> None:
    case = file("malicious")
    run(case, c.ProposeResolution(text="no refund"), DEPARTMENT_HEAD)
    run(case, c.RecordOutcome("administration", "final_resolution", "apology only"))
    run(case, c.Resolve(outcome="result reported"))
    assert not case.penalties


def test_S3_scenario_problem_from_the_hotline_to_feedback() -> None:
    received = local(2026, 3, 2, 10)
    case = file("problem", at=received, channel="hotline", site="Nanming campus")
    run(case, c.Assign(person=TEACHER.person, slot="responsible"), at=received)
    run(case, c.Assign(person=DEPARTMENT_HEAD.person, slot="superior"), at=received)
    run(case, c.Acknowledge(), SUPERVISOR, local(2026, 3, 2, 15))
    run(
        case, c.AddNote(text="apologised; she wants two lessons refunded"), at=local(2026, 3, 2, 15)
    )
    run(case, OFFER, DEPARTMENT_HEAD, local(2026, 3, 3, 11))
    run(case, c.RecordResponse(accepted=True, text="accepts the refund"), at=local(2026, 3, 5, 9))
    approve(case, at=local(2026, 3, 5, 14))
    run(case, CARRY_OUT, DEPARTMENT_HEAD, local(2026, 3, 6, 17))
    run(
        case,
        c.Close(reason="told the parent; she is satisfied", satisfaction=4),
        at=local(2026, 3, 9, 9),
    )

    events = drain(case)
    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "final_plan": "met",
        "proposal": "met",
        "execution": "met",
    }
    reports = [n for n in named(events, "RolesNotified") if n.roles == ["general_manager"]]
    assert [n.rule for n in reports] == ["S3", "S3", "S3"]
    assert {p["performance"] for p in penalties(case, "S8")} >= {"zero performance this month"}
    assert GENERAL_MANAGER.person in {e.by for e in named(events, "OutcomeRecorded")}
