"""Which hook decides which command is one table, BasePolicy.hooks; policies override by name."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint
from domain.policies import BUILTIN
from domain.policies.base import BasePolicy
from domain.policies.hospital import HospitalPolicy
from domain.policy import Decision, FlagCase

pytestmark = pytest.mark.domain

NOW = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
CALENDAR = WorkingCalendar()
STAFF = c.Actor("staff.1", frozenset({"medical_affairs"}))
COMMANDS = [cls for cls in vars(c).values() if isinstance(cls, type) and cls is not c.Command]
COMMANDS = [cls for cls in COMMANDS if issubclass(cls, c.Command)]


def test_every_command_but_a_missed_deadline_has_a_hook() -> None:
    assert set(BasePolicy.hooks) == set(COMMANDS) - {c.MissDeadline}


def test_hooks_keep_the_names_of_their_actions() -> None:
    # Plug-in policies (examples/iso10002) define hooks by these names.
    for command, hook in BasePolicy.hooks.items():
        assert hook == "on_" + command.action.replace("-", "_"), command


@pytest.mark.parametrize("policy", [BasePolicy, *BUILTIN], ids=lambda cls: cls.__name__)
def test_every_hook_a_policy_defines_is_in_the_table(policy: type[BasePolicy]) -> None:
    defined = {name for name in dir(policy) if name.startswith("on_")}
    assert defined - {"on_deadline_missed"} <= set(policy.hooks.values())


def test_an_overriding_subclass_hook_decides() -> None:
    flagged = Decision((FlagCase("checked", "T1"),))

    class Stricter(HospitalPolicy):
        def on_escalate(self, *args: object) -> Decision:
            return flagged

    case = Complaint.__new__(Complaint)  # the hook above never reads it
    decided = Stricter().decide(case, c.Escalate("why"), STAFF, NOW, CALENDAR)
    assert decided == flagged


def test_a_missed_deadline_goes_to_on_deadline_missed_only_through_execute() -> None:
    case = Complaint.__new__(Complaint)
    decided = HospitalPolicy().decide(case, c.MissDeadline("x"), c.SYSTEM, NOW, CALENDAR)
    assert decided == Decision()
