"""The hospital's procedure over random histories: whatever staff try, in whatever order, from
whichever rung, the ladder holds (H13), no case is resolved on a rung without the
complainant's acceptance there (H5, H6, C4), and no rung is passed before its steps and
designations (H6, H8, H9)."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta
from typing import Any

import pytest
from hospital_support import (
    CLINICIAN,
    DEPARTMENT_HEAD,
    HEAD_NURSE,
    LAWYER,
    MEDICAL_AFFAIRS,
    NOW,
    NURSE,
    SECURITY,
    SPOKESPERSON,
    VICE_PRESIDENT,
    climb_to,
    drain,
    file,
    run,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import DomainError

pytestmark = pytest.mark.domain

ACTORS = [
    CLINICIAN,
    NURSE,
    DEPARTMENT_HEAD,
    HEAD_NURSE,
    MEDICAL_AFFAIRS,
    MEDICAL_AFFAIRS,
    VICE_PRESIDENT,
    SPOKESPERSON,
    LAWYER,
    SECURITY,
]
COMMANDS: list[c.Command] = [
    c.RecordResponse(accepted=True),
    c.RecordResponse(accepted=False),
    c.RecordResponse(accepted=False),
    c.Escalate("unresolved"),
    c.Escalate("unresolved"),
    c.Resolve("settled"),
    c.Resolve("settled"),
    c.Close("done"),
    c.Reopen("came back"),
    c.AttachEvidence("the family's written account", reference="doc/1"),
    c.RecordOutcome("investigation", "department:surgery", "dressing late"),
    c.ProposeResolution("waive the fees"),
    c.RecordContact("suit", "clerk.qian", "海淀区人民法院", "民初1号"),
    c.Assign("affairs.sun", slot="appraisal_attendee"),
    c.Assign("affairs.sun", slot="court_representative"),
    c.Assign("lawyer.he", slot="lawyer"),
    c.RecordOutcome("appraisal_body", "hospital", "不构成医疗事故"),
    c.RecordOutcome("health_authority", "department:surgery", "通报"),
    c.RecordOutcome("court", "hospital", "判决"),
    c.ReportIncident("assault", "struck a nurse"),
    c.ReportIncident("disorder", "shouting in the corridor", police_called=True),
    c.Classify("service_complaint"),
    c.ReplyInWriting("答复"),
]
FINAL_AUTHORITIES = {"court", "health_authority"}
H6_FLAGS = {"written_materials_received", "investigation_done", "proposal_made"}
# rung left -> the slots designated before (H8, H9)
DESIGNATED_BEFORE_LEAVING = {3: {"appraisal_attendee"}, 4: {"court_representative", "lawyer"}}

steps = st.lists(
    st.tuples(st.sampled_from(COMMANDS), st.sampled_from(ACTORS)), min_size=1, max_size=40
)
# Random histories rarely climb far on their own: each starts on a rung the way H13 allows.
starts = st.tuples(st.integers(0, 5), st.booleans())


def started(start: tuple[int, bool]) -> Complaint:
    level, suit = start
    case = climb_to(file(), level, suit=suit)
    drain(case)
    return case


def attempt(case: Complaint, command: c.Command, actor: c.Actor, minute: int) -> list[Any]:
    # A refused step leaves no trace; the invariants must hold either way.
    with suppress(DomainError):
        run(case, command, actor, NOW + timedelta(minutes=minute))
    return drain(case)


def latest_answer(case: Complaint, level: int) -> bool | None:
    """The complainant's latest answer at this rung since the case was last reopened."""
    answers = [
        r["accepted"]
        for r in case.responses
        if r["level"] == level and r["reopen_count"] == case.reopen_count
    ]
    return answers[-1] if answers else None


def names(events: list[Any]) -> list[str]:
    return [type(e).__name__ for e in events]


@settings(max_examples=150, deadline=None)
@given(starts, steps)
def test_H13_level_never_skips_a_rung_nor_goes_back(start: tuple[int, bool], history: list) -> None:
    case = started(start)
    for minute, (command, actor) in enumerate(history, start=1):
        before, answer, sued = (
            case.level,
            latest_answer(case, case.level),
            "suit_filed" in case.flags,
        )
        events = attempt(case, command, actor, minute)
        escalations = [e.to_level for e in events if type(e).__name__ == "Escalated"]
        # Court is the branch a suit opens (H9): without one, the appraisal leads straight on.
        skips_court = before == 3 and not sued
        expected = [5] if skips_court else [before + 1]
        assert escalations in ([], expected)
        assert case.level == (escalations[-1] if escalations else before)
        if escalations and before <= 2:
            assert answer is False  # H6, H13: only past a declined answer


@settings(max_examples=200, deadline=None)
@given(starts, steps)
def test_H5_H6_C4_never_resolved_on_a_rung_without_the_complainants_acceptance_there(
    start: tuple[int, bool], history: list
) -> None:
    case = started(start)
    for minute, (command, actor) in enumerate(history, start=1):
        events = attempt(case, command, actor, minute)
        if "Resolved" not in names(events):
            continue
        # The court's judgment and the health authority's opinion end it from outside (H9,
        # H10); every other ending is the complainant's yes at the rung the case stands on.
        by_authority = {
            e.authority for e in events if type(e).__name__ == "OutcomeRecorded"
        } & FINAL_AUTHORITIES
        assert by_authority or latest_answer(case, case.level) is True, (
            f"resolved at level {case.level} by {command} without the complainant's acceptance"
        )


@settings(max_examples=150, deadline=None)
@given(starts, steps)
def test_H6_H8_H9_no_rung_is_passed_before_its_steps_and_designations(
    start: tuple[int, bool], history: list
) -> None:
    case = started(start)
    for minute, (command, actor) in enumerate(history, start=1):
        before, flags, handlers = case.level, set(case.flags), dict(case.handlers)
        events = attempt(case, command, actor, minute)
        if "Escalated" not in names(events):
            continue
        if before == 1:
            assert H6_FLAGS.issubset(flags)  # H6: materials, investigation, proposal first
        assert DESIGNATED_BEFORE_LEAVING.get(before, set()) <= set(handlers)  # H8, H9
        if case.level == 4:
            assert "suit_filed" in flags  # H9: only a suit takes a case to court


@settings(max_examples=100, deadline=None)
@given(starts, steps)
def test_C5_incidents_never_move_the_case_on_the_ladder(
    start: tuple[int, bool], history: list
) -> None:
    case = started(start)
    for minute, (command, actor) in enumerate(history, start=1):
        before = case.level
        attempt(case, command, actor, minute)
        if isinstance(command, c.ReportIncident):
            assert case.level == before


@settings(max_examples=100, deadline=None)
@given(starts, steps)
def test_H12_no_written_reply_ever_comes_from_anyone_but_the_spokesperson(
    start: tuple[int, bool], history: list
) -> None:
    case = started(start)
    for minute, (command, actor) in enumerate(history, start=1):
        attempt(case, command, actor, minute)

    assert all(reply["by"] == SPOKESPERSON.person for reply in case.written_replies)
