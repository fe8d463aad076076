"""The hospital's ladder: department, medical affairs, the vice-president, and H13's order."""

from __future__ import annotations

import pytest
from hospital_support import (
    CLINICIAN,
    DEPARTMENT_HEAD,
    HEAD_NURSE,
    MEDICAL_AFFAIRS,
    NURSE,
    POLICY,
    VICE_PRESIDENT,
    accept,
    climb_to,
    decline,
    drain,
    file,
    later,
    named,
    notified,
    run,
    take_h6_steps,
)

from domain import commands as c
from domain.complaint import Status
from domain.errors import InvalidTransition, Refused

pytestmark = pytest.mark.domain

RUNGS = [
    (0, "department", {"department_head", "head_nurse"}),
    (1, "medical_affairs", {"medical_affairs", "department_head"}),
    (2, "vice_president", {"vice_president", "medical_affairs"}),
    (3, "medical_appraisal", {"medical_affairs", "department_head", "vice_president"}),
    (4, "court", {"vice_president", "medical_affairs", "lawyer"}),
    (5, "health_authority", {"vice_president", "medical_affairs", "department_head"}),
]


def test_H13_ladder_is_the_procedure_in_order() -> None:
    assert [(r.level, r.name, set(r.roles)) for r in POLICY.ladder] == RUNGS


def test_H5_accepted_in_the_department_ends_handling() -> None:
    case = file()
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="the explanation is fine"), DEPARTMENT_HEAD)

    assert case.status is Status.RESOLVED
    assert case.level == 0
    assert named(drain(case), "Resolved")[0].outcome == "accepted at the department rung (H5)"


def test_H5_department_passes_a_declined_dispute_to_medical_affairs() -> None:
    case = decline(file())
    drain(case)

    run(case, c.Escalate("not settled in the department"), DEPARTMENT_HEAD)

    escalated = named(drain(case), "Escalated")
    assert (case.level, case.rung) == (1, "medical_affairs")
    assert escalated[0].rule == "H6"
    assert set(escalated[0].notify) == {"medical_affairs", "department_head"}


def test_H6_accepted_at_medical_affairs_ends_handling() -> None:
    case = climb_to(file(), 1)
    drain(case)

    accept(case)

    assert case.status is Status.RESOLVED
    assert case.resolution == "accepted at the medical_affairs rung (H6)"


def test_H6_declined_at_medical_affairs_asks_for_written_materials() -> None:
    case = climb_to(file(), 1)
    drain(case)

    decline(case)

    notices = [e for e in named(drain(case), "RolesNotified") if e.rule == "H6"]
    assert len(notices) == 1
    assert notices[0].roles == ["medical_affairs"]
    assert "written materials" in notices[0].reason
    assert case.status is Status.OPEN


def test_H6_declined_at_medical_affairs_goes_to_the_vice_president() -> None:
    case = take_h6_steps(decline(climb_to(file(), 1)))
    drain(case)

    run(case, c.Escalate("proposal declined; reporting to the vice-president"))

    escalated = named(drain(case), "Escalated")[0]
    assert (case.level, case.rung) == (2, "vice_president")
    assert escalated.rule == "H6"
    assert "vice_president" in escalated.notify


def test_H6_accepted_after_vice_president_negotiation_ends_handling() -> None:
    case = climb_to(file(), 2)
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="agreed after negotiation"), VICE_PRESIDENT)

    assert case.status is Status.RESOLVED
    assert case.resolution == "accepted at the vice_president rung (H6)"


def test_H7_failed_negotiation_advises_a_medical_appraisal() -> None:
    case = climb_to(file(), 2)
    drain(case)

    decline(case)

    assert notified(drain(case), "H7") == {"medical_affairs", "vice_president"}


def test_H13_escalation_climbs_one_rung_at_a_time() -> None:
    case = file()
    drain(case)

    climb_to(case, 5)

    escalations = named(drain(case), "Escalated")
    assert [(e.to_level, e.rung) for e in escalations] == [(r[0], r[1]) for r in RUNGS[1:]]


@pytest.mark.parametrize("level", [0, 1, 2])
def test_H13_hospital_rung_is_not_left_before_the_complainant_declines(level: int) -> None:
    case = climb_to(file(), level)
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Escalate("skip ahead"))

    assert refused.value.rule == "H13"
    assert case.level == level
    assert drain(case) == []


def test_H13_an_earlier_decline_does_not_carry_up_to_the_next_rung() -> None:
    case = climb_to(file(), 1)

    with pytest.raises(Refused, match="has not declined"):
        run(case, c.Escalate("declined downstairs already"))


def test_C4_acceptance_ends_handling_at_its_rung_so_it_is_not_passed_on() -> None:
    case = accept(decline(file()))

    with pytest.raises(Refused, match="handling ended") as refused:
        run(case, c.Escalate("escalate anyway"), DEPARTMENT_HEAD)

    assert refused.value.rule == "C4"
    assert case.level == 0


def test_H13_a_decline_before_the_case_was_reopened_does_not_pass_it_on() -> None:
    case = decline(file())
    run(case, c.Close("the family stopped answering"), DEPARTMENT_HEAD, later(1))
    run(case, c.Reopen("the family came back"), DEPARTMENT_HEAD, later(2))

    with pytest.raises(Refused, match="has not declined") as refused:
        run(case, c.Escalate("declined last time"), DEPARTMENT_HEAD, later(3))

    assert refused.value.rule == "H13"
    decline(case, later(3))
    run(case, c.Escalate("declined again"), DEPARTMENT_HEAD, later(3))
    assert case.level == 1


def test_C4_a_resolved_case_takes_no_new_answer() -> None:
    case = accept(file())
    drain(case)

    with pytest.raises(Refused) as refused:
        decline(case)

    assert refused.value.rule == "C4"
    assert [r["accepted"] for r in case.responses] == [True]


@pytest.mark.parametrize("actor", [CLINICIAN, NURSE, VICE_PRESIDENT])
def test_H13_only_the_rung_or_medical_affairs_passes_a_case_on(actor: c.Actor) -> None:
    case = decline(file())

    with pytest.raises(Refused) as refused:
        run(case, c.Escalate("pass it up"), actor)

    assert refused.value.rule == "H13"
    assert case.level == 0


@pytest.mark.parametrize("actor", [DEPARTMENT_HEAD, HEAD_NURSE, MEDICAL_AFFAIRS])
def test_H13_department_or_medical_affairs_may_pass_the_department_rung_on(
    actor: c.Actor,
) -> None:
    case = decline(file())

    run(case, c.Escalate("pass it up"), actor)

    assert case.level == 1


def test_H13_nothing_above_the_health_authority() -> None:
    case = climb_to(file(), 5)

    with pytest.raises(InvalidTransition):
        run(case, c.Escalate("higher still"))
    assert case.level == 5


def test_C2_each_escalation_notifies_the_roles_of_its_rung() -> None:
    case = file()
    drain(case)

    climb_to(case, 5)

    for escalated in named(drain(case), "Escalated"):
        assert set(escalated.notify) == RUNGS[escalated.to_level][2]
        assert escalated.policy == "hospital@1"


@pytest.mark.parametrize("level", [3, 4, 5])
def test_C4_accepted_at_an_outside_rung_ends_handling(level: int) -> None:
    case = climb_to(file(), level)

    accept(case)

    assert case.status is Status.RESOLVED
    assert case.resolution.endswith("(C4)")


def test_C4_a_closed_case_can_be_reopened_where_it_stood() -> None:
    case = accept(climb_to(file(), 1))
    run(case, c.Close("settled"), MEDICAL_AFFAIRS, later(1))
    drain(case)

    with pytest.raises(InvalidTransition):
        run(case, c.AddNote("too late"), NURSE, later(2))
    run(case, c.Reopen("family came back with new concerns"), MEDICAL_AFFAIRS, later(days=3))

    assert named(drain(case), "Reopened")
    assert (case.status, case.level, case.reopen_count) == (Status.OPEN, 1, 1)
    take_h6_steps(decline(case, later(days=3)), later(days=3))
    run(case, c.Escalate("reopened and still unresolved"), at=later(days=3))
    assert case.level == 2
