"""Compensation waits for an authoritative third-party mediator, as far as one can be had (B11)."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    GENERAL,
    HANDLER,
    LOBBY,
    PRESIDENT,
    drain,
    file,
    mediated,
    notified,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, Status
from domain.errors import Refused

pytestmark = pytest.mark.domain

ENDINGS = [c.Resolve("fee refunded"), c.RecordResponse(accepted=True), c.Close("done")]
NO_MEDIATOR = "the county committee declined; the customer refused the ombudsman"


def compensation_case() -> Complaint:
    case = with_handlers(file())
    offer = c.ProposeResolution("refund the wrong fee", compensation_fen=5_000)
    return run(case, offer, BRANCH_HEAD)


def refused_rule(case: Complaint, command: c.Command, by: c.Actor = BRANCH_HEAD) -> str:
    with pytest.raises(Refused) as refusal:
        run(case, command, by)
    return refusal.value.rule


def test_B11_compensation_proposed_recommends_a_third_party_mediator() -> None:
    case = file()
    drain(case)
    run(case, c.ProposeResolution("refund the wrong fee", compensation_fen=5_000), BRANCH_HEAD)
    assert "third_party_mediation" in case.flags
    assert notified(drain(case), "B11") == {"general_department"}


def test_B11_explanation_without_compensation_needs_no_mediator() -> None:
    case = with_handlers(file())
    run(case, c.ProposeResolution("explain the fee schedule"), BRANCH_HEAD)
    run(case, c.Resolve("explained"), BRANCH_HEAD)
    assert "third_party_mediation" not in case.flags
    assert case.status is Status.RESOLVED


@pytest.mark.parametrize("ending", ENDINGS, ids=["resolve", "accept", "close"])
def test_B11_compensation_case_cannot_end_before_a_mediator_is_recorded(
    ending: c.Command,
) -> None:
    case = compensation_case()
    assert refused_rule(case, ending) == "B11"
    assert case.status is Status.OPEN


@pytest.mark.parametrize("ending", ENDINGS, ids=["resolve", "accept", "close"])
def test_B11_compensation_case_ends_once_the_mediator_is_recorded(ending: c.Command) -> None:
    case = mediated(compensation_case())
    run(case, ending, BRANCH_HEAD)
    assert case.status is not Status.OPEN
    assert case.contacts[0]["kind"] == "mediator"


def test_B11_a_later_offer_without_compensation_does_not_skip_mediation() -> None:
    case = compensation_case()
    run(case, c.ProposeResolution("explain the fee schedule instead"), BRANCH_HEAD)
    assert refused_rule(case, c.Resolve("explained")) == "B11"


def test_B11_a_mediator_is_named_with_the_body_they_speak_for() -> None:
    case = compensation_case()
    assert refused_rule(case, c.RecordContact("mediator", "mediator.tian", " ", "fee")) == "B11"
    assert refused_rule(case, c.Resolve("fee refunded")) == "B11"


@pytest.mark.parametrize("group", [GENERAL, PRESIDENT], ids=lambda a: a.person)
def test_B11_emergency_group_records_why_no_third_party_could_mediate(group: c.Actor) -> None:
    case = compensation_case()
    run(case, c.RecordOutcome("emergency group", "third_party_mediation", NO_MEDIATOR), group)
    run(case, c.Resolve("fee refunded"), BRANCH_HEAD)
    assert case.status is Status.RESOLVED


@pytest.mark.parametrize("outsider", [LOBBY, BRANCH_HEAD, HANDLER], ids=lambda a: a.person)
def test_B11_only_the_emergency_group_goes_without_a_mediator(outsider: c.Actor) -> None:
    case = compensation_case()
    waiver = c.RecordOutcome("branch", "third_party_mediation", NO_MEDIATOR)
    assert refused_rule(case, waiver, outsider) == "B11"
    assert refused_rule(case, c.Resolve("fee refunded")) == "B11"


def test_B11_going_without_a_mediator_records_why() -> None:
    case = compensation_case()
    waiver = c.RecordOutcome("emergency group", "third_party_mediation", "  ")
    assert refused_rule(case, waiver, GENERAL) == "B11"
