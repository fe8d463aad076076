"""Group complaints (B12), and a case that ends at level 1 and is reopened (C4)."""

from __future__ import annotations

import pytest
from bank_support import BRANCH_HEAD, LOBBY, drain, file, later, notified, run, with_handlers

from domain import commands as c
from domain.complaint import Status

pytestmark = pytest.mark.domain


def test_B12_complaint_linked_to_a_group_is_flagged_and_contained() -> None:
    case = file()
    drain(case)
    run(case, c.LinkToGroup("2024-09 loan-rate protest"), BRANCH_HEAD)
    assert case.group == "2024-09 loan-rate protest"
    assert "group_complaint" in case.flags
    assert {"general_department", "service_quality_leader"} <= notified(drain(case), "B12")


def test_C4_case_can_end_at_level_1_and_be_reopened() -> None:
    case = with_handlers(file())
    run(case, c.RecordResponse(accepted=True), LOBBY)
    run(case, c.Close("accepted"), LOBBY)
    run(case, c.Reopen("the card was not returned after all"), LOBBY, later(days=1))
    assert (case.status, case.level, case.reopen_count) == (Status.OPEN, 1, 1)
