"""The regulator's clock on top of the bank's plan (BR1–BR3), a tenant option: a decision within
15 calendar days of receipt, extendable to 30, then by 30 more with senior approval."""

from __future__ import annotations

from datetime import datetime

import pytest
from bank_support import (
    BRANCH_HEAD,
    CALENDAR,
    GENERAL,
    LOBBY,
    NOW,
    POLICY,
    PRESIDENT,
    TENANT_ID,
    TZ,
    case_id,
    drain,
    later,
    named,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState
from domain.errors import InvalidTransition, Refused
from domain.handling import file_complaint
from domain.policies.bank import AT_ONCE_HOURS, REGULATOR_CLOCK, REGULATOR_DECISION, BankPolicy
from domain.policies.base import REMINDERS, REMINDERS_OPTION
from domain.policy import InvalidPolicyOption, check_options

pytestmark = pytest.mark.domain

ON = {REGULATOR_CLOCK: True}
WHY = "the card scheme's records take weeks to arrive"

DEFAULT = REMINDERS_OPTION.default


def end_of(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 23, 59, 59, tzinfo=TZ)


def file(options: dict | None = ON, at: datetime = NOW) -> Complaint:
    command = c.File(received_at=at, channel="visit", summary="fee charged twice")
    return file_complaint(case_id(), TENANT_ID, command, LOBBY, POLICY, at, CALENDAR, options)


def extend(
    case: Complaint, by: c.Actor = GENERAL, at: datetime = NOW, approved_by: str = "director.qian"
) -> Complaint:
    command = c.ExtendDeadline(REGULATOR_DECISION, reason=WHY, approved_by=approved_by)
    return run(case, command, by, at)


def due(case: Complaint) -> datetime:
    return case.deadlines[REGULATOR_DECISION].due_at


def test_BR1_the_regulator_clock_is_off_unless_the_tenant_switches_it_on() -> None:
    assert REGULATOR_DECISION not in file(options={}).deadlines
    assert REGULATOR_DECISION not in file(options=None).deadlines
    assert BankPolicy().options[REGULATOR_CLOCK] is False


def test_BR1_a_decision_is_due_15_calendar_days_after_receipt() -> None:
    received = NOW  # Friday 27 September 2024, before National Day
    case = file(at=received)
    held = case.deadlines[REGULATOR_DECISION]
    # calendar days, the day of receipt not counted; the holiday does not stop the clock
    assert (held.rule, held.due_at) == ("BR1", end_of(2024, 10, 12))
    assert set(held.roles) == {"handler", "general_department"}


def test_BR1_the_options_in_force_are_recorded_on_the_case_at_filing() -> None:
    case = file()
    filed = named(drain(case), "Filed")[0]
    assert filed.policy_options == {REGULATOR_CLOCK: True, AT_ONCE_HOURS: 1, REMINDERS: DEFAULT}
    # later commands decide under the recorded options, whatever policy instance is passed
    extend(case)
    assert case.deadlines[REGULATOR_DECISION].extensions == 1


def test_BR1_a_decision_in_time_meets_the_regulator_deadline() -> None:
    case = with_handlers(file())
    run(case, c.Resolve("refunded the second fee"), BRANCH_HEAD, later(days=10))
    assert case.deadlines[REGULATOR_DECISION].state is DeadlineState.MET


def test_BR1_a_missed_regulator_deadline_reaches_the_group_leaders() -> None:
    case = file()
    drain(case)
    run(case, c.MissDeadline(REGULATOR_DECISION), c.SYSTEM, later(days=16))
    told = named(drain(case), "RolesNotified")[-1]
    assert told.rule == "BR1"
    assert {"president", "vice_president", "general_department"} <= set(told.roles)


def test_BR2_the_first_extension_takes_the_period_to_30_days() -> None:
    case = file()
    extend(case, at=later(days=10))
    assert due(case) == end_of(2024, 10, 27)
    extended = named(drain(case), "DeadlineExtended")[0]
    assert (extended.rule, extended.approved_by, extended.reason) == ("BR2", "director.qian", WHY)


def test_BR2_an_extension_needs_the_internal_approval_recorded() -> None:
    case = file()
    with pytest.raises(Refused) as refused:
        extend(case, approved_by="  ")
    assert refused.value.rule == "BR2"
    with pytest.raises(Refused) as refused:
        run(case, c.ExtendDeadline(REGULATOR_DECISION, reason=" ", approved_by="x"), GENERAL)
    assert refused.value.rule == "BR2"
    assert due(case) == end_of(2024, 10, 12)


def test_BR2_an_extension_is_recorded_by_the_general_department_or_leaders() -> None:
    with pytest.raises(Refused) as refused:
        extend(file(), by=LOBBY)
    assert refused.value.rule == "BR2"


def test_BR2_a_period_that_has_run_out_cannot_be_extended() -> None:
    case = file()
    with pytest.raises(Refused) as refused:
        extend(case, at=later(days=16))
    assert refused.value.rule == "BR2"


def test_BR3_the_second_extension_adds_30_days_with_senior_approval() -> None:
    case = file()
    extend(case)
    with pytest.raises(Refused) as refused:
        extend(case, by=GENERAL)
    assert refused.value.rule == "BR3"

    extend(case, by=PRESIDENT, approved_by=PRESIDENT.person)
    assert due(case) == end_of(2024, 11, 26)  # 60 days from receipt at most


def test_BR3_no_third_extension() -> None:
    case = file()
    extend(case)
    extend(case, by=PRESIDENT)
    with pytest.raises(Refused) as refused:
        extend(case, by=PRESIDENT)
    assert refused.value.rule == "BR3"


def test_BR2_an_extension_keeps_the_days_a_pause_gave_back() -> None:
    case = file()
    run(case, c.PauseDeadline(REGULATOR_DECISION, "waiting for the customer's statement"))
    run(case, c.ResumeDeadline(REGULATOR_DECISION), at=later(days=3))
    assert due(case) == end_of(2024, 10, 15)
    extend(case, at=later(days=4))
    assert due(case) == end_of(2024, 10, 30)


def test_C3_the_bank_s_own_deadlines_cannot_be_extended() -> None:
    case = file(options={})
    run(case, c.Escalate("the queue blocks the door"), BRANCH_HEAD)
    with pytest.raises(Refused) as refused:
        run(case, c.ExtendDeadline("leader_on_scene", reason="traffic", approved_by="x"), GENERAL)
    assert refused.value.rule == "C3"


def test_C3_an_ended_deadline_cannot_be_extended() -> None:
    case = with_handlers(file())
    run(case, c.Resolve("refunded"), BRANCH_HEAD)
    with pytest.raises(InvalidTransition):
        extend(case)


def test_BR1_options_are_checked_against_those_the_policy_declares() -> None:
    declared = BankPolicy.declared_options
    assert check_options(declared, {}) == {
        REGULATOR_CLOCK: False,
        AT_ONCE_HOURS: 1,
        REMINDERS: DEFAULT,  # every policy's (domain/reminders.py)
    }
    with pytest.raises(InvalidPolicyOption) as unknown:
        check_options(declared, {"weekend_clock": True})
    assert unknown.value.name == "weekend_clock"
    with pytest.raises(InvalidPolicyOption):
        check_options(declared, {REGULATOR_CLOCK: 1})
    with pytest.raises(InvalidPolicyOption):
        BankPolicy({REGULATOR_CLOCK: "yes"})
