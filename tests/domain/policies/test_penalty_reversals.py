"""S11, B6: a fine taken back is a correction recorded beside it, by the post that decides
fines, never an erasure: the fine stays on the case, marked reversed."""

from __future__ import annotations

import pytest
from school_support import (
    ADMINISTRATION,
    FACILITIES_COMPLAINT,
    GENERAL_MANAGER,
    RECEPTION,
    drain,
    file,
    later,
    miss,
    run,
)

from domain import commands as c
from domain.errors import InvalidTransition, Refused

pytestmark = pytest.mark.domain


def fined():
    case = file(FACILITIES_COMPLAINT, by=RECEPTION, channel="visit", site="Nanming campus")
    drain(case)
    miss(case, "receipt_form", later(days=3))
    drain(case)
    return case


def test_S11_the_general_manager_takes_back_a_fine_as_a_correction_of_its_own() -> None:
    case = fined()

    run(
        case,
        c.ReversePenalty(penalty=1, reason="the form was passed on by phone"),
        GENERAL_MANAGER,
        later(days=4),
    )

    (reversal,) = [e for e in drain(case) if type(e).__name__ == "PenaltyReversed"]
    assert (reversal.penalty, reversal.amount_fen, reversal.person) == (1, 10_000, RECEPTION.person)
    assert reversal.rule == "S11" and reversal.reason == "the form was passed on by phone"
    assert case.penalties[0]["reversed"] is True
    assert case.penalties[0]["amount_fen"] == 10_000  # the fine itself is still on record


def test_S11_administration_cannot_take_back_a_fine() -> None:
    case = fined()

    with pytest.raises(Refused) as refused:
        run(case, c.ReversePenalty(penalty=1, reason="kind"), ADMINISTRATION, later(days=4))

    assert refused.value.rule == "S11"
    assert not case.penalties[0].get("reversed")


def test_a_fine_is_reversed_once_and_only_a_fine_the_case_has() -> None:
    case = fined()
    run(case, c.ReversePenalty(penalty=1, reason="passed on"), GENERAL_MANAGER, later(days=4))

    with pytest.raises(InvalidTransition, match="reversed already"):
        run(case, c.ReversePenalty(penalty=1, reason="again"), GENERAL_MANAGER, later(days=4))
    with pytest.raises(InvalidTransition, match="no penalty 2"):
        run(case, c.ReversePenalty(penalty=2, reason="none"), GENERAL_MANAGER, later(days=4))
