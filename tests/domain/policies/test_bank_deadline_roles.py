"""Who may say a bank deadline's work is done (C3): the post the plan gives the step to; only
the deadline watcher records a miss."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    CALENDAR,
    CONTACT,
    GENERAL,
    GUARD,
    HANDLER,
    LEADER,
    LOBBY,
    NOW,
    POLICY,
    PRESIDENT,
    TENANT_ID,
    VICE,
    case_id,
    run,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState
from domain.errors import Refused
from domain.handling import file_complaint
from domain.policies.bank import REGULATOR_CLOCK

pytestmark = pytest.mark.domain

# kind -> (who may mark it met, who may not)
MET_BY = {
    "leader_on_scene": ((LEADER,), (BRANCH_HEAD, PRESIDENT, GENERAL)),  # B4
    "leaders_on_scene": ((LEADER, PRESIDENT, VICE), (BRANCH_HEAD, GENERAL, GUARD)),  # B5
    "police_call": ((BRANCH_HEAD, LOBBY), (GUARD, LEADER, PRESIDENT)),  # B5
    "regulator_decision": ((HANDLER, GENERAL, BRANCH_HEAD), (CONTACT,)),  # BR1
}


def case_with_every_at_once_deadline() -> Complaint:
    filing = c.File(received_at=NOW, channel="visit", summary="x", category="business_disruption")
    options = {REGULATOR_CLOCK: True}
    case = file_complaint(case_id(), TENANT_ID, filing, LOBBY, POLICY, NOW, CALENDAR, options)
    return run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)


@pytest.mark.parametrize("kind", sorted(MET_BY))
def test_C3_a_bank_deadline_is_marked_met_only_by_the_post_the_plan_gives_it(kind: str) -> None:
    allowed, others = MET_BY[kind]
    for other in others:
        case = case_with_every_at_once_deadline()
        with pytest.raises(Refused):
            run(case, c.MeetDeadline(kind), other)
        assert case.deadlines[kind].is_running
    for one in allowed:
        case = case_with_every_at_once_deadline()
        run(case, c.MeetDeadline(kind), one)
        assert case.deadlines[kind].state is DeadlineState.MET


@pytest.mark.parametrize("kind", sorted(MET_BY))
def test_C3_only_the_watcher_records_a_missed_bank_deadline(kind: str) -> None:
    case = case_with_every_at_once_deadline()
    for person in (PRESIDENT, GENERAL, BRANCH_HEAD):
        with pytest.raises(Refused) as refusal:
            run(case, c.MissDeadline(kind), person, NOW.replace(day=28))
        assert refusal.value.rule == "C3"
    run(case, c.MissDeadline(kind), c.SYSTEM, NOW.replace(month=11))
    assert case.deadlines[kind].state is DeadlineState.MISSED


def test_C4_handling_that_ends_before_the_leader_arrives_cancels_the_trip_not_meets_it() -> None:
    case = case_with_every_at_once_deadline()
    run(case, c.Assign("handler.liu", "A"), BRANCH_HEAD)
    run(case, c.Assign("handler.ma", "B"), BRANCH_HEAD)
    run(case, c.RecordResponse(accepted=True, text="calmed down"), BRANCH_HEAD)
    states = {kind: case.deadlines[kind].state for kind in MET_BY}
    assert states == {
        "leader_on_scene": DeadlineState.CANCELLED,
        "leaders_on_scene": DeadlineState.CANCELLED,
        "police_call": DeadlineState.OPEN,  # B5: still owed; resolving does not call them
        "regulator_decision": DeadlineState.MET,  # BR1: the decision is what it waits for
    }
