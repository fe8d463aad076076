"""The bank's procedure walked from intake to each ending the plan names (B2–B13, C1, C4)."""

from __future__ import annotations

from typing import Any

import pytest
from bank_support import (
    BRANCH_HEAD,
    GENERAL,
    GUARD,
    LEADER,
    LOBBY,
    PRESIDENT,
    drain,
    file,
    kinds,
    later,
    mediated,
    notified,
    report,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState, Status

pytestmark = pytest.mark.domain


def replay(events: list[Any]) -> Complaint:
    case = None
    for event in events:
        case = event.mutate(case)
    assert case is not None
    return case


def test_B3_scenario_solved_on_the_spot_at_level_1() -> None:
    case = with_handlers(file(summary="charged twice for a transfer"))
    run(case, c.Acknowledge(), LOBBY)
    run(case, c.ProposeResolution("reverse the duplicate charge"), LOBBY, later(hours=0.2))
    run(case, c.RecordResponse(accepted=True, text="thanks"), LOBBY, later(hours=0.3))
    run(case, c.Close("solved at once", satisfaction=5), LOBBY, later(hours=0.3))
    events = drain(case)
    assert (case.status, case.level) == (Status.CLOSED, 1)
    assert "Escalated" not in kinds(events)
    assert not notified(events) & {"president", "general_department"}


def test_B4_scenario_resolved_after_escalation_to_level_2() -> None:
    case = with_handlers(file(summary="refused a cash withdrawal without ID"))
    run(case, c.AddNote("taken to the reception room; keeps shouting at the counter"), LOBBY)
    run(case, c.Escalate("business disrupted"), BRANCH_HEAD, later(hours=0.1))
    run(case, c.MeetDeadline("leader_on_scene"), LEADER, later(hours=0.6))
    run(case, c.RecordResponse(accepted=False, text="wants cash now"), LEADER, later(hours=0.7))
    explain = c.ProposeResolution("explain the ID rule; withdraw with a relative's help")
    run(case, explain, LEADER, later(hours=0.8))
    run(case, c.RecordResponse(accepted=True), LEADER, later(hours=1))
    report(case, later(days=1))  # B13: disrupting business is an agitation event too
    run(case, c.Close("accepted the explanation"), LEADER, later(days=1))
    events = drain(case)
    assert (case.status, case.level, case.rung) == (Status.CLOSED, 2, "business_disrupted")
    assert case.deadlines["leader_on_scene"].state is DeadlineState.MET
    assert case.deadlines["originating_bank_report"].state is DeadlineState.MET
    assert {"general_department", "president", "service_quality_leader"} <= notified(events)
    assert "IncidentReported" not in kinds(events)


def test_B5_scenario_level_3_incident_with_police() -> None:
    case = with_handlers(file(summary="loan refused"))
    run(case, c.Escalate("blocking the counter"), BRANCH_HEAD, later(hours=0.1))
    hit = c.ReportIncident("attack_on_staff", "hit the lobby manager", police_called=True)
    run(case, hit, GUARD, later(hours=0.2))
    run(case, c.NoteFeatures({"height": "170 cm", "face": "mole on chin"}), GUARD, later(hours=0.3))
    run(case, c.MeetDeadline("leaders_on_scene"), PRESIDENT, later(hours=0.8))
    blame = c.AssessAccountability(
        "loan officer provoked the customer",
        responsible={
            "handler": "loan.officer.xu",
            "branch_head": "head.wang",
            "service_quality_leader": "leader.sun",
        },
        shares_fen={"handler": 50_000, "branch_head": 20_000, "service_quality_leader": 10_000},
        consequences="a member of staff struck; the branch closed for the afternoon",
    )
    run(case, blame, PRESIDENT, later(hours=2))
    run(case, c.Resolve("police mediated; customer left"), BRANCH_HEAD, later(hours=3))
    report(case, later(days=2))
    run(case, c.Close("report sent to the originating bank"), GENERAL, later(days=2))
    events = drain(case)
    assert (case.status, case.level) == (Status.CLOSED, 3)
    assert case.incidents[0]["police_called"]
    assert "police_call" not in case.deadlines  # called already: no task for the branch
    assert {(p["target_role"], p["person"]) for p in case.penalties} == {
        ("handler", "loan.officer.xu"),
        ("branch_head", "head.wang"),
        ("service_quality_leader", "leader.sun"),
    }
    assert case.deadlines["originating_bank_report"].state is DeadlineState.MET
    assert kinds(events).index("Escalated") < kinds(events).index("IncidentReported")


def test_B12_scenario_group_complaint_contained_and_settled_with_mediation() -> None:
    group = "2024-09 dividend protest"
    cases = [with_handlers(file(category="group", summary=f"dividend cut #{n}")) for n in (1, 2)]
    for case in cases:
        run(case, c.LinkToGroup(group), BRANCH_HEAD, later(hours=0.1))
        run(case, c.MeetDeadline("leader_on_scene"), LEADER, later(hours=0.5))
        offer = c.ProposeResolution("pay the arrears", compensation_fen=12_000)
        run(case, offer, LEADER, later(hours=2))
        mediated(case, later(hours=20))
        run(case, c.RecordResponse(accepted=True), LEADER, later(days=1))
        report(case, later(days=2))
        run(case, c.Close("mediated by the county mediation committee"), LEADER, later(days=2))
    for case in cases:
        events = drain(case)
        assert (case.status, case.level, case.group) == (Status.CLOSED, 2, group)
        assert {"group_complaint", "third_party_mediation"} <= set(case.flags)
        assert "general_department" in notified(events, "B12")


def test_C1_every_action_is_an_event_that_replays_to_the_same_case() -> None:
    case = with_handlers(file(public_figure=True))
    run(case, c.Escalate("business disrupted"), BRANCH_HEAD)
    run(case, c.ReportIncident("crowd_gathering", "onlookers"), GUARD, later(hours=0.2))
    run(case, c.Resolve("dispersed"), BRANCH_HEAD, later(hours=1))
    events = drain(case)
    assert [event.originator_version for event in events] == list(range(1, len(events) + 1))
    replayed = replay(events)
    for attribute in ("status", "level", "handlers", "flags", "incidents", "deadlines"):
        assert getattr(replayed, attribute) == getattr(case, attribute)
    assert replayed.notifications == case.notifications
