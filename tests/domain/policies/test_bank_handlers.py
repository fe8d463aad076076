"""Bank A/B handlers (B7)."""

from __future__ import annotations

import pytest
from bank_support import BRANCH_HEAD, LOBBY, file, run, with_handlers

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
