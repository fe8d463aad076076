"""School intake: the role directory, first-contact ownership, categories, ladder, incidents."""

from __future__ import annotations

import pytest
from school_support import (
    COORDINATOR,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    NOW,
    POLICY,
    RECEPTION,
    SAFETY_COMPLAINT,
    SUPERVISOR,
    TEACHER,
    WATCHER,
    campus_passed_on,
    drain,
    file,
    followed_up,
    investigated,
    later,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import InvalidTransition, Refused
from domain.policies.base import UnknownCategory
from domain.policies.school_procedure import CAMPUS_CATEGORIES, STEPS
from domain.policy import Policy

pytestmark = pytest.mark.domain

ROLES = {
    "administration",
    "department_head",
    "department_staff",
    "campus_supervisor",
    "general_manager",
    "regional_manager",
    "market_department",
    "campus_reception",
    "coordinator",
}


def test_school_policy_is_a_policy_with_the_schools_roles() -> None:
    assert isinstance(POLICY, Policy)
    assert POLICY.ref == "school@1"
    assert set(POLICY.roles) == ROLES | {"admin"}
    # "admin" is the tenant administrator, never the administration department.
    assert "行政部" in POLICY.roles["administration"]
    assert "行政部" not in POLICY.roles["admin"]


def test_C3_every_step_the_policy_times_is_documented_with_its_rule() -> None:
    rows = POLICY.documented_deadlines
    assert [row[1].split("`")[1] for row in rows] == list(STEPS)
    assert all(row[0] == STEPS[row[1].split("`")[1]].rule for row in rows)


def test_S1_the_first_person_to_receive_it_owns_the_case() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    assert case.owner == RECEPTION.person
    assert case.filed_by == RECEPTION.person


def test_S1_ownership_changes_only_by_an_explicit_hand_on() -> None:
    case = campus_passed_on()  # the receipt form went to the department head
    run(case, c.Escalate(reason="needs the supervisor"), RECEPTION)
    run(case, c.Classify(category=SAFETY_COMPLAINT, reason="a heater sparks"), RECEPTION)
    run(case, c.Assign(person=COORDINATOR.person, slot="coordinator"), SUPERVISOR)
    investigated(case)
    run(case, c.Resolve(outcome="heater replaced"), DEPARTMENT_HEAD)
    assert case.owner == RECEPTION.person

    run(case, c.HandOn(to_person=SUPERVISOR.person, reason="leaving shift"), RECEPTION)

    assert case.owner == SUPERVISOR.person
    (handed,) = named(drain(case), "OwnershipHandedOn")
    assert (handed.to_person, handed.by) == (SUPERVISOR.person, RECEPTION.person)


def test_S1_only_the_owner_or_a_manager_hands_a_case_on() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)

    with pytest.raises(Refused) as refused:
        run(case, c.HandOn(to_person=TEACHER.person), TEACHER)
    assert refused.value.rule == "S1"
    assert case.owner == RECEPTION.person

    run(case, c.HandOn(to_person=TEACHER.person, reason="reception is away"), SUPERVISOR)
    assert case.owner == TEACHER.person


def test_S1_handing_a_case_to_its_owner_is_invalid() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    with pytest.raises(InvalidTransition):
        run(case, c.HandOn(to_person=RECEPTION.person), RECEPTION)


@pytest.mark.parametrize(
    ("category", "told"),
    [
        ("problem", {"administration"}),
        (FACILITIES_COMPLAINT, {"campus_supervisor"}),
        (None, {"administration", "campus_supervisor"}),
    ],
)
def test_S1_every_complaint_is_recorded_and_reported_at_intake(
    category: str | None, told: set[str]
) -> None:
    case = file(category)
    assert notified(drain(case), "S1") == told


def test_S9_campus_categories_are_service_and_teaching_subjects_in_both_forms() -> None:
    subjects = {
        "service/facilities",
        "service/safety",
        "service/reception",
        "service/teaching_upkeep",
        "teaching/attendance",
        "teaching/quality",
        "teaching/materials",
    }
    expected = {f"campus/{s}/{form}" for s in subjects for form in ("suggestion", "complaint")}
    assert set(CAMPUS_CATEGORIES) == expected
    assert expected <= set(POLICY.categories)


@pytest.mark.parametrize(
    "category",
    ["campus/service/cafeteria/complaint", "campus/service/facilities/praise", "campus", "other"],
)
def test_S9_an_unknown_category_is_refused(category: str) -> None:
    with pytest.raises(UnknownCategory):
        file(category)
    case = file(None)
    with pytest.raises(UnknownCategory):
        run(case, c.Classify(category=category, reason="?"))


def test_S9_a_campus_category_is_recorded_under_S9() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    (classified,) = named(drain(case), "Classified")
    assert (classified.category, classified.rule, classified.rung) == (
        FACILITIES_COMPLAINT,
        "S9",
        "campus_reception",
    )


def test_S9_a_campus_category_may_be_corrected_without_restarting_the_clocks() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    due = {d: held.due_at for d, held in case.deadlines.items()}

    run(
        case, c.Classify(category=SAFETY_COMPLAINT, reason="the heater sparks"), RECEPTION, later(1)
    )

    assert case.category == SAFETY_COMPLAINT
    assert {d: held.due_at for d, held in case.deadlines.items()} == due


def test_S9_a_classified_case_cannot_be_classified_the_same_again() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    with pytest.raises(InvalidTransition):
        run(case, c.Classify(category=FACILITIES_COMPLAINT, reason="again"), RECEPTION)


def test_C2_a_campus_case_climbs_the_ladder_and_each_rung_is_told() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    drain(case)
    expected = [
        (1, "department", {"department_head", "coordinator"}),
        (2, "campus_supervisor", {"campus_supervisor"}),
        (3, "regional_manager", {"regional_manager"}),
        (4, "administration", {"administration"}),
        (5, "general_manager", {"general_manager"}),
    ]
    for level, rung, roles in expected:
        run(case, c.Escalate(reason="not solved here"), RECEPTION)
        (escalated,) = named(drain(case), "Escalated")
        assert (case.level, case.rung, set(escalated.notify)) == (level, rung, roles)
        assert escalated.rule == "C2"
    with pytest.raises(InvalidTransition):
        run(case, c.Escalate(reason="higher still"), RECEPTION)


def test_C2_a_headquarters_case_starts_at_administration_below_the_general_manager() -> None:
    case = file("problem")
    assert (case.level, case.rung) == (4, "administration")
    run(case, c.Escalate(reason="the parent asks for the general manager"))
    assert (case.level, case.rung) == (5, "general_manager")


def test_C5_an_incident_goes_straight_to_leadership_without_climbing() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    drain(case)

    incident = c.ReportIncident(
        kind="disorder", description="shouting in the lobby", police_called=True
    )
    run(case, incident, RECEPTION)

    (reported,) = named(drain(case), "IncidentReported")
    assert reported.rule == "C5"
    assert reported.police_called is True
    assert set(reported.notify) == {
        "general_manager",
        "campus_supervisor",
        "regional_manager",
        "administration",
    }
    assert case.level == 0


def test_C3_only_the_deadline_watcher_records_a_missed_deadline() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    with pytest.raises(Refused) as refused:
        run(case, c.MissDeadline("receipt_form"), SUPERVISOR, later(days=3))
    assert refused.value.rule == "C3"
    run(case, c.MissDeadline("receipt_form"), WATCHER, later(days=3))
    assert case.deadlines["receipt_form"].state == "missed"


def test_C4_a_closed_case_can_be_reopened() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    run(case, c.Resolve(outcome="answered at the desk"), RECEPTION)
    run(case, c.Close(reason="parent satisfied"), RECEPTION)

    run(case, c.Reopen(reason="the heater failed again"), SUPERVISOR, later(days=5))

    assert case.status == "open"
    assert case.reopen_count == 1


def test_C1_the_history_replays_to_the_same_case() -> None:
    case = campus_passed_on()
    investigated(case)
    run(case, c.Resolve(outcome="heater replaced"), DEPARTMENT_HEAD, later(5))
    followed_up(case, later(days=2), score=5)
    run(case, c.Close(reason="follow-up feedback given"), SUPERVISOR, later(days=2))
    events = drain(case)

    replayed: Complaint | None = None
    for event in events:
        replayed = event.mutate(replayed)

    assert replayed is not None
    assert type(events[0]).__name__ == "Filed"
    for field in ("owner", "status", "category", "deadlines", "handlers", "satisfaction"):
        assert getattr(replayed, field) == getattr(case, field)
    assert replayed.version == case.version
    assert all(event.timestamp for event in events)
    assert events[0].at == NOW
