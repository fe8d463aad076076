"""C3 over random hospital and bank histories: whatever staff try, in whatever order and
however late, a deadline is met only by the act its rule names, done by a role that rule
names, in time; only the deadline watcher misses a running clock. (The school's walk is in
test_school_properties.py.)"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

import bank_support as bank
import hospital_support as hospital
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import DomainError
from domain.handling import execute, file_complaint
from domain.policies.bank import REGULATOR_CLOCK, BankPolicy

pytestmark = pytest.mark.domain

Act = Callable[[c.Command, str], bool]  # (the command, the deadline it met) -> named by the rule


def marked(command: c.Command, deadline_id: str) -> bool:
    """Someone said the deadline's work is done."""
    return isinstance(command, c.MeetDeadline) and command.deadline_id == deadline_id


def police_called(command: c.Command, deadline_id: str) -> bool:
    """B5: the call recorded on the incident itself, or marked as done."""
    reported = isinstance(command, c.ReportIncident) and command.police_called
    return reported or marked(command, deadline_id)


def reported_to_originating_bank(command: c.Command, _: str) -> bool:
    """B13: only the report recorded with what was said meets it, never a bare mark."""
    return isinstance(command, c.RecordContact) and command.kind == "originating_bank"


def decided(command: c.Command, deadline_id: str) -> bool:
    """BR1: the decision told to the customer: the end of handling (resolved, or accepted by
    the customer), or marked as told where it was told before handling ended."""
    accepted = isinstance(command, c.RecordResponse) and command.accepted
    return isinstance(command, c.Resolve) or accepted or marked(command, deadline_id)


# kind -> (the act that meets it, the roles whose act that may be), as H7, H11, B4, B5, B13 and
# BR1 name them, written out here rather than read from the policies' own tables.
HOSPITAL_MET_BY: dict[str, tuple[Act, frozenset[str]]] = {
    "appraisal_records": (marked, frozenset({"department_head"})),  # H7
    "evidence_preservation": (marked, frozenset({"security", "medical_affairs"})),  # H11
}
BANK_LEADERS = frozenset({"service_quality_leader", "president", "vice_president"})
BANK_MET_BY: dict[str, tuple[Act, frozenset[str]]] = {
    "leader_on_scene": (marked, frozenset({"service_quality_leader"})),  # B4
    "leaders_on_scene": (marked, BANK_LEADERS),  # B5
    "police_call": (police_called, frozenset({"branch_head", "lobby_manager"})),  # B5
    "originating_bank_report": (reported_to_originating_bank, frozenset({"general_department"})),
    "regulator_decision": (
        decided,
        frozenset({"branch_head", "lobby_manager", "security_guard", "handler"})
        | {"general_department"}
        | BANK_LEADERS,
    ),
}


class Walk:
    """One case and the clock, checking every deadline event as it is recorded."""

    def __init__(
        self,
        case: Complaint,
        run: Callable[[Complaint, c.Command, c.Actor, datetime], Any],
        met_by: dict[str, tuple[Act, frozenset[str]]],
        now: datetime,
    ) -> None:
        self.case, self.run, self.met_by, self.now = case, run, met_by, now
        self.seen: set[str] = set()
        hospital.drain(case)

    def act(self, command: c.Command, actor: c.Actor) -> None:
        self.wait(minutes=7)
        self.record(command, actor)

    def record(self, command: c.Command, actor: c.Actor) -> None:
        with suppress(DomainError):  # a refused step leaves no trace
            self.run(self.case, command, actor, self.now)
        for event in hospital.drain(self.case):
            self.check(event, command, actor)

    def wait(self, hours: int = 0, minutes: int = 0) -> None:
        """Time passes; the deadline watcher records what ran out meanwhile, before anyone
        acts again (a late act then finds its deadline already missed)."""
        self.now += timedelta(hours=hours, minutes=minutes)
        for held in list(self.case.deadlines.values()):
            if held.is_running and held.due_at < self.now:
                self.record(c.MissDeadline(held.deadline_id), c.SYSTEM)

    def check(self, event: Any, command: c.Command, actor: c.Actor) -> None:
        name = type(event).__name__
        if name not in ("DeadlineMet", "DeadlineMissed"):
            return
        held = self.case.deadlines[event.deadline_id]
        self.seen.add(f"{held.kind}:{name}")
        if name == "DeadlineMet":
            act, roles = self.met_by[held.kind]
            assert act(command, held.deadline_id), f"C3: {held.kind} met by {command.action}"
            assert actor.holds(roles), f"C3: {held.kind} met by {actor.roles}"
            assert event.at <= held.due_at, f"C3: {held.kind} met after it was due"
        else:
            late_work = event.at > held.due_at
            assert actor == c.SYSTEM or late_work, f"C3: {held.kind} missed by {actor.person}"


HOSPITAL_ACTORS = [
    hospital.NURSE,
    hospital.DEPARTMENT_HEAD,
    hospital.HEAD_NURSE,
    hospital.MEDICAL_AFFAIRS,
    hospital.VICE_PRESIDENT,
    hospital.SECURITY,
    hospital.CLINICIAN,
]
HOSPITAL_COMMANDS: list[c.Command] = [
    c.ReportIncident("assault", "struck a nurse"),
    c.ReportIncident("disorder", "shouting in the corridor", police_called=True),
    c.MeetDeadline("evidence-1"),  # one evidence deadline an incident (H11)
    c.MeetDeadline("evidence-2"),
    c.MeetDeadline("appraisal-records"),
    c.Escalate("unresolved"),
    c.Assign("affairs.sun", slot="appraisal_attendee"),
    c.AttachEvidence("the ward's records", reference="doc/2"),
    c.RecordResponse(accepted=True),
    c.RecordResponse(accepted=False),
    c.Resolve("settled"),
    c.Close("done"),
    c.Reopen("came back"),
]
WAITS = st.tuples(st.just("wait"), st.sampled_from([1, 5, 20, 3 * 24, 20 * 24]))


def histories(commands: list[c.Command], actors: list[c.Actor]) -> st.SearchStrategy[list]:
    """Random steps, one in five a wait; one act in three is someone marking a deadline met,
    so a wrong role's mark is tried while the deadline still runs."""
    marks = [command for command in commands if isinstance(command, c.MeetDeadline)]
    step = st.tuples(st.sampled_from(commands), st.sampled_from(actors))
    mark = st.tuples(st.sampled_from(marks), st.sampled_from(actors))
    return st.lists(st.one_of(step, step, mark, step, WAITS), min_size=1, max_size=40)


def hospital_steps() -> st.SearchStrategy[list[tuple[Any, Any]]]:
    return histories(HOSPITAL_COMMANDS, HOSPITAL_ACTORS)


def walk_through(walk: Walk, history: list[tuple[Any, Any]]) -> None:
    for what, who in history:
        if what == "wait":
            walk.wait(who)
        else:
            walk.act(what, who)


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 3), hospital_steps())
def test_C3_H7_H11_no_hospital_deadline_is_met_without_its_act_by_its_roles(
    level: int, history: list[tuple[Any, Any]]
) -> None:
    case = hospital.climb_to(hospital.file(), level)
    walk = Walk(case, hospital.run, HOSPITAL_MET_BY, hospital.NOW)
    walk_through(walk, history)


REGULATED = BankPolicy({REGULATOR_CLOCK: True})
BANK_CATEGORIES = [
    "ordinary",
    "mild_agitation",
    "business_disruption",
    "serious_agitation",
    "group",
]
BANK_ACTORS = [
    bank.LOBBY,
    bank.BRANCH_HEAD,
    bank.GUARD,
    bank.GENERAL,
    bank.LEADER,
    bank.PRESIDENT,
    bank.HANDLER,
    bank.CONTACT,
]
BANK_COMMANDS: list[c.Command] = [
    c.ReportIncident("verbal_abuse", "shouting at the counter"),
    c.ReportIncident("assault", "pushed a teller", police_called=True),
    c.MeetDeadline("leader_on_scene"),
    c.MeetDeadline("leaders_on_scene"),
    c.MeetDeadline("police_call"),
    c.MeetDeadline("originating_bank_report"),
    c.MeetDeadline("regulator_decision"),
    c.Escalate("the customer insists"),
    c.Assign("handler.liu", "A"),
    c.Assign("handler.ma", "B"),
    c.RecordContact("mediator", "mediator.tian", "county mediation committee", "compensation"),
    c.RecordContact("originating_bank", "credit.luo", "sponsoring bank", "the event; refund"),
    c.RecordContact("originating_bank", "credit.luo", "sponsoring bank", " "),
    c.RecordResponse(accepted=True, text="fine"),
    c.Resolve("fee refunded"),
    c.Close("done"),
]


def bank_run(case: Complaint, command: c.Command, by: c.Actor, at: datetime) -> Any:
    return execute(case, command, by, REGULATED, at, bank.CALENDAR)


def bank_steps() -> st.SearchStrategy[list[tuple[Any, Any]]]:
    return histories(BANK_COMMANDS, BANK_ACTORS)


def bank_case(category: str) -> Complaint:
    command = c.File(received_at=bank.NOW, channel="visit", summary="card kept", category=category)
    return file_complaint(
        bank.case_id(), bank.TENANT_ID, command, bank.LOBBY, REGULATED, bank.NOW, bank.CALENDAR
    )


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(
        ["ordinary", "mild_agitation", "business_disruption", "serious_agitation", "group"]
    ),
    bank_steps(),
)
def test_C3_B4_B5_B13_BR1_no_bank_deadline_is_met_without_its_act_by_its_roles(
    category: str, history: list[tuple[Any, Any]]
) -> None:
    walk = Walk(bank_case(category), bank_run, BANK_MET_BY, bank.NOW)
    walk_through(walk, history)


def test_the_walks_reach_what_they_check() -> None:
    """The random walks above can meet and miss deadlines by each way the rules name."""
    walk = Walk(bank_case("serious_agitation"), bank_run, BANK_MET_BY, bank.NOW)
    walk.act(c.ReportIncident("assault", "pushed a teller", police_called=True), bank.BRANCH_HEAD)
    walk.act(c.MeetDeadline("leaders_on_scene"), bank.PRESIDENT)
    walk.act(c.Assign("handler.liu", "A"), bank.BRANCH_HEAD)
    walk.act(c.Assign("handler.ma", "B"), bank.BRANCH_HEAD)
    walk.act(
        c.RecordContact("mediator", "mediator.tian", "county mediation committee", "refund"),
        bank.BRANCH_HEAD,
    )
    walk.act(c.Resolve("fee refunded"), bank.GENERAL)
    walk.act(c.RecordContact("originating_bank", "credit.luo", "bank", "the event"), bank.GENERAL)
    assert {
        "police_call:DeadlineMet",
        "leaders_on_scene:DeadlineMet",
        "regulator_decision:DeadlineMet",
        "originating_bank_report:DeadlineMet",
    } <= walk.seen, walk.seen
    late = Walk(hospital.file(), hospital.run, HOSPITAL_MET_BY, hospital.NOW)
    late.act(c.ReportIncident("assault", "struck a nurse"), hospital.NURSE)
    late.act(c.MeetDeadline("evidence-1"), hospital.SECURITY)
    late.act(c.ReportIncident("disorder", "shouting in the corridor"), hospital.NURSE)
    late.wait(3 * 24)
    assert {
        "evidence_preservation:DeadlineMet",
        "evidence_preservation:DeadlineMissed",
    } <= late.seen
