"""The ISO 10002 plug-in policy, driven through the core's pure write path (Q1–Q10)."""

from __future__ import annotations

from datetime import datetime, timedelta
from importlib.metadata import entry_points
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from complaints_iso10002.policy import Iso10002Policy

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, DeadlineState
from domain.errors import InvalidTransition, Refused
from domain.handling import execute, file_complaint
from domain.policy import Notify

pytestmark = pytest.mark.domain

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
CALENDAR = WorkingCalendar()
POLICY = Iso10002Policy()

FRONTLINE = c.Actor("front.li", frozenset({"frontline"}))
MANAGER = c.Actor("cm.wang", frozenset({"complaints_manager"}))
INVESTIGATOR = c.Actor("inv.chen", frozenset({"investigator"}))
TOP = c.Actor("ceo.zhao", frozenset({"top_management"}))


def end_of(day: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=SHANGHAI)


def file(
    category: str | None = "service",
    at: datetime = MONDAY,
    policy: Iso10002Policy = POLICY,
) -> Complaint:
    command = c.File(
        received_at=at, channel="email", summary="Invoice charged twice", category=category
    )
    return file_complaint(uuid4(), uuid4(), command, FRONTLINE, policy, at, CALENDAR)


def act(case: Complaint, command: c.Command, actor: c.Actor, at: datetime = MONDAY) -> Complaint:
    return execute(case, command, actor, POLICY, at, CALENDAR)


def notified(case: Complaint, rule: str) -> list[list[str]]:
    return [n["roles"] for n in case.notifications if n["rule"] == rule]


def declined(case: Complaint, at: datetime = MONDAY) -> Complaint:
    return act(case, c.RecordResponse(accepted=False, text="not good enough"), MANAGER, at)


def test_the_package_registers_iso10002_at_1_under_the_core_group() -> None:
    found = {ep.name: ep.load() for ep in entry_points(group="complaints.policies")}
    assert found["iso10002@1"] is Iso10002Policy
    assert POLICY.ref == "iso10002@1"


# --- Q1, Q2: receipt and acknowledgement ------------------------------------------------------


def test_Q1_receipt_tells_the_complaints_manager() -> None:
    assert notified(file(), "Q1") == [["complaints_manager"]]


def test_Q2_acknowledgement_is_due_two_working_days_after_receipt() -> None:
    due = file().deadlines["acknowledgement"]
    assert (due.rule, due.due_at, due.roles) == ("Q2", end_of(4), ("frontline",))


def test_Q2_acknowledgement_counts_the_spring_festival_make_up_saturday() -> None:
    case = file(at=datetime(2026, 2, 13, 9, 0, tzinfo=SHANGHAI))
    # Saturday 14 February is worked, the festival runs to the 23rd: the 24th is day two.
    assert case.deadlines["acknowledgement"].due_at == end_of(24, month=2)


def test_Q2_acknowledging_in_time_meets_the_deadline() -> None:
    case = act(file(), c.Acknowledge(), FRONTLINE, MONDAY + timedelta(days=1))
    assert case.acknowledged_at is not None
    assert case.deadlines["acknowledgement"].state is DeadlineState.MET


def test_Q2_acknowledging_late_records_the_deadline_missed() -> None:
    case = act(file(), c.Acknowledge(), FRONTLINE, MONDAY + timedelta(days=3))
    assert case.deadlines["acknowledgement"].state is DeadlineState.MISSED


def test_Q2_the_acknowledgement_periods_are_configurable_by_subclassing() -> None:
    class NextDay(Iso10002Policy):
        acknowledge_days = 1

    assert file(policy=NextDay()).deadlines["acknowledgement"].due_at == end_of(3)


# --- Q3, Q5: initial assessment and the response clock ----------------------------------------


def test_Q3_an_ordinary_category_stays_with_frontline_and_Q5_gets_twenty_working_days() -> None:
    case = file("billing")
    assert (case.category, case.level, case.rung) == ("billing", 0, "frontline")
    assert case.deadlines["response"].due_at == end_of(30)
    assert case.deadlines["response"].rule == "Q5"


def test_Q3_a_high_priority_category_starts_with_the_complaints_manager() -> None:
    case = file("staff_conduct")
    assert (case.level, case.rung) == (1, "complaints_manager")
    assert case.deadlines["response"].due_at == end_of(16)  # Q5: ten working days


def test_Q3_an_urgent_complaint_is_flagged_and_top_management_told_at_once() -> None:
    case = file("health_and_safety")
    assert "urgent" in case.flags
    assert ["top_management", "complaints_manager"] in notified(case, "Q3")
    assert case.deadlines["response"].due_at == end_of(9)  # Q5: five working days


def test_Q3_an_unknown_category_is_rejected() -> None:
    with pytest.raises(InvalidTransition, match="unknown category"):
        file("weather")


def test_Q3_only_the_complaints_manager_reassesses() -> None:
    with pytest.raises(Refused) as refused:
        act(file(), c.Classify("billing"), FRONTLINE)
    assert refused.value.rule == "Q3"


def test_Q3_reassessment_never_lowers_the_rung_reached() -> None:
    case = act(file("staff_conduct"), c.Classify("billing", "on reflection"), MANAGER)
    assert (case.category, case.level) == ("billing", 1)


def test_Q5_a_complaint_assessed_after_receipt_is_still_timed_from_receipt() -> None:
    case = file(category=None)
    assert "response" not in case.deadlines
    case = act(case, c.Classify("product"), MANAGER, MONDAY + timedelta(days=2))
    assert case.deadlines["response"].due_at == end_of(30)


def test_Q5_reassessment_does_not_restart_the_response_clock() -> None:
    case = act(file("service"), c.Classify("health_and_safety"), MANAGER)
    assert case.deadlines["response"].due_at == end_of(30)
    assert "urgent" in case.flags


# --- Q4: investigation -----------------------------------------------------------------------


def test_Q4_the_complaints_manager_assigns_an_investigator() -> None:
    case = act(file(), c.Assign("inv.chen", "investigator"), MANAGER)
    assert case.handlers["investigator"] == "inv.chen"
    assert notified(case, "Q4") == [["investigator"]]


def test_Q4_frontline_cannot_assign_the_investigation() -> None:
    with pytest.raises(Refused) as refused:
        act(file(), c.Assign("inv.chen", "investigator"), FRONTLINE)
    assert refused.value.rule == "Q4"


# --- Q6, Q7: escalation ----------------------------------------------------------------------


def test_Q6_frontline_passes_a_complaint_to_the_complaints_manager() -> None:
    case = act(file(), c.Escalate("beyond first contact"), FRONTLINE)
    assert (case.level, case.rung) == (1, "complaints_manager")


def test_Q6_an_investigator_does_not_move_a_case_up() -> None:
    case = act(file(), c.Escalate("beyond first contact"), FRONTLINE)
    with pytest.raises(Refused) as refused:
        act(case, c.Escalate("want a review"), INVESTIGATOR)
    assert refused.value.rule == "Q6"


def test_Q6_top_management_reviews_only_a_decision_the_complainant_declined() -> None:
    case = file("staff_conduct")
    with pytest.raises(Refused, match="not declined"):
        act(case, c.Escalate("review"), MANAGER)
    case = act(declined(case), c.Escalate("review"), MANAGER)
    assert (case.level, case.rung) == (2, "top_management")


def test_Q7_internal_review_is_due_in_ten_working_days() -> None:
    case = act(declined(file("staff_conduct")), c.Escalate("review"), MANAGER)
    review = case.deadlines["internal_review"]
    assert (review.rule, review.due_at, review.roles) == ("Q7", end_of(16), ("top_management",))


def test_Q7_a_declined_review_points_to_external_dispute_resolution() -> None:
    case = act(declined(file("staff_conduct")), c.Escalate("review"), MANAGER)
    case = declined(case)
    assert notified(case, "Q7") == [["ombudsman_liaison", "complaints_manager"]]
    case = act(case, c.Escalate("complainant goes to the ombudsman"), TOP)
    assert (case.level, case.rung) == (3, "external_dispute_resolution")
    with pytest.raises(InvalidTransition, match="external"):
        act(declined(case), c.Escalate("further"), MANAGER)


# --- Q8, Q9: communication and closure -------------------------------------------------------


def test_Q8_only_the_complaints_manager_answers_in_writing() -> None:
    with pytest.raises(Refused) as refused:
        act(file(), c.ReplyInWriting("Our decision"), FRONTLINE)
    assert refused.value.rule == "Q8"


def test_Q8_the_written_decision_meets_the_response_deadline() -> None:
    case = act(file(), c.ReplyInWriting("Our decision"), MANAGER, MONDAY + timedelta(days=7))
    assert case.deadlines["response"].state is DeadlineState.MET
    assert case.deadlines["acknowledgement"].state is DeadlineState.OPEN


def test_Q9_frontline_cannot_close() -> None:
    case = act(file(), c.ReplyInWriting("Our decision"), MANAGER)
    with pytest.raises(Refused) as refused:
        act(case, c.Close("done"), FRONTLINE)
    assert refused.value.rule == "Q9"


def test_Q9_a_complaint_closes_only_once_the_decision_is_communicated() -> None:
    with pytest.raises(Refused, match="communicated"):
        act(file(), c.Close("done"), MANAGER)
    case = act(file(), c.ReplyInWriting("Our decision"), MANAGER)
    case = act(case, c.Close("decision communicated"), TOP)
    assert case.status == "closed"


def test_Q9_an_accepted_decision_resolves_and_may_be_closed() -> None:
    case = act(file(), c.RecordResponse(accepted=True, text="thank you"), FRONTLINE)
    assert case.status == "resolved"
    assert all(not d.is_pending for d in case.deadlines.values())
    assert act(case, c.Close("accepted"), MANAGER).status == "closed"


# --- Q10: tracking ---------------------------------------------------------------------------


def test_Q10_a_missed_response_reaches_top_management() -> None:
    case = act(file(), c.MissDeadline("response"), c.SYSTEM, end_of(31))
    assert case.deadlines["response"].state is DeadlineState.MISSED
    assert notified(case, "Q10") == [["complaints_manager", "top_management"]]


def test_Q10_a_missed_acknowledgement_reaches_the_complaints_manager() -> None:
    decision = POLICY.on_deadline_missed(
        file(), file().deadlines["acknowledgement"], end_of(5), CALENDAR
    )
    assert decision.effects == (
        Notify(("frontline", "complaints_manager"), "deadline acknowledgement missed", "Q10"),
    )


def test_Q10_staff_do_not_declare_a_deadline_missed() -> None:
    with pytest.raises(Refused) as refused:
        act(file(), c.MissDeadline("response"), MANAGER, end_of(31))
    assert refused.value.rule == "Q10"
