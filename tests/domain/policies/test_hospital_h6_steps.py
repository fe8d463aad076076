"""H6 at medical affairs: declined → written materials → investigation → proposal → the
vice-president (如果不接受，要求其提供书面材料，由有关负责人调查了解详情，提出解决问题的方案，
汇报分管副院长). Each step is a recorded act the policy flags; the vice-president's rung is
reached only once all three are on the case.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hospital_support import (
    DEPARTMENT_HEAD,
    MEDICAL_AFFAIRS,
    NURSE,
    SECURITY,
    VICE_PRESIDENT,
    climb_to,
    decline,
    drain,
    file,
    kinds,
    named,
    run,
    take_h6_steps,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import Refused

pytestmark = pytest.mark.domain

MATERIALS = c.AttachEvidence("the family's written account", reference="doc/1")
FINDINGS = c.RecordOutcome("investigation", "department:surgery", "dressing two hours late")
PROPOSAL = c.ProposeResolution("waive the dressing fees and apologise")
H6_FLAGS = ["written_materials_received", "investigation_done", "proposal_made"]


def declined_at_medical_affairs() -> Complaint:
    case = decline(climb_to(file(), 1))
    drain(case)
    return case


def h6_flags(case: Complaint) -> list[str]:
    return [flag for flag in case.flags if flag in H6_FLAGS]


def only_materials(case: Complaint) -> None:
    run(case, MATERIALS)


def materials_and_findings(case: Complaint) -> None:
    run(case, MATERIALS)
    run(case, FINDINGS)


def materials_and_proposal(case: Complaint) -> None:
    run(case, MATERIALS)
    run(case, PROPOSAL)  # before the investigation: a proposal, not H6's


@pytest.mark.parametrize(
    "partly",
    [lambda case: None, only_materials, materials_and_findings, materials_and_proposal],
    ids=["nothing", "materials", "materials and findings", "materials and proposal"],
)
def test_H6_vice_president_is_not_reached_before_every_step_is_recorded(
    partly: Callable[[Complaint], None],
) -> None:
    case = declined_at_medical_affairs()
    partly(case)
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, c.Escalate("reporting to the vice-president"))

    assert refused.value.rule == "H6"
    assert case.level == 1
    assert drain(case) == []


def test_H6_each_step_is_its_act_flagged_on_the_case() -> None:
    case = declined_at_medical_affairs()

    take_h6_steps(case)

    events = drain(case)
    assert kinds(events) == [
        "EvidenceAttached",
        "Flagged",
        "OutcomeRecorded",
        "Flagged",
        "ResolutionProposed",
        "Flagged",
    ]
    assert [(e.flag, e.rule) for e in named(events, "Flagged")] == [(f, "H6") for f in H6_FLAGS]
    assert h6_flags(case) == H6_FLAGS
    assert case.outcomes[-1]["authority"] == "investigation"


def test_H6_with_every_step_recorded_the_case_goes_to_the_vice_president() -> None:
    case = take_h6_steps(declined_at_medical_affairs())

    run(case, c.Escalate("reporting to the vice-president"))

    assert (case.level, case.rung) == (2, "vice_president")


def test_H6_steps_follow_the_complainant_declining_medical_affairs_answer() -> None:
    case = climb_to(file(), 1)  # at medical affairs, not yet answered there

    run(case, MATERIALS)
    with pytest.raises(Refused) as refused:
        run(case, FINDINGS)

    assert refused.value.rule == "H6"
    assert h6_flags(case) == []


def test_H6_a_department_answer_declined_does_not_start_the_steps() -> None:
    case = decline(file())

    run(case, MATERIALS, MEDICAL_AFFAIRS)
    run(case, PROPOSAL, MEDICAL_AFFAIRS)

    assert h6_flags(case) == []


def test_H6_the_investigation_follows_the_written_materials() -> None:
    case = declined_at_medical_affairs()

    with pytest.raises(Refused) as refused:
        run(case, FINDINGS)

    assert refused.value.rule == "H6"
    assert "written_materials_received" in refused.value.args[0]


def test_H6_a_proposal_before_the_investigation_is_not_the_step() -> None:
    case = declined_at_medical_affairs()
    materials_and_proposal(case)
    assert h6_flags(case) == ["written_materials_received"]

    run(case, FINDINGS)
    run(case, PROPOSAL, DEPARTMENT_HEAD)

    assert h6_flags(case) == H6_FLAGS


@pytest.mark.parametrize("actor", [NURSE, SECURITY, DEPARTMENT_HEAD])
def test_H6_written_materials_are_those_medical_affairs_attaches(actor: c.Actor) -> None:
    case = declined_at_medical_affairs()

    run(case, MATERIALS, actor)

    assert len(case.evidence) == 1
    assert h6_flags(case) == []


def test_H6_the_investigations_findings_are_recorded_by_medical_affairs() -> None:
    case = declined_at_medical_affairs()
    run(case, MATERIALS)

    with pytest.raises(Refused) as refused:
        run(case, FINDINGS, VICE_PRESIDENT)

    assert refused.value.rule == "H6"
    assert h6_flags(case) == ["written_materials_received"]


def test_H6_a_proposal_by_a_nurse_is_not_the_step() -> None:
    case = declined_at_medical_affairs()
    materials_and_findings(case)

    run(case, PROPOSAL, NURSE)

    assert "proposal_made" not in case.flags


def test_H6_further_materials_and_findings_are_recorded_once_flagged() -> None:
    case = take_h6_steps(declined_at_medical_affairs())
    drain(case)

    run(case, c.AttachEvidence("a second letter", reference="doc/2"))
    run(case, FINDINGS)

    events = drain(case)
    assert kinds(events) == ["EvidenceAttached", "OutcomeRecorded"]
    assert h6_flags(case) == H6_FLAGS
