"""Bank A/B handlers (B7) and accountability for mishandled complaints (B6)."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    GENERAL,
    GUARD,
    HANDLER,
    LOBBY,
    PRESIDENT,
    drain,
    file,
    named,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, Status
from domain.errors import Refused

pytestmark = pytest.mark.domain


def refused_rule(case: Complaint, command: c.Command, by: c.Actor = LOBBY) -> str:
    with pytest.raises(Refused) as refusal:
        run(case, command, by)
    return refusal.value.rule


def test_B7_a_and_b_handlers_are_assigned() -> None:
    case = with_handlers(file())
    assert case.handlers == {"A": "handler.liu", "B": "handler.ma"}


def test_B7_only_slots_a_and_b_exist() -> None:
    assert refused_rule(file(), c.Assign("handler.liu", "handler"), BRANCH_HEAD) == "B7"


def test_B7_the_backup_is_a_different_person() -> None:
    case = file()
    run(case, c.Assign("handler.liu", "A"), BRANCH_HEAD)
    assert refused_rule(case, c.Assign("handler.liu", "B"), BRANCH_HEAD) == "B7"


@pytest.mark.parametrize(
    "ending",
    [c.Resolve("explained the fee"), c.Close("done"), c.RecordResponse(accepted=True)],
    ids=["resolve", "close", "accept"],
)
def test_B7_ending_without_both_handlers_is_refused(ending: c.Command) -> None:
    case = file()
    run(case, c.Assign("handler.liu", "A"), BRANCH_HEAD)
    assert refused_rule(case, ending) == "B7"
    assert case.status is Status.OPEN


def test_B7_ending_with_both_handlers_is_allowed() -> None:
    case = with_handlers(file())
    run(case, c.RecordResponse(accepted=True, text="satisfied"))
    assert case.status is Status.RESOLVED


def test_B6_mishandling_that_caused_agitation_holds_three_roles_responsible() -> None:
    case = with_handlers(file())
    run(case, c.ReportIncident("attack_on_staff", "after a rude refusal"), GUARD)
    drain(case)
    run(case, c.AssessAccountability("teller refused rudely", 20_000, "zero"), PRESIDENT)
    penalties = named(drain(case), "PenaltyAssessed")
    assert {p.target_role for p in penalties} == {
        "handler",
        "branch_head",
        "service_quality_leader",
    }
    assert all(p.rule == "B6" and p.amount_fen == 20_000 for p in penalties)
    # The person who handled it is named; the posts are resolved from the directory later.
    assert [p.person for p in penalties if p.target_role == "handler"] == ["handler.liu"]


def test_B6_no_accountability_without_agitation() -> None:
    case = with_handlers(file())
    assert refused_rule(case, c.AssessAccountability("none due"), GENERAL) == "B6"
    assert case.penalties == []


def test_B6_accountability_is_assessed_by_the_emergency_group_only() -> None:
    case = file(category="business_disruption")
    for outsider in (LOBBY, BRANCH_HEAD, HANDLER):
        assert refused_rule(case, c.AssessAccountability("x"), outsider) == "B6"
    run(case, c.AssessAccountability("queue mishandled"), GENERAL)
    assert len(case.penalties) == 3
