"""A hospital case ends on a rung only with the complainant's acceptance there (H5, H6, C4).

The department's and medical affairs' answers end handling when accepted (H5, H6: 如果患者家属
对解释能够接受，投诉处理至此终止); a lead's Resolve words that ending and never stands in for it.
"""

from __future__ import annotations

import pytest
from hospital_support import (
    ADMIN,
    DEPARTMENT_HEAD,
    MEDICAL_AFFAIRS,
    VICE_PRESIDENT,
    accept,
    climb_to,
    decline,
    drain,
    file,
    later,
    named,
    run,
)

from domain import commands as c
from domain.complaint import Status
from domain.errors import Refused

pytestmark = pytest.mark.domain

LEADS = [DEPARTMENT_HEAD, MEDICAL_AFFAIRS, VICE_PRESIDENT]


@pytest.mark.parametrize("lead", LEADS, ids=lambda actor: actor.person)
def test_H5_no_lead_resolves_in_the_department_without_the_complainants_acceptance(
    lead: c.Actor,
) -> None:
    case = file()
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("explained to the family"), lead)

    assert refused.value.rule == "H5"
    assert case.status is Status.OPEN
    assert drain(case) == []


def test_H5_a_declined_answer_is_not_resolved_by_a_lead() -> None:
    case = decline(file())

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("the family will come round"), DEPARTMENT_HEAD)

    assert refused.value.rule == "H5"
    assert case.status is Status.OPEN


@pytest.mark.parametrize("level", [1, 2])
def test_H6_no_resolution_at_medical_affairs_or_the_vice_president_without_acceptance(
    level: int,
) -> None:
    case = climb_to(file(), level)

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("settled"), VICE_PRESIDENT)

    assert refused.value.rule == "H6"
    assert case.status is Status.OPEN


def test_H13_acceptance_at_a_lower_rung_does_not_resolve_a_higher_one() -> None:
    # Accepted at the department, reopened, declined and passed up: the old yes stays below.
    case = accept(file())
    run(case, c.Close("settled"), DEPARTMENT_HEAD, later(1))
    run(case, c.Reopen("the family came back"), DEPARTMENT_HEAD, later(2))
    decline(case, later(3))
    run(case, c.Escalate("not settled after all"), DEPARTMENT_HEAD, later(3))

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("settled"), MEDICAL_AFFAIRS, later(4))

    assert refused.value.rule == "H6"
    assert (case.status, case.level) == (Status.OPEN, 1)


@pytest.mark.parametrize("level", [3, 4, 5])
def test_C4_no_resolution_at_an_outside_rung_without_acceptance(level: int) -> None:
    case = climb_to(file(), level)

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("done with it"), MEDICAL_AFFAIRS)

    assert refused.value.rule == "C4"
    assert case.status is Status.OPEN


def test_C4_an_acceptance_before_the_case_was_reopened_does_not_resolve_it_again() -> None:
    case = accept(file())
    run(case, c.Close("settled"), DEPARTMENT_HEAD, later(1))
    run(case, c.Reopen("the family came back with new concerns"), DEPARTMENT_HEAD, later(2))
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("settled as before"), DEPARTMENT_HEAD, later(3))

    assert refused.value.rule == "H5"
    assert case.status is Status.OPEN
    accept(case, later(4))
    assert case.status is Status.RESOLVED


@pytest.mark.parametrize("level", [0, 1, 2])
def test_H5_H6_a_lead_words_the_ending_once_the_complainant_accepted_there(level: int) -> None:
    case = accept(climb_to(file(), level))
    drain(case)

    run(case, c.Resolve("fees waived, apology given in person"), DEPARTMENT_HEAD)

    assert case.resolution == "fees waived, apology given in person"
    assert named(drain(case), "Resolved")


def test_C2_only_leads_word_the_ending() -> None:
    case = accept(file())

    with pytest.raises(Refused) as refused:
        run(case, c.Resolve("closed by admin"), ADMIN)

    assert refused.value.rule == "C2"
    assert case.resolution == "accepted at the department rung (H5)"
