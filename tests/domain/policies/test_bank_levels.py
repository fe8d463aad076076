"""Bank levels: on the spot (B3), disrupted (B4), serious agitation (B5), incidents (C5)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bank_support import BRANCH_HEAD, GUARD, LEADER, NOW, drain, file, later, named, notified, run

from domain import commands as c
from domain.complaint import DeadlineState
from domain.errors import InvalidTransition

pytestmark = pytest.mark.domain


def test_B3_level_1_is_handled_on_the_spot_by_branch_head_lobby_manager_and_security() -> None:
    case = file()
    assert {"branch_head", "lobby_manager", "security_guard"} <= notified(drain(case))
    # Nobody above the branch is troubled by an ordinary complaint.
    assert not notified(drain(case)) & {"president", "service_quality_leader"}
    assert case.deadlines == {}


def test_B3_escalation_goes_level_by_level() -> None:
    case = file()
    run(case, c.Escalate("exceeds the branch's authority"), BRANCH_HEAD)
    assert case.level == 2
    run(case, c.Escalate("customer attacks the counter"), BRANCH_HEAD)
    assert case.level == 3


def test_B3_no_escalation_above_level_3() -> None:
    case = file(category="serious_agitation")
    with pytest.raises(InvalidTransition):
        run(case, c.Escalate("again"), BRANCH_HEAD)


def test_B4_level_2_reports_to_general_department_and_president() -> None:
    case = file()
    drain(case)
    run(case, c.Escalate("shouting at the counter, queue stopped"), BRANCH_HEAD)
    events = drain(case)
    escalated = named(events, "Escalated")[0]
    assert (escalated.to_level, escalated.rung, escalated.rule) == (2, "business_disrupted", "B4")
    assert {"general_department", "president"} <= set(escalated.notify)


def test_B4_leader_in_charge_goes_to_the_scene_at_once() -> None:
    case = file()
    drain(case)
    run(case, c.Escalate("business disrupted"), BRANCH_HEAD)
    assert "service_quality_leader" in notified(drain(case), "B4")
    on_scene = case.deadlines["leader_on_scene"]
    assert on_scene.rule == "B4"
    assert on_scene.roles == ("service_quality_leader",)
    assert on_scene.due_at - NOW <= timedelta(hours=1)


def test_B4_leader_arriving_meets_the_on_scene_deadline() -> None:
    case = file(category="business_disruption")
    run(case, c.MeetDeadline("leader_on_scene"), LEADER, later(hours=0.5))
    assert case.deadlines["leader_on_scene"].state is DeadlineState.MET


def test_C3_leader_not_on_scene_in_time_alerts_the_group_leaders() -> None:
    case = file(category="business_disruption")
    drain(case)
    run(case, c.MissDeadline("leader_on_scene"), c.SYSTEM, later(hours=2))
    assert case.deadlines["leader_on_scene"].state is DeadlineState.MISSED
    assert {"president", "vice_president"} <= notified(drain(case), "B4")


def test_B5_level_3_tasks_the_branch_with_the_police_and_brings_leaders_to_the_scene() -> None:
    case = file(category="business_disruption")
    drain(case)
    run(case, c.Escalate("customer smashing the counter glass"), BRANCH_HEAD)
    events = drain(case)
    assert {"branch_head", "lobby_manager"} <= notified(events, "B5")
    assert {"service_quality_leader", "president", "vice_president"} <= notified(events, "B5")
    assert case.deadlines["leaders_on_scene"].rule == "B5"
    assert case.deadlines["police_call"].roles == ("branch_head", "lobby_manager")


def test_C5_incident_bypasses_the_ladder_to_level_3() -> None:
    case = file()
    drain(case)
    run(case, c.ReportIncident("attack_on_staff", "struck the teller"), GUARD)
    events = drain(case)
    assert case.level == 3
    assert named(events, "Escalated")[0].rule == "C5"
    incident = named(events, "IncidentReported")[0]
    assert incident.rule == "C5"
    assert {"security_guard", "president", "service_quality_leader"} <= set(incident.notify)


def test_C5_second_incident_at_level_3_is_recorded_without_escalating_again() -> None:
    case = file(category="serious_agitation")
    drain(case)
    run(case, c.ReportIncident("crowd_gathering", "onlookers block the door"), GUARD)
    events = drain(case)
    assert named(events, "IncidentReported")
    assert not named(events, "Escalated")
    assert len(case.incidents) == 2


def test_C2_reclassifying_never_lowers_the_level() -> None:
    case = file()
    run(case, c.Escalate("business disrupted"), BRANCH_HEAD)
    run(case, c.Classify("ordinary", "it was a simple fee question"), BRANCH_HEAD)
    assert (case.category, case.level) == ("ordinary", 2)


def test_C2_reclassifying_upwards_notifies_the_new_level() -> None:
    case = file()
    drain(case)
    run(case, c.Classify("business_disruption", "queue stopped"), BRANCH_HEAD)
    assert case.level == 2
    assert {"general_department", "service_quality_leader"} <= notified(drain(case), "B4")
