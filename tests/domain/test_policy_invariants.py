"""Invariants of every built-in policy over random histories: random commands, by random staff
holding the policy's roles, while time passes and the deadline watcher (the SYSTEM actor)
records what falls past due.

- C4: a closed case accepts only reopen; any refused command leaves no trace.
- C2/C5: the level never skips a rung, except by an incident (or the first classification,
  which places the case on its category's starting rung).
- C3: once a case is closed, every deadline it started has ended: met, missed or cancelled.
- C1: the events replay to the same state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import NAMESPACE_URL, uuid5
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, DeadlineState, Status
from domain.errors import DomainError, InvalidTransition
from domain.handling import execute, file_complaint
from domain.policies.bank import REGULATOR_CLOCK, BankPolicy
from domain.policies.base import BasePolicy
from domain.policies.hospital import HospitalPolicy
from domain.policies.school import SchoolPolicy

pytestmark = pytest.mark.domain

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 21, 9, tzinfo=TZ)  # a week before the National Day holiday
CALENDAR = WorkingCalendar()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:invariants")
# Aggregate bookkeeping that is not state: the events not yet collected.
VOLATILE = frozenset({"_pending_events"})
DEADLINE_ACTIONS = ("meet", "pause", "resume", "extend")
WAITS_IN_HOURS = (1, 6, 30, 4 * 24, 20 * 24)


@dataclass(frozen=True)
class Scenario:
    policy: BasePolicy
    commands: tuple[c.Command, ...]
    options: dict[str, Any]
    # roles that move a case on: drawn more often, so histories reach their endings
    leads: tuple[str, ...] = ()
    # what often happens first (the bank's A and B handlers), so closing is within reach
    prelude: tuple[tuple[c.Command, str], ...] = ()

    @property
    def actors(self) -> list[c.Actor]:
        roles = [*self.policy.roles, *self.leads, *self.leads]
        return [c.Actor(f"{role}.1", frozenset({role})) for role in roles]


def common(policy: BasePolicy) -> tuple[c.Command, ...]:
    categories = sorted(policy.categories)
    return (
        c.Acknowledge(),
        c.AddNote("called back"),
        c.Escalate("still unresolved"),
        c.Escalate("still unresolved"),
        c.ReportIncident("disorder", "shouting at the counter"),
        c.ReportIncident("assault", "pushed a member of staff", police_called=True),
        c.RecordResponse(accepted=False, text="not good enough"),
        c.RecordResponse(accepted=False, text="not good enough"),
        c.RecordResponse(accepted=True, text="fine"),
        c.Classify(categories[0], reason="on a second look"),
        c.Classify(categories[-1], reason="on a second look"),
        c.ProposeResolution("refund", compensation_fen=10_000),
        c.Resolve("answered"),
        c.Close("done", satisfaction=4),
        c.Close("done"),
        c.Reopen("the complainant came back"),
        c.HandOn("someone.else", "off shift"),
        c.LinkToGroup("2026-09 fee protest"),
        c.RecordSatisfaction(score=3, stage="follow-up"),
    )


def hospital() -> Scenario:
    policy = HospitalPolicy()
    extra = (
        c.RecordOutcome("appraisal_body", "department:surgery", "no fault"),
        c.RecordOutcome("health_authority", "department:surgery", "warning"),
        c.RecordOutcome("court", "hospital", "judgment"),
        c.Assign("medical_affairs.1", slot="appraisal_attendee"),
        c.ReplyInWriting("our answer"),
    )
    leads = ("medical_affairs", "department_head", "vice_president")
    return Scenario(policy, common(policy) + extra, {}, leads)


# B6: each accountable post by name, with its own share and the consequences behind them.
ACCOUNTABILITY = c.AssessAccountability(
    "mishandled at the counter",
    responsible={
        "handler": "handler.1",
        "branch_head": "branch_head.1",
        "service_quality_leader": "service_quality_leader.1",
    },
    shares_fen={"handler": 5_000, "branch_head": 3_000, "service_quality_leader": 1_000},
    consequences="the customer shouted at the counter",
)


def bank(regulator_clock: bool) -> Scenario:
    policy = BankPolicy()
    extra = (
        c.Assign("handler.1", slot="A"),
        c.Assign("handler.2", slot="B"),
        ACCOUNTABILITY,
        c.RecordContact("media", "Reporter", "Daily", "a story"),
        # B11 and B13 stand between an agitated or compensated case and its ending
        c.RecordContact("mediator", "Mediator", "Mediation Committee", "mediate the refund"),
        c.RecordContact("originating_bank", "Officer", "Originating Bank", "event and outcome"),
    )
    leads = ("general_department", "president", "branch_head")
    prelude = ((extra[0], "branch_head"), (extra[1], "branch_head"))
    return Scenario(
        policy, common(policy) + extra, {REGULATOR_CLOCK: regulator_clock}, leads, prelude
    )


def school() -> Scenario:
    policy = SchoolPolicy()
    extra = (
        c.Assign("department_head.1", slot="department"),
        c.Assign("department_head.1", slot="department", handling_days=3),  # a campus form
        c.Assign("department_staff.1", slot="responsible"),
        c.AttachEvidence("photo of the broken heater", reference="img-1"),
        c.RecordOutcome("general_manager", "final_plan", "approved"),
        c.RecordOutcome("administration", "final_resolution", "apology"),
        c.RecordOutcome("department", "solution", "heater replaced"),
        c.Reopen("the same fault again", recurrence=True),
        c.Classify("malicious", reason="negotiation failed: demands ten times the fee"),
        # the tracks end only after their steps: give the endings more chances
        c.RecordResponse(accepted=True, text="fine"),
        c.Resolve("answered"),
        c.RecordSatisfaction(score=5, stage="follow-up"),
        c.Close("done", satisfaction=5),
    )
    leads = ("administration", "general_manager", "department_head", "campus_supervisor")
    return Scenario(policy, common(policy) + extra, {}, leads)


SCENARIOS: dict[str, Callable[[Any], Scenario]] = {
    "hospital": lambda draw: hospital(),
    "bank": lambda draw: bank(draw(st.booleans())),
    "school": lambda draw: school(),
}


# --- one random history ---------------------------------------------------------------


class History:
    def __init__(self, scenario: Scenario, category: str | None, filer: c.Actor) -> None:
        self.scenario = scenario
        self.policy = scenario.policy
        self.now = START
        command = c.File(received_at=START, channel="visit", summary="random", category=category)
        case_id = uuid5(TENANT_ID, "case")
        self.case = file_complaint(
            case_id, TENANT_ID, command, filer, self.policy, START, CALENDAR, scenario.options
        )

    def act(self, command: c.Command, actor: c.Actor) -> None:
        case = self.case
        before = (case.status, case.level, case.category, len(case.pending_events))
        self.now += timedelta(minutes=1)
        try:
            execute(case, command, actor, self.policy, self.now, CALENDAR)
        except DomainError as refused:
            assert len(case.pending_events) == before[3], "a refused command leaves no trace"
            if before[0] is Status.CLOSED and not isinstance(command, c.Reopen):
                assert isinstance(refused, InvalidTransition)
            return
        assert before[0] is not Status.CLOSED or isinstance(command, c.Reopen), (
            "C4: a closed case accepts only reopen"
        )
        self.check_ladder(before[1], before[2], case.pending_events[before[3] :])
        self.check_closed()

    def deadline_action(self, action: str, pick: int, actor: c.Actor) -> None:
        if not self.case.deadlines:
            return
        ids = sorted(self.case.deadlines)
        deadline_id = ids[pick % len(ids)]
        command: c.Command = {
            "meet": c.MeetDeadline(deadline_id),
            "pause": c.PauseDeadline(deadline_id, "waiting for a third party"),
            "resume": c.ResumeDeadline(deadline_id),
            "extend": c.ExtendDeadline(deadline_id, "complex", approved_by="president.1"),
        }[action]
        self.act(command, actor)

    def wait(self, hours: int) -> None:
        """Time passes; the deadline watcher records every running deadline now past due."""
        self.now += timedelta(hours=hours)
        if self.case.status is Status.CLOSED:
            return  # C3: nothing left running on a closed case (checked when it closed)
        for held in list(self.case.deadlines.values()):
            current = self.case.deadlines[held.deadline_id]
            if current.is_running and current.due_at < self.now:
                self.act(c.MissDeadline(held.deadline_id), c.SYSTEM)
                assert self.case.deadlines[held.deadline_id].state is DeadlineState.MISSED

    def check_ladder(self, level: int, category: str | None, events: list[Any]) -> None:
        if self.case.level <= level + 1:
            return
        names = {type(e).__name__ for e in events}
        first_classification = category is None and "Classified" in names
        assert "IncidentReported" in names or first_classification, (
            f"C2: level {level} -> {self.case.level} skipped a rung without an incident"
        )

    def check_closed(self) -> None:
        if self.case.status is not Status.CLOSED:
            return
        pending = [d.deadline_id for d in self.case.deadlines.values() if d.is_pending]
        assert not pending, f"C3: closed with deadlines still running: {pending}"

    def check_replay(self) -> None:
        replayed = None
        for event in self.case.collect_events():
            replayed = event.mutate(replayed)
        assert isinstance(replayed, Complaint)
        assert state(replayed) == state(self.case), "C1: the events replay to the same state"


def state(case: Complaint) -> dict[str, Any]:
    return {k: v for k, v in vars(case).items() if k not in VOLATILE}


Step = tuple[str, Any, Any]


@dataclass(frozen=True)
class Plan:
    scenario: Scenario
    category: str | None
    filer: c.Actor
    prelude: list[Step]
    steps: list[Step]

    def run(self) -> History:
        history = History(self.scenario, self.category, self.filer)
        for kind, what, actor in self.prelude + self.steps:
            if kind == "act":
                history.act(what, actor)
            elif kind == "wait":
                history.wait(what)
            else:
                history.deadline_action(kind, what, actor)
        return history


@st.composite
def plans(draw: st.DrawFn, name: str) -> Plan:
    scenario = SCENARIOS[name](draw)
    actors = scenario.actors
    category = draw(st.one_of(st.none(), st.sampled_from(sorted(scenario.policy.categories))))
    act = st.tuples(st.just("act"), st.sampled_from(scenario.commands), st.sampled_from(actors))
    step = st.one_of(
        act,
        act,
        st.tuples(st.sampled_from(DEADLINE_ACTIONS), st.integers(0, 7), st.sampled_from(actors)),
        st.tuples(st.just("wait"), st.sampled_from(WAITS_IN_HOURS), st.none()),
    )
    prelude: list[Step] = []
    if scenario.prelude and draw(st.integers(0, 3)):  # three times in four
        prelude = [
            ("act", cmd, c.Actor(f"{role}.1", frozenset({role}))) for cmd, role in scenario.prelude
        ]
    steps = draw(st.lists(step, min_size=10, max_size=40))
    return Plan(scenario, category, draw(st.sampled_from(actors)), prelude, steps)


PROPERTIES = settings(max_examples=50, deadline=None)


@PROPERTIES
@given(plans("hospital"))
def test_C1_C2_C3_C4_hospital_invariants_hold_over_random_histories(plan: Plan) -> None:
    plan.run().check_replay()


@PROPERTIES
@given(plans("bank"))
def test_C1_C2_C3_C4_bank_invariants_hold_over_random_histories(plan: Plan) -> None:
    plan.run().check_replay()


@PROPERTIES
@given(plans("school"))
def test_C1_C2_C3_C4_school_invariants_hold_over_random_histories(plan: Plan) -> None:
    plan.run().check_replay()


def test_B6_the_bank_scenario_holds_people_accountable_on_an_agitated_case() -> None:
    """The random bank histories reach B6: its accountability command is one the policy takes."""
    scenario = bank(regulator_clock=False)
    assert ACCOUNTABILITY in scenario.commands
    general = c.Actor("general_department.1", frozenset({"general_department"}))
    history = History(scenario, "business_disruption", general)
    history.act(ACCOUNTABILITY, general)
    penalties = [e for e in history.case.pending_events if type(e).__name__ == "PenaltyAssessed"]
    assert {(e.target_role, e.person, e.amount_fen) for e in penalties} == {
        ("handler", "handler.1", 5_000),
        ("branch_head", "branch_head.1", 3_000),
        ("service_quality_leader", "service_quality_leader.1", 1_000),
    }
