"""Level 3 and the police (B5): the branch is tasked to call them; only an incident that says so,
or the branch itself, records that they were called."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    GUARD,
    LOBBY,
    NOW,
    drain,
    file,
    later,
    named,
    notified,
    report,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState, Status
from domain.errors import Refused

pytestmark = pytest.mark.domain

TASK = "police_call"


def at_level_3() -> Complaint:
    case = file(category="business_disruption")
    run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)
    return case


def test_B5_reaching_level_3_does_not_claim_the_police_were_called() -> None:
    case = file(category="business_disruption")
    drain(case)
    run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)
    events = drain(case)
    assert [incident.police_called for incident in named(events, "IncidentReported")] == [False]
    task = case.deadlines[TASK]
    assert (task.rule, task.roles) == ("B5", ("branch_head", "lobby_manager"))
    assert task.state is DeadlineState.OPEN
    assert task.due_at == later(hours=1)
    assert {"branch_head", "lobby_manager"} <= notified(named(events, "RolesNotified"), "B5")


def test_B5_filing_as_serious_agitation_tasks_the_branch_with_calling_the_police() -> None:
    case = file(category="serious_agitation")
    assert case.deadlines[TASK].is_running
    assert not case.incidents[0]["police_called"]


@pytest.mark.parametrize("called", [True, False])
def test_B5_an_incident_records_police_called_as_the_reporter_says(called: bool) -> None:
    case = file()
    run(case, c.ReportIncident("attack_on_staff", "struck the teller", called), GUARD)
    assert [incident["police_called"] for incident in case.incidents] == [called]
    assert (TASK in case.deadlines) is not called


def test_B5_police_already_called_leaves_the_branch_to_protect_people_until_they_come() -> None:
    case = file()
    drain(case)
    run(case, c.ReportIncident("attack_on_staff", "struck the teller", True), GUARD)
    reasons = [n.reason for n in named(drain(case), "RolesNotified") if n.rule == "B5"]
    assert any(reason.startswith("police called") for reason in reasons)
    assert not any("call the police" in reason for reason in reasons)


def test_B5_the_branch_reporting_the_police_called_meets_the_task() -> None:
    case = at_level_3()
    police = c.ReportIncident("crowd_gathering", "onlookers; 110 called", police_called=True)
    run(case, police, LOBBY, later(hours=0.2))
    assert case.deadlines[TASK].state is DeadlineState.MET


def test_B5_C3_a_guard_reporting_the_police_called_leaves_the_branch_to_confirm_it() -> None:
    case = at_level_3()
    police = c.ReportIncident("crowd_gathering", "onlookers; 110 called", police_called=True)
    run(case, police, GUARD, later(hours=0.2))
    assert case.incidents[-1]["police_called"]
    assert case.deadlines[TASK].is_running
    with pytest.raises(Refused) as refusal:
        run(case, c.MeetDeadline(TASK), GUARD, later(hours=0.3))
    assert refusal.value.rule == "B5"
    run(case, c.MeetDeadline(TASK), BRANCH_HEAD, later(hours=0.3))
    assert case.deadlines[TASK].state is DeadlineState.MET


def test_B5_the_branch_marks_the_police_call_met() -> None:
    case = at_level_3()
    run(case, c.MeetDeadline(TASK), LOBBY, later(hours=0.1))
    assert case.deadlines[TASK].state is DeadlineState.MET


def test_B5_one_police_task_per_case() -> None:
    case = at_level_3()
    drain(case)
    run(case, c.ReportIncident("crowd_gathering", "onlookers block the door"), GUARD)
    assert not [e for e in named(drain(case), "DeadlineStarted") if e.kind == TASK]


def test_B5_a_police_call_after_the_task_ran_late_leaves_the_miss_to_the_watcher() -> None:
    case = at_level_3()
    police = c.ReportIncident("crowd_gathering", "110 called at last", police_called=True)
    run(case, police, GUARD, later(hours=2))
    assert case.deadlines[TASK].is_running
    run(case, c.MissDeadline(TASK), c.SYSTEM, later(hours=2))
    assert case.deadlines[TASK].state is DeadlineState.MISSED


def test_B5_resolving_does_not_claim_the_police_were_called() -> None:
    case = with_handlers(at_level_3())
    run(case, c.Resolve("customer calmed down"), BRANCH_HEAD, later(hours=0.5))
    assert case.status is Status.RESOLVED
    assert case.deadlines[TASK].is_running


def test_B5_case_cannot_close_while_the_police_call_is_open() -> None:
    case = with_handlers(at_level_3())
    run(case, c.Resolve("customer calmed down"), BRANCH_HEAD, later(hours=0.5))
    report(case, later(hours=0.6))
    with pytest.raises(Refused) as refusal:
        run(case, c.Close("done"), BRANCH_HEAD, later(hours=0.7))
    assert refusal.value.rule == "B5"
    run(case, c.MissDeadline(TASK), c.SYSTEM, later(hours=1.1))
    run(case, c.Close("done"), BRANCH_HEAD, later(hours=1.2))
    assert case.status is Status.CLOSED


def test_C3_police_not_called_in_time_reaches_the_group_leaders() -> None:
    case = at_level_3()
    drain(case)
    run(case, c.MissDeadline(TASK), c.SYSTEM, NOW.replace(hour=11, minute=30))
    assert {"branch_head", "lobby_manager", "president", "vice_president"} <= notified(
        drain(case), "B5"
    )
