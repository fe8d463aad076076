"""S6, S7: media, government and inspectors are recorded and routed; C6: who writes."""

from __future__ import annotations

import pytest
from school_support import (
    ADMINISTRATION,
    DEPARTMENT_HEAD,
    FACILITIES_COMPLAINT,
    GENERAL_MANAGER,
    MARKET,
    RECEPTION,
    REGIONAL_MANAGER,
    SUPERVISOR,
    TEACHER,
    drain,
    file,
    later,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

LEADERSHIP = {"general_manager", "campus_supervisor", "regional_manager"}


def contact(kind: str) -> c.RecordContact:
    return c.RecordContact(
        kind=kind,
        name="Reporter Gao",
        organisation="Guizhou Evening News",
        purpose="a story on refunds",
    )


@pytest.mark.parametrize("kind", ["media", "government"])
def test_S6_media_or_government_involvement_is_recorded_and_leadership_told_at_once(
    kind: str,
) -> None:
    case = file("problem")
    drain(case)

    run(case, contact(kind))

    assert case.contacts == [
        {
            "kind": kind,
            "name": "Reporter Gao",
            "organisation": "Guizhou Evening News",
            "purpose": "a story on refunds",
        }
    ]
    told = notified(drain(case), "S6")
    assert told >= LEADERSHIP
    # S6: administration and the department heads go and explain.
    assert {"administration", "department_head"} <= told


def test_S7_an_inspection_on_a_campus_goes_to_the_supervisor_and_regional_manager() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION, site="Nanming campus")
    drain(case)

    run(case, contact("inspection"), RECEPTION)

    (told,) = named(drain(case), "RolesNotified")
    assert told.rule == "S7"
    assert set(told.roles) == LEADERSHIP
    # The record carries who came, from where and why, and that nothing happens unapproved.
    for words in ("Reporter Gao", "Guizhou Evening News", "a story on refunds", "approval"):
        assert words in told.reason


def test_S7_media_on_a_campus_need_the_supervisors_approval() -> None:
    case = file(FACILITIES_COMPLAINT, by=RECEPTION)
    drain(case)
    run(case, contact("media"), RECEPTION)
    (told,) = named(drain(case), "RolesNotified")
    assert (told.rule, set(told.roles)) == ("S7", LEADERSHIP)
    assert "filming" in told.reason


def test_S6_recording_a_contact_suppresses_nothing() -> None:
    """Any staff member records it; the case, its clocks and its replies go on unchanged."""
    case = file("problem")
    due = case.deadlines["final_plan"].due_at

    for actor in (TEACHER, MARKET, RECEPTION):
        run(case, contact("media"), actor)

    assert len(case.contacts) == 3
    assert case.deadlines["final_plan"].due_at == due
    assert case.status == "open" and not case.flags
    run(case, c.ReplyInWriting(text="our account of events"), ADMINISTRATION)
    run(case, c.ProposeResolution(text="refund", compensation_fen=1_000))
    assert len(case.written_replies) == 1


def test_S6_a_contact_after_resolution_is_still_recorded_and_routed() -> None:
    case = file("malicious")
    run(case, c.RecordResponse(accepted=True, text="withdrawn"))
    drain(case)
    run(case, contact("government"), at=later(days=2))
    assert notified(drain(case), "S6") >= LEADERSHIP


def test_S6_nothing_is_routed_to_the_market_department() -> None:
    """The plan's buy-back and post-deletion remedies are not automated (PROCEDURES S6)."""
    case = file("problem")
    run(case, contact("media"))
    assert "market_department" not in notified(drain(case))


@pytest.mark.parametrize("actor", [TEACHER, DEPARTMENT_HEAD, RECEPTION, MARKET])
def test_C6_staff_do_not_answer_in_writing(actor: c.Actor) -> None:
    case = file("problem")
    with pytest.raises(Refused) as refused:
        run(case, c.ReplyInWriting(text="we are sorry"), actor)
    assert refused.value.rule == "C6"
    assert not case.written_replies


@pytest.mark.parametrize("actor", [ADMINISTRATION, SUPERVISOR, REGIONAL_MANAGER, GENERAL_MANAGER])
def test_C6_administration_and_leadership_answer_in_writing(actor: c.Actor) -> None:
    case = file("problem")
    run(case, c.ReplyInWriting(text="our written answer"), actor)
    assert len(case.written_replies) == 1
