"""H13 over random histories: whatever staff try, in whatever order, the ladder holds."""

from __future__ import annotations

from contextlib import suppress
from datetime import timedelta

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
    c.ReportIncident("assault", "struck a nurse"),
    c.ReportIncident("disorder", "shouting in the corridor", police_called=True),
    c.Classify("service_complaint"),
    c.Resolve("settled"),
    c.Close("done"),
    c.Reopen("came back"),
    c.RecordOutcome("health_authority", "department:surgery", "通报"),
    c.RecordOutcome("court", "hospital", "判决"),
    c.Assign("affairs.sun", slot="appraisal_attendee"),
    c.ReplyInWriting("答复"),
]

steps = st.lists(
    st.tuples(st.sampled_from(COMMANDS), st.sampled_from(ACTORS)), min_size=1, max_size=40
)


def attempt(case: Complaint, command: c.Command, actor: c.Actor, minute: int) -> None:
    # A refused step leaves no trace; the invariants must hold either way.
    with suppress(DomainError):
        run(case, command, actor, NOW + timedelta(minutes=minute))


def latest_answer(case: Complaint, level: int) -> bool | None:
    answers = [r["accepted"] for r in case.responses if r["level"] == level]
    return answers[-1] if answers else None


@settings(max_examples=150, deadline=None)
@given(steps)
def test_H13_level_never_skips_a_rung_nor_goes_back(history: list) -> None:
    case = file()
    drain(case)
    for minute, (command, actor) in enumerate(history, start=1):
        before, answer = case.level, latest_answer(case, case.level)
        attempt(case, command, actor, minute)
        events = drain(case)
        escalations = [e for e in events if type(e).__name__ == "Escalated"]
        assert case.level in (before, before + 1)
        assert [e.to_level for e in escalations] == list(range(before + 1, case.level + 1))
        if escalations and before <= 2:
            assert answer is False  # H6, H13: only past a declined answer


@settings(max_examples=100, deadline=None)
@given(steps)
def test_C5_incidents_never_move_the_case_on_the_ladder(history: list) -> None:
    case = file()
    for minute, (command, actor) in enumerate(history, start=1):
        before = case.level
        attempt(case, command, actor, minute)
        if isinstance(command, c.ReportIncident):
            assert case.level == before


@settings(max_examples=100, deadline=None)
@given(steps)
def test_H12_no_written_reply_ever_comes_from_anyone_but_the_spokesperson(history: list) -> None:
    case = file()
    for minute, (command, actor) in enumerate(history, start=1):
        attempt(case, command, actor, minute)

    assert all(reply["by"] == SPOKESPERSON.person for reply in case.written_replies)
