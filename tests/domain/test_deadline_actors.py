"""C3, for every built-in policy: only the deadline watcher (the system actor) records a missed
deadline, and a deadline is marked met only by the roles its policy names for it, by default
the roles it was set for (``BasePolicy.deadline_met_by``, ``may_mark_met``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import MappingProxyType
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.acting import acting
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, DeadlineState
from domain.errors import Refused
from domain.handling import execute, file_complaint
from domain.policies import BUILTIN
from domain.policies.base import BasePolicy
from domain.policies.school import SchoolPolicy

pytestmark = pytest.mark.domain

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 2, 9, tzinfo=TZ)
CALENDAR = WorkingCalendar()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:deadline-actors")
POLICIES = [cls() for cls in BUILTIN]
DEADLINE = "test-deadline"


def case_waiting_on(policy: BasePolicy, role: str) -> Complaint:
    """A case of ``policy`` with one running deadline set for ``role``, whatever the policy
    itself would start: the rule under test is the base's, not a step's."""
    filer = c.Actor("filer.1", frozenset(policy.roles))
    command = c.File(received_at=NOW, channel="visit", summary="waited an hour")
    case_id = uuid5(TENANT_ID, f"{policy.ref}:{role}")
    case = file_complaint(case_id, TENANT_ID, command, filer, policy, NOW, CALENDAR)
    with acting("system", NOW):
        case.start_deadline(
            deadline_id=DEADLINE,
            kind="test_kind",
            rule="T1",
            due_at=NOW + timedelta(hours=1),
            roles=[role],
            policy=policy.ref,
        )
    case.collect_events()
    return case


def holder_and_outsider(policy: BasePolicy) -> tuple[c.Actor, c.Actor]:
    holder, outsider, *_ = sorted(role for role in policy.roles if role != "admin")
    return c.Actor(f"{holder}.1", frozenset({holder})), c.Actor(
        f"{outsider}.1", frozenset({outsider})
    )


def act(case: Complaint, command: c.Command, actor: c.Actor, policy: BasePolicy) -> None:
    execute(case, command, actor, policy, NOW + timedelta(hours=2), CALENDAR)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_C3_only_the_deadline_watcher_records_a_missed_deadline(policy: BasePolicy) -> None:
    holder, _ = holder_and_outsider(policy)
    case = case_waiting_on(policy, sorted(holder.roles)[0])
    everyone = c.Actor("everyone.1", frozenset(policy.roles))

    for staff in (holder, everyone):
        with pytest.raises(Refused) as refused:
            act(case, c.MissDeadline(DEADLINE), staff, policy)
        assert refused.value.rule == "C3"
        assert case.deadlines[DEADLINE].state is DeadlineState.OPEN

    act(case, c.MissDeadline(DEADLINE), c.SYSTEM, policy)
    assert case.deadlines[DEADLINE].state is DeadlineState.MISSED


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_C3_a_deadline_is_marked_met_only_by_the_roles_it_waits_on(policy: BasePolicy) -> None:
    holder, outsider = holder_and_outsider(policy)
    case = case_waiting_on(policy, sorted(holder.roles)[0])

    for other in (outsider, c.SYSTEM):
        with pytest.raises(Refused) as refused:
            act(case, c.MeetDeadline(DEADLINE), other, policy)
        assert refused.value.rule == "T1"  # the deadline's own rule
        assert case.deadlines[DEADLINE].state is DeadlineState.OPEN

    act(case, c.MeetDeadline(DEADLINE), holder, policy)
    assert case.deadlines[DEADLINE].state is DeadlineState.MET


class NamedMarkers(SchoolPolicy):
    """A policy that names who marks a kind met instead of the roles it was set for."""

    deadline_met_by = MappingProxyType({"test_kind": frozenset({"general_manager"})})


def test_C3_a_policy_names_the_roles_that_mark_a_kind_of_deadline_met() -> None:
    policy = NamedMarkers()
    case = case_waiting_on(policy, "administration")
    held = case.deadlines[DEADLINE]
    administration = c.Actor("admin.wu", frozenset({"administration"}))
    manager = c.Actor("gm.wang", frozenset({"general_manager"}))

    assert not policy.may_mark_met(held, administration)
    assert policy.may_mark_met(held, manager)
    with pytest.raises(Refused):
        act(case, c.MeetDeadline(DEADLINE), administration, policy)
    act(case, c.MeetDeadline(DEADLINE), manager, policy)
    assert case.deadlines[DEADLINE].state is DeadlineState.MET


def test_C3_by_default_a_deadline_is_marked_met_by_the_roles_it_was_set_for() -> None:
    policy = SchoolPolicy()
    held = case_waiting_on(policy, "coordinator").deadlines[DEADLINE]
    assert policy.roles_marking_met(held) == frozenset({"coordinator"})
    assert policy.may_mark_met(held, c.Actor("coord.he", frozenset({"coordinator", "x"})))
    assert not policy.may_mark_met(held, c.SYSTEM)
