"""Court (H9) and the health authority's opinion (H10): the endings outside the hospital."""

from __future__ import annotations

import pytest
from hospital_support import (
    DEPARTMENT_HEAD,
    LAWYER,
    MEDICAL_AFFAIRS,
    NURSE,
    VICE_PRESIDENT,
    climb_to,
    drain,
    file,
    later,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.complaint import DeadlineState, Status
from domain.errors import Refused
from domain.policies.hospital import APPRAISAL_RECORDS, UnknownAuthority

pytestmark = pytest.mark.domain


def test_H9_a_suit_takes_the_case_to_court_and_tells_the_lawyer() -> None:
    case = climb_to(file(), 3)
    drain(case)

    run(case, c.Escalate("the family has sued"), VICE_PRESIDENT)

    escalated = named(drain(case), "Escalated")[0]
    assert (case.level, case.rung) == (4, "court")
    assert escalated.rule == "H9"
    assert {"lawyer", "vice_president", "medical_affairs"} == set(escalated.notify)


def test_H9_hospital_designates_a_person_and_a_lawyer_for_court() -> None:
    case = climb_to(file(), 4)
    drain(case)

    run(case, c.Assign("affairs.sun", slot="court_representative"), VICE_PRESIDENT)
    run(case, c.Assign("lawyer.he", slot="lawyer"), VICE_PRESIDENT)

    assert case.handlers["court_representative"] == "affairs.sun"
    assert case.handlers["lawyer"] == "lawyer.he"
    assert len(named(drain(case), "Assigned")) == 2


@pytest.mark.parametrize("slot", ["court_representative", "lawyer"])
def test_H9_no_court_representation_before_the_case_is_in_court(slot: str) -> None:
    case = climb_to(file(), 3)

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("lawyer.he", slot=slot), VICE_PRESIDENT)

    assert refused.value.rule == "H9"
    assert slot not in case.handlers


def test_H9_lawyer_cannot_appoint_themselves() -> None:
    case = climb_to(file(), 4)

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("lawyer.he", slot="lawyer"), LAWYER)

    assert refused.value.rule == "H9"


def test_H9_the_court_judgment_ends_handling() -> None:
    case = climb_to(file(), 4)
    drain(case)

    run(case, c.RecordOutcome("court", target="hospital", opinion="赔偿 3 万元"), LAWYER)

    events = drain(case)
    assert case.status is Status.RESOLVED
    assert case.resolution == "court opinion (H9)"
    assert named(events, "OutcomeRecorded")[0].opinion == "赔偿 3 万元"
    # The appraisal-records deadline is settled, not left running after the end.
    assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.MET


def test_H9_no_judgment_before_the_case_is_in_court() -> None:
    case = climb_to(file(), 3)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("court", target="hospital", opinion="n/a"), LAWYER)

    assert refused.value.rule == "H13"
    assert case.status is Status.OPEN


def test_H10_health_authority_opinion_is_recorded_with_its_target() -> None:
    case = climb_to(file(), 5)
    drain(case)

    opinion = c.RecordOutcome(
        "health_authority", target="department:orthopaedics", opinion="通报批评"
    )
    run(case, opinion, MEDICAL_AFFAIRS, later(days=60))

    events = drain(case)
    assert case.outcomes[-1] == {
        "authority": "health_authority",
        "target": "department:orthopaedics",
        "opinion": "通报批评",
    }
    assert named(events, "OutcomeRecorded")[0].target == "department:orthopaedics"
    assert notified(events, "H10") >= {"department_head", "medical_affairs", "vice_president"}
    assert case.status is Status.RESOLVED
    assert case.resolution == "health_authority opinion (H10)"


def test_H10_opinion_must_name_its_target() -> None:
    case = climb_to(file(), 5)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("health_authority", target="  ", opinion="警告"))

    assert refused.value.rule == "H10"
    assert case.outcomes == []


def test_H10_opinion_may_follow_the_appraisal_without_a_suit() -> None:
    # H13 ends "medical appraisal → appraisal meeting → the health authority's opinion".
    case = climb_to(file(), 3)

    run(case, c.RecordOutcome("health_authority", target="person:dr.li", opinion="诫勉谈话"))

    assert case.level == 3
    assert case.status is Status.RESOLVED


def test_H10_no_opinion_while_the_hospital_still_handles_the_case() -> None:
    case = climb_to(file(), 2)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("health_authority", target="person:dr.li", opinion="警告"))

    assert refused.value.rule == "H13"


def test_H10_health_authority_follows_court_on_the_ladder() -> None:
    case = climb_to(file(), 4)
    drain(case)

    run(case, c.Escalate("referred to the health authority"), LAWYER)

    escalated = named(drain(case), "Escalated")[0]
    assert (case.level, case.rung, escalated.rule) == (5, "health_authority", "H10")


@pytest.mark.parametrize("actor", [NURSE, DEPARTMENT_HEAD])
def test_outside_opinions_are_recorded_by_medical_affairs_vp_or_lawyer(actor: c.Actor) -> None:
    case = climb_to(file(), 5)

    with pytest.raises(Refused):
        run(case, c.RecordOutcome("health_authority", target="hospital", opinion="警告"), actor)
    assert case.outcomes == []


def test_unknown_authority_is_refused() -> None:
    case = climb_to(file(), 5)

    with pytest.raises(UnknownAuthority):
        run(case, c.RecordOutcome("newspaper", target="hospital", opinion="bad press"))
