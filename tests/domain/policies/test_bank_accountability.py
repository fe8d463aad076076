"""Accountability where the bank's mishandling caused agitation (B6): the handler, the branch
head and the leader in charge, each by name with their own share, by the consequences."""

from __future__ import annotations

from typing import Any

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
from domain.complaint import Complaint
from domain.errors import InvalidTransition, Refused

pytestmark = pytest.mark.domain

RESPONSIBLE = {
    "handler": "teller.gao",
    "branch_head": "head.wang",
    "service_quality_leader": "leader.sun",
}
SHARES = {"handler": 20_000, "branch_head": 10_000, "service_quality_leader": 5_000}
CONSEQUENCES = "the customer pushed a guard; the counter closed for two hours"


def blame(**changes: Any) -> c.AssessAccountability:
    fields: dict[str, Any] = {
        "reason": "teller refused rudely",
        "responsible": RESPONSIBLE,
        "shares_fen": SHARES,
        "consequences": CONSEQUENCES,
    }
    return c.AssessAccountability(**(fields | changes))


def agitated_case() -> Complaint:
    case = with_handlers(file())
    run(case, c.ReportIncident("attack_on_staff", "after a rude refusal"), GUARD)
    drain(case)
    return case


def refused_rule(case: Complaint, command: c.Command, by: c.Actor = PRESIDENT) -> str:
    with pytest.raises(Refused) as refusal:
        run(case, command, by)
    return refusal.value.rule


def test_B6_each_responsible_person_is_named_with_their_own_share() -> None:
    case = agitated_case()
    run(case, blame(performance="zero"), PRESIDENT)
    penalties = named(drain(case), "PenaltyAssessed")
    held = {(p.target_role, p.person, p.amount_fen) for p in penalties}
    assert held == {(role, RESPONSIBLE[role], SHARES[role]) for role in RESPONSIBLE}
    assert all(p.rule == "B6" and p.performance == "zero" for p in penalties)


def test_B6_the_consequences_the_shares_follow_are_recorded_with_each_penalty() -> None:
    case = agitated_case()
    run(case, blame(), GENERAL)
    assert all(CONSEQUENCES in penalty["reason"] for penalty in case.penalties)
    assert all("teller refused rudely" in penalty["reason"] for penalty in case.penalties)


@pytest.mark.parametrize("left_out", sorted(RESPONSIBLE))
def test_B6_none_of_the_three_is_left_unnamed(left_out: str) -> None:
    case = agitated_case()
    unnamed = {role: person for role, person in RESPONSIBLE.items() if role != left_out}
    assert refused_rule(case, blame(responsible=unnamed)) == "B6"
    assert refused_rule(case, blame(responsible=RESPONSIBLE | {left_out: " "})) == "B6"
    assert case.penalties == []


@pytest.mark.parametrize("left_out", sorted(SHARES))
def test_B6_each_named_person_has_their_own_share(left_out: str) -> None:
    case = agitated_case()
    shares = {role: fen for role, fen in SHARES.items() if role != left_out}
    assert refused_rule(case, blame(shares_fen=shares)) == "B6"


def test_B6_one_amount_for_all_is_refused() -> None:
    case = agitated_case()
    flat = c.AssessAccountability("teller refused rudely", amount_fen=20_000)
    assert refused_rule(case, flat) == "B6"
    assert refused_rule(case, blame(amount_fen=20_000)) == "B6"


def test_B6_only_the_three_posts_are_held_responsible() -> None:
    case = agitated_case()
    extra = RESPONSIBLE | {"security_guard": "guard.zhao"}
    assert refused_rule(case, blame(responsible=extra)) == "B6"
    assert refused_rule(case, blame(shares_fen=SHARES | {"president": 1})) == "B6"


def test_B6_the_consequences_are_recorded_before_anyone_is_held_responsible() -> None:
    case = agitated_case()
    assert refused_rule(case, blame(consequences=" ")) == "B6"


def test_B6_a_share_is_never_negative() -> None:
    case = agitated_case()
    with pytest.raises(InvalidTransition):
        run(case, blame(shares_fen=SHARES | {"branch_head": -1}), PRESIDENT)


def test_B6_no_accountability_without_agitation() -> None:
    case = with_handlers(file())
    assert refused_rule(case, blame(), GENERAL) == "B6"
    assert case.penalties == []


def test_B6_accountability_is_assessed_by_the_emergency_group_only() -> None:
    case = file(category="business_disruption")
    for outsider in (LOBBY, BRANCH_HEAD, HANDLER):
        assert refused_rule(case, blame(), outsider) == "B6"
    run(case, blame(), GENERAL)
    assert len(case.penalties) == 3
