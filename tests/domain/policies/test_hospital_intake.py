"""Hospital intake: the role directory, what is recorded, handovers and who is told at once."""

from __future__ import annotations

import pytest
from hospital_support import (
    CLINICIAN,
    NEXT_SHIFT,
    NURSE,
    POLICY,
    climb_to,
    drain,
    file,
    later,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.complaint import Status
from domain.policies.base import UnknownCategory
from domain.policy import Policy

pytestmark = pytest.mark.domain

ROLES = (
    "clinician",
    "nurse",
    "department_head",
    "head_nurse",
    "medical_affairs",
    "vice_president",
    "spokesperson",
    "lawyer",
    "security",
    "admin",
)


def test_policy_is_hospital_version_1_with_every_role_described() -> None:
    assert isinstance(POLICY, Policy)
    assert POLICY.ref == "hospital@1"
    assert set(POLICY.roles) == set(ROLES)
    assert all(POLICY.roles[role].strip() for role in ROLES)


def test_H1_staff_record_prevention_work_on_the_case() -> None:
    case = file()
    drain(case)

    run(case, c.AddNote("explained the dressing schedule; moved bed away from the draught"), NURSE)

    assert case.notes[-1]["text"].startswith("explained the dressing schedule")
    assert case.notes[-1]["by"] == "nurse.wang"
    assert named(drain(case), "NoteAdded")


def test_H2_intake_keeps_what_the_complainant_said() -> None:
    said = "患者家属称换药晚了两个小时，伤口发红；要求主任当面解释"
    case = file(details=said, complainant={"name": "张女士", "relation": "daughter"})

    filed = named(drain(case), "Filed")

    assert case.details == said
    assert filed[0].details == said
    assert filed[0].complainant == {"name": "张女士", "relation": "daughter"}
    assert case.filed_by == "nurse.wang"


def test_H3_handover_is_recorded_and_visible_to_the_next_shift() -> None:
    case = file()
    drain(case)

    run(case, c.AddHandover("bed 12: family upset about dressing times; speak gently"), NURSE)
    events = drain(case)

    # The next shift reads the same case and finds the handover among its notes.
    handovers = [note for note in case.notes if note["kind"] == "handover"]
    assert handovers == [
        {
            "kind": "handover",
            "text": "bed 12: family upset about dressing times; speak gently",
            "by": "nurse.wang",
            "at": later(),
        }
    ]
    assert named(events, "HandoverAdded")
    run(case, c.AddHandover("bed 12: calmer after the head's visit"), NEXT_SHIFT, later(8))
    assert [note["by"] for note in case.notes if note["kind"] == "handover"] == [
        "nurse.wang",
        "nurse.zhao",
    ]


def test_H3_each_handover_is_reported_to_the_head_nurse() -> None:
    case = file()
    drain(case)

    run(case, c.AddHandover("bed 12: hard to communicate with"), NURSE)

    assert notified(drain(case), "H3") == {"head_nurse"}


def test_H4_department_head_head_nurse_and_medical_affairs_all_told_on_intake() -> None:
    case = file(by=CLINICIAN)

    events = drain(case)

    assert notified(events, "H4") == {"department_head", "head_nurse", "medical_affairs"}
    assert case.status is Status.OPEN
    assert case.level == 0


def test_H4_told_on_intake_even_without_a_category() -> None:
    case = file(category=None)

    assert notified(drain(case), "H4") == {"department_head", "head_nurse", "medical_affairs"}
    assert case.category is None


def test_H5_a_dispute_starts_in_the_department() -> None:
    case = file(category="medical_dispute")

    classified = named(drain(case), "Classified")

    assert (case.category, case.level, case.rung) == ("medical_dispute", 0, "department")
    assert classified[0].rule == "H5"
    assert classified[0].policy == "hospital@1"


def test_H13_reclassifying_never_moves_the_case_on_the_ladder() -> None:
    case = climb_to(file(), 2)
    drain(case)

    run(case, c.Classify("service_complaint", reason="about attitude, not treatment"))

    assert (case.category, case.level, case.rung) == ("service_complaint", 2, "vice_president")


def test_unknown_category_is_refused_at_intake() -> None:
    with pytest.raises(UnknownCategory):
        file(category="parking")
