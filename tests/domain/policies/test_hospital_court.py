"""Court (H9) and the health authority's opinion (H10): the endings outside the hospital.

Court is the branch a suit opens (H9 患者及家属向法院起诉后); H13 itself runs from the appraisal
meeting to the health authority's opinion, so without a suit the case goes there directly.
"""

from __future__ import annotations

import pytest
from hospital_support import (
    DEPARTMENT_HEAD,
    LAWYER,
    MEDICAL_AFFAIRS,
    NURSE,
    VICE_PRESIDENT,
    climb_to,
    designate,
    drain,
    file,
    later,
    named,
    notified,
    run,
    sue,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState, Status
from domain.errors import Refused
from domain.policies.hospital import APPRAISAL_RECORDS, UnknownAuthority

pytestmark = pytest.mark.domain

COURT_SLOTS = ("court_representative", "lawyer")


def appraised(suit: bool) -> Complaint:
    """At the appraisal rung with its attendee designated, sued or not."""
    case = designate(climb_to(file(), 3), "appraisal_attendee")
    return sue(case) if suit else case


def in_court() -> Complaint:
    return designate(climb_to(file(), 4), *COURT_SLOTS)


# --- the suit and the court rung (H9) ---------------------------------------------------


def test_H9_a_suit_takes_the_case_to_court_and_tells_the_lawyer() -> None:
    case = appraised(suit=True)
    drain(case)

    run(case, c.Escalate("the family has sued"), VICE_PRESIDENT)

    escalated = named(drain(case), "Escalated")[0]
    assert (case.level, case.rung) == (4, "court")
    assert escalated.rule == "H9"
    assert {"lawyer", "vice_president", "medical_affairs"} == set(escalated.notify)


def test_H9_the_suit_is_a_recorded_fact_that_asks_for_the_hospitals_representatives() -> None:
    case = designate(climb_to(file(), 3), "appraisal_attendee")
    drain(case)

    sue(case)

    events = drain(case)
    assert case.contacts[-1]["kind"] == "suit"
    assert [(e.flag, e.rule) for e in named(events, "Flagged")] == [("suit_filed", "H9")]
    assert notified(events, "H9") == {"vice_president", "medical_affairs", "lawyer"}


@pytest.mark.parametrize("level", [1, 2, 4])
def test_H9_a_suit_is_recorded_at_the_appraisal_rung(level: int) -> None:
    case = climb_to(file(), level)
    flags = list(case.flags)

    with pytest.raises(Refused) as refused:
        sue(case)

    assert refused.value.rule == "H9"
    assert case.flags == flags


@pytest.mark.parametrize("actor", [NURSE, DEPARTMENT_HEAD])
def test_H9_a_suit_is_recorded_by_medical_affairs_the_vice_president_or_the_lawyer(
    actor: c.Actor,
) -> None:
    case = climb_to(file(), 3)
    suit = c.RecordContact("suit", "clerk.qian", "海淀区人民法院", "(2026)京0108民初1号")

    with pytest.raises(Refused) as refused:
        run(case, suit, actor)

    assert refused.value.rule == "H9"
    assert "suit_filed" not in case.flags


def test_H9_a_suit_names_its_court() -> None:
    case = climb_to(file(), 3)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordContact("suit", "clerk.qian", " ", "a claim"))

    assert refused.value.rule == "H9"


def test_H9_hospital_designates_a_person_and_a_lawyer_for_court() -> None:
    case = climb_to(file(), 4)
    drain(case)

    run(case, c.Assign("affairs.sun", slot="court_representative"), VICE_PRESIDENT)
    run(case, c.Assign("lawyer.he", slot="lawyer"), VICE_PRESIDENT)

    assert case.handlers["court_representative"] == "affairs.sun"
    assert case.handlers["lawyer"] == "lawyer.he"
    assert len(named(drain(case), "Assigned")) == 2


def test_H9_court_representatives_may_be_named_as_soon_as_the_suit_is_recorded() -> None:
    case = appraised(suit=True)

    designate(case, *COURT_SLOTS)

    assert case.level == 3
    assert {"court_representative", "lawyer"} <= set(case.handlers)


@pytest.mark.parametrize("slot", COURT_SLOTS)
def test_H9_no_court_representation_before_the_complainant_sues(slot: str) -> None:
    case = appraised(suit=False)

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("lawyer.he", slot=slot), VICE_PRESIDENT)

    assert refused.value.rule == "H9"
    assert slot not in case.handlers


def test_H9_lawyer_cannot_appoint_themselves() -> None:
    case = climb_to(file(), 4)

    with pytest.raises(Refused) as refused:
        run(case, c.Assign("lawyer.he", slot="lawyer"), LAWYER)

    assert refused.value.rule == "H9"


@pytest.mark.parametrize("designated", [(), ("court_representative",), ("lawyer",)])
def test_H9_court_rung_is_not_passed_without_a_representative_and_a_lawyer(
    designated: tuple[str, ...],
) -> None:
    case = designate(climb_to(file(), 4), *designated)
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Escalate("referred to the health authority"), LAWYER)

    assert refused.value.rule == "H9"
    assert case.level == 4
    assert drain(case) == []


def test_H9_the_court_judgment_ends_handling() -> None:
    case = in_court()
    drain(case)

    run(case, c.RecordOutcome("court", target="hospital", opinion="赔偿 3 万元"), LAWYER)

    events = drain(case)
    assert case.status is Status.RESOLVED
    assert case.resolution == "court opinion (H9)"
    assert named(events, "OutcomeRecorded")[0].opinion == "赔偿 3 万元"
    # The records never came in: the ending cancels the deadline, it does not meet it (C3).
    assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.CANCELLED


@pytest.mark.parametrize("designated", [(), ("court_representative",), ("lawyer",)])
def test_H9_no_judgment_is_recorded_before_the_hospital_is_represented(
    designated: tuple[str, ...],
) -> None:
    case = designate(climb_to(file(), 4), *designated)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("court", target="hospital", opinion="判决"), LAWYER)

    assert refused.value.rule == "H9"
    assert case.status is Status.OPEN


def test_H9_no_judgment_before_the_case_is_in_court() -> None:
    case = climb_to(file(), 3)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("court", target="hospital", opinion="n/a"), LAWYER)

    assert refused.value.rule == "H13"
    assert case.status is Status.OPEN


def test_H9_no_judgment_where_nobody_sued() -> None:
    case = climb_to(file(), 5, suit=False)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("court", target="hospital", opinion="判决"), LAWYER)

    assert refused.value.rule == "H9"
    assert case.status is Status.OPEN


# --- the health authority (H10, H13) ----------------------------------------------------


def test_H13_without_a_suit_the_appraisal_leads_to_the_health_authority() -> None:
    case = appraised(suit=False)
    drain(case)

    run(case, c.Escalate("referred to the health authority"), VICE_PRESIDENT)

    escalated = named(drain(case), "Escalated")
    assert [(e.to_level, e.rung, e.rule) for e in escalated] == [(5, "health_authority", "H10")]
    assert (case.level, case.rung) == (5, "health_authority")
    assert not {"court_representative", "lawyer"} & set(case.handlers)


def test_H10_health_authority_follows_court_on_the_ladder() -> None:
    case = in_court()
    drain(case)

    run(case, c.Escalate("referred to the health authority"), LAWYER)

    escalated = named(drain(case), "Escalated")[0]
    assert (case.level, case.rung, escalated.rule) == (5, "health_authority", "H10")


@pytest.mark.parametrize("suit", [True, False], ids=["after court", "without a suit"])
def test_H10_health_authority_opinion_is_recorded_with_its_target(suit: bool) -> None:
    case = climb_to(file(), 5, suit=suit)
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
    before = list(case.outcomes)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("health_authority", target="  ", opinion="警告"))

    assert refused.value.rule == "H10"
    assert case.outcomes == before


def test_H10_opinion_may_follow_the_appraisal_meeting_without_a_suit() -> None:
    # H13 ends "medical appraisal → appraisal meeting → the health authority's opinion".
    case = appraised(suit=False)

    run(case, c.RecordOutcome("health_authority", target="person:dr.li", opinion="诫勉谈话"))

    assert case.level == 3
    assert case.status is Status.RESOLVED


def test_H8_no_opinion_before_the_hospital_is_represented_at_the_appraisal_meeting() -> None:
    case = climb_to(file(), 3)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("health_authority", target="person:dr.li", opinion="诫勉谈话"))

    assert refused.value.rule == "H8"
    assert case.status is Status.OPEN


def test_H10_no_opinion_while_the_hospital_still_handles_the_case() -> None:
    case = climb_to(file(), 2)

    with pytest.raises(Refused) as refused:
        run(case, c.RecordOutcome("health_authority", target="person:dr.li", opinion="警告"))

    assert refused.value.rule == "H13"


@pytest.mark.parametrize("actor", [NURSE, DEPARTMENT_HEAD])
def test_outside_opinions_are_recorded_by_medical_affairs_vp_or_lawyer(actor: c.Actor) -> None:
    case = climb_to(file(), 5)
    before = list(case.outcomes)

    with pytest.raises(Refused):
        run(case, c.RecordOutcome("health_authority", target="hospital", opinion="警告"), actor)
    assert case.outcomes == before


def test_unknown_authority_is_refused() -> None:
    case = climb_to(file(), 5)

    with pytest.raises(UnknownAuthority):
        run(case, c.RecordOutcome("newspaper", target="hospital", opinion="bad press"))
