"""S4, the malicious track, and S5, a failed problem negotiation turning malicious."""

from __future__ import annotations

import pytest
from school_support import (
    ADMINISTRATION,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    GENERAL_MANAGER,
    SUPERVISOR,
    drain,
    end_of,
    fail_negotiation,
    file,
    form_resolution,
    later,
    local,
    named,
    notified,
    penalties,
    run,
    state,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

OPINION = c.ProposeResolution(text="no refund: the lessons were given as booked")
TURN = c.Classify(category="malicious", reason="threatens to post lies unless paid 10,000 yuan")


def test_S4_intake_starts_the_24_hour_opinion_and_the_5_working_day_resolution() -> None:
    received = local(2026, 3, 4, 15)
    case = file("malicious", at=received)

    assert notified(drain(case), "S4") == {"administration", "department_head"}
    assert case.deadlines["opinion"].due_at == local(2026, 3, 5, 15)
    assert case.deadlines["final_resolution"].due_at == end_of(2026, 3, 11)
    assert {case.deadlines[d].rule for d in ("opinion", "final_resolution")} == {"S4"}


def test_S4_the_opinion_goes_to_the_general_manager_within_24_hours() -> None:
    case = file("malicious")
    run(case, c.Acknowledge(), at=later(1))  # admin meets the complainant first
    drain(case)

    run(case, OPINION, DEPARTMENT_HEAD, later(20))

    assert state(case, "opinion") == "met"
    assert notified(drain(case), "S4") == {"general_manager"}


def test_S4_a_late_opinion_is_missed_and_the_general_manager_told() -> None:
    case = file("malicious")
    drain(case)
    run(case, OPINION, DEPARTMENT_HEAD, later(30))
    assert state(case, "opinion") == "missed"
    assert "general_manager" in notified(drain(case), "S4")


def test_S4_the_final_resolution_gives_2_working_days_to_report_the_result() -> None:
    case = file("malicious")
    run(case, OPINION)
    drain(case)

    form_resolution(case, at=local(2026, 3, 6, 18))  # after the home visit, a Friday

    assert state(case, "final_resolution") == "met"
    assert case.deadlines["result_report"].due_at == end_of(2026, 3, 10)
    assert "department_head" in notified(drain(case), "S4")


def test_S4_administration_and_the_department_head_form_the_final_resolution() -> None:
    case = file("malicious")
    outcome = c.RecordOutcome("administration", "final_resolution", "apology only")
    for actor in (SUPERVISOR, GENERAL_MANAGER):
        with pytest.raises(Refused) as refused:
            run(case, outcome, actor)
        assert refused.value.rule == "S4"
    run(case, outcome, DEPARTMENT_HEAD)
    assert "result_report" in case.deadlines


def test_S4_a_final_resolution_exists_only_on_the_malicious_track() -> None:
    case = file("problem")
    with pytest.raises(Refused) as refused:
        form_resolution(case)
    assert refused.value.rule == "S4"


def test_S4_the_result_and_plan_go_to_the_general_manager_after_the_resolution() -> None:
    case = file("malicious")
    with pytest.raises(Refused) as refused:
        run(case, c.Resolve(outcome="reported"))
    assert refused.value.rule == "S4"

    form_resolution(case)
    drain(case)
    run(case, c.Resolve(outcome="result and response plan sent"), at=later(days=1))

    assert state(case, "result_report") == "met"
    assert notified(drain(case), "S4") == {"general_manager"}


def test_S4_understanding_reached_ends_handling_at_any_step() -> None:
    """C4 on the malicious track: the complainant accepts, the general manager hears of it."""
    case = file("malicious")
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="withdraws the demand"), at=later(2))

    assert case.status == "resolved"
    assert notified(drain(case), "S4") == {"general_manager"}


def test_S4_C4_acceptance_cancels_the_opinion_and_final_resolution_never_meets_them() -> None:
    """Neither the opinion nor the final resolution was given: accepting is not doing them."""
    case = file("malicious")
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="withdraws the demand"), at=later(2))

    events = drain(case)
    assert not named(events, "DeadlineMet")
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "opinion": "cancelled",
        "final_resolution": "cancelled",
    }
    cancelled = {(e.deadline_id, e.reason, e.rule) for e in named(events, "DeadlineCancelled")}
    assert cancelled == {
        ("opinion", "complainant accepted", "C4"),
        ("final_resolution", "complainant accepted", "C4"),
    }


def test_S4_C4_a_step_already_late_when_the_complainant_accepts_is_missed() -> None:
    case = file("malicious")
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="withdraws the demand"), at=later(30))

    assert state(case, "opinion") == "missed"
    assert state(case, "final_resolution") == "cancelled"
    assert "general_manager" in notified(drain(case), "S4")


def test_S5_a_failed_negotiation_turns_a_problem_malicious_with_its_reason() -> None:
    case = file("problem")
    run(case, c.Acknowledge())
    fail_negotiation(case, at=later(5))
    drain(case)

    run(case, TURN, at=later(6))

    events = drain(case)
    (classified,) = named(events, "Classified")
    assert (classified.category, classified.rule) == ("malicious", "S5")
    assert classified.reason == TURN.reason
    assert case.category == "malicious"
    # The malicious track's clocks start now.
    assert case.deadlines["opinion"].due_at == later(6 + 24)
    assert case.deadlines["opinion"].state == "open"


def test_S5_the_reclassification_cancels_the_final_plan_it_never_met() -> None:
    """The negotiation failed, so no final plan was agreed, nor a proposal made."""
    case = file("problem")
    run(case, c.Acknowledge())
    fail_negotiation(case, at=later(5))
    drain(case)

    run(case, TURN, at=later(6))

    events = drain(case)
    assert not named(events, "DeadlineMet")
    assert (state(case, "final_plan"), state(case, "proposal")) == ("cancelled", "cancelled")
    cancelled = {(e.deadline_id, e.reason, e.rule) for e in named(events, "DeadlineCancelled")}
    assert cancelled == {
        ("final_plan", "reclassified as malicious", "S5"),
        ("proposal", "reclassified as malicious", "S5"),
    }


def test_S5_a_failed_negotiation_tells_administration_it_may_reclassify() -> None:
    case = file("problem")
    drain(case)
    fail_negotiation(case)
    assert notified(drain(case), "S5") == {"administration"}


@pytest.mark.parametrize("responses", [(), (False, True)])
def test_S5_without_a_failed_negotiation_a_problem_stays_a_problem(
    responses: tuple[bool, ...],
) -> None:
    case = file("problem")
    for accepted in responses:
        run(case, c.RecordResponse(accepted=accepted))
    with pytest.raises(Refused) as refused:
        run(case, TURN)
    assert refused.value.rule == "S5"
    assert case.category == "problem"


def test_S5_the_reclassification_must_give_its_reason() -> None:
    case = file("problem")
    fail_negotiation(case)
    with pytest.raises(Refused) as refused:
        run(case, c.Classify(category="malicious", reason="  "))
    assert refused.value.rule == "S5"


def test_S5_administration_or_the_general_manager_reclassifies() -> None:
    case = file("problem")
    fail_negotiation(case)
    with pytest.raises(Refused) as refused:
        run(case, TURN, DEPARTMENT_HEAD)
    assert refused.value.rule == "S5"
    run(case, TURN, GENERAL_MANAGER)
    assert case.category == "malicious"


@pytest.mark.parametrize(
    ("start", "to"),
    [
        ("suggestion", "problem"),
        ("suggestion", "malicious"),
        ("malicious", "problem"),
        ("problem", "suggestion"),
        ("problem", FACILITIES_COMPLAINT),
        (FACILITIES_COMPLAINT, "malicious"),
    ],
)
def test_S5_no_other_change_of_track_is_allowed(start: str, to: str) -> None:
    case = file(start)
    fail_negotiation(case)
    with pytest.raises(Refused) as refused:
        run(case, c.Classify(category=to, reason="changed our mind"))
    assert refused.value.rule == "S5"
    assert case.category == start


def test_S4_scenario_malicious_from_intake_to_the_result_report() -> None:
    received = local(2026, 3, 2, 10)
    case = file("malicious", at=received, channel="visit")
    run(case, c.Acknowledge(), at=local(2026, 3, 2, 11))
    run(
        case,
        c.AddNote(text="approvals take time; we keep in touch daily"),
        at=local(2026, 3, 2, 11),
    )
    run(case, OPINION, DEPARTMENT_HEAD, local(2026, 3, 3, 9))
    run(case, c.AddNote(text="home visit: explained the facts"), at=local(2026, 3, 5, 18))
    form_resolution(case, at=local(2026, 3, 5, 19))
    run(case, c.Resolve(outcome="result and plan sent"), at=local(2026, 3, 6, 10))
    run(case, c.Close(reason="told the parent of the final decision"), at=local(2026, 3, 6, 11))

    events = drain(case)
    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "opinion": "met",
        "final_resolution": "met",
        "result_report": "met",
    }
    to_gm = [n.rule for n in named(events, "RolesNotified") if n.roles == ["general_manager"]]
    assert to_gm == ["S4", "S4"]
    assert not penalties(case, "S8")


def test_S5_scenario_problem_fails_negotiation_and_ends_as_malicious() -> None:
    case = file("problem", at=local(2026, 3, 2, 10))
    run(case, c.Acknowledge(), SUPERVISOR, local(2026, 3, 2, 14))
    run(
        case,
        c.ProposeResolution(text="refund one lesson", compensation_fen=20_000),
        at=local(2026, 3, 3, 9),
    )
    fail_negotiation(case, at=local(2026, 3, 4, 9))
    run(case, TURN, ADMINISTRATION, local(2026, 3, 4, 10))
    run(case, OPINION, DEPARTMENT_HEAD, local(2026, 3, 4, 16))
    form_resolution(case, at=local(2026, 3, 9, 17))
    run(case, c.Resolve(outcome="result and plan sent"), at=local(2026, 3, 10, 10))
    run(case, c.Close(reason="parent informed"), at=local(2026, 3, 10, 11))

    events = drain(case)
    assert [e.category for e in named(events, "Classified")] == ["problem", "malicious"]
    assert case.status == "closed"
    assert {d: h.state for d, h in case.deadlines.items()} == {
        "final_plan": "cancelled",  # S5: never agreed
        "proposal": "met",
        "opinion": "met",
        "final_resolution": "met",
        "result_report": "met",
    }
    assert not case.penalties  # S8 is for problem complaints; this one proved malicious
