"""B4 and B5 say "at once" (立即) with no figure: a tenant option, an hour by default."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bank_support import (
    BRANCH_HEAD,
    CALENDAR,
    LOBBY,
    NOW,
    POLICY,
    TENANT_ID,
    case_id,
    drain,
    named,
    run,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.handling import file_complaint
from domain.policies.bank import AT_ONCE_HOURS, BankPolicy
from domain.policy import InvalidPolicyOption

pytestmark = pytest.mark.domain

AT_ONCE = ("leader_on_scene", "leaders_on_scene", "police_call")


def file(options: dict[str, Any] | None, category: str = "business_disruption") -> Complaint:
    command = c.File(received_at=NOW, channel="visit", summary="queue stopped", category=category)
    return file_complaint(case_id(), TENANT_ID, command, LOBBY, POLICY, NOW, CALENDAR, options)


def hours_given(case: Complaint, deadline_id: str) -> timedelta:
    held = case.deadlines[deadline_id]
    return held.due_at - held.started_at


def test_B4_at_once_is_read_as_one_hour_unless_the_tenant_sets_it() -> None:
    assert BankPolicy().options[AT_ONCE_HOURS] == 1
    case = file(None)
    assert hours_given(case, "leader_on_scene") == timedelta(hours=1)


def test_B4_the_tenant_sets_the_hours_for_every_at_once_deadline() -> None:
    case = file({AT_ONCE_HOURS: 3})
    run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)
    assert {hours_given(case, kind) for kind in AT_ONCE} == {timedelta(hours=3)}


def test_B4_the_hours_in_force_at_filing_stay_with_the_case() -> None:
    case = file({AT_ONCE_HOURS: 2})
    assert named(drain(case), "Filed")[0].policy_options[AT_ONCE_HOURS] == 2
    # the instance passed later has the default; the case keeps what it was filed under
    run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)
    assert hours_given(case, "leaders_on_scene") == timedelta(hours=2)


@pytest.mark.parametrize("hours", [0, -1, 25])
def test_B4_at_once_is_between_an_hour_and_a_day(hours: int) -> None:
    with pytest.raises(InvalidPolicyOption) as refusal:
        BankPolicy({AT_ONCE_HOURS: hours})
    assert refusal.value.name == AT_ONCE_HOURS


def test_B4_at_once_is_a_whole_number_of_hours() -> None:
    with pytest.raises(InvalidPolicyOption):
        BankPolicy({AT_ONCE_HOURS: "1"})
