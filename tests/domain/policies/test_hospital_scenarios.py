"""The whole hospital procedure (H13), from intake to each ending the plan names.

One walker plays the plan's steps in order and stops where the chosen ending is reached:
accepted in the department (H5), at medical affairs (H6), after the vice-president's
negotiation (H6), after the medical appraisal (H7, H8, C4), by the court's judgment (H9), or
by the health authority's opinion (H10), after court or, with no suit, straight after the
appraisal meeting (H13). The history it leaves is replayed as an auditor would (C1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hospital_support import (
    DEPARTMENT_HEAD,
    LAWYER,
    MEDICAL_AFFAIRS,
    NURSE,
    SPOKESPERSON,
    VICE_PRESIDENT,
    file,
    kinds,
    later,
    run,
)

from domain import commands as c
from domain.complaint import Complaint, DeadlineState, Status
from domain.policies.hospital import APPRAISAL_RECORDS

pytestmark = pytest.mark.domain

Step = Callable[[Complaint], Any]


def answer(accepted: bool, by: c.Actor, day: int) -> Step:
    response = c.RecordResponse(accepted=accepted, text="accepted" if accepted else "declined")
    return lambda case: run(case, response, by, later(days=day))


def do(command: c.Command, by: c.Actor, day: int) -> Step:
    return lambda case: run(case, command, by, later(days=day))


# Each stage: its steps up to the point where the complainant (or an outside body) answers,
# then how it ends if this is the ending, and how it carries on if not.
STAGES: list[tuple[str, list[Step], Step, list[Step]]] = [
    (
        "department",  # H5
        [
            do(c.AddHandover("bed 12: family unhappy with dressing times"), NURSE, 0),
            do(
                c.ProposeResolution("head explains the dressing plan in person"), DEPARTMENT_HEAD, 1
            ),
        ],
        answer(True, DEPARTMENT_HEAD, 1),
        [answer(False, DEPARTMENT_HEAD, 1), do(c.Escalate("not settled"), DEPARTMENT_HEAD, 1)],
    ),
    (
        "medical_affairs",  # H6
        [do(c.ProposeResolution("joint review with the department head"), MEDICAL_AFFAIRS, 2)],
        answer(True, MEDICAL_AFFAIRS, 2),
        [
            answer(False, MEDICAL_AFFAIRS, 2),
            # H6: written materials, the investigation, a proposal, then the vice-president
            do(c.AttachEvidence("family's written account", reference="doc/1"), MEDICAL_AFFAIRS, 4),
            do(
                c.RecordOutcome("investigation", "department:orthopaedics", "换药延误 2 小时"),
                MEDICAL_AFFAIRS,
                4,
            ),
            do(c.ProposeResolution("fee waiver", compensation_fen=200_000), MEDICAL_AFFAIRS, 5),
            do(c.Escalate("reporting to the vice-president"), MEDICAL_AFFAIRS, 5),
        ],
    ),
    (
        "vice_president",  # H6
        [do(c.ReplyInWriting("医院书面答复：……"), SPOKESPERSON, 6)],
        answer(True, VICE_PRESIDENT, 7),
        [answer(False, VICE_PRESIDENT, 7), do(c.Escalate("appraisal advised"), VICE_PRESIDENT, 7)],
    ),
    (
        "medical_appraisal",  # H7, H8
        [
            do(c.MeetDeadline(APPRAISAL_RECORDS), DEPARTMENT_HEAD, 12),
            do(c.Assign("affairs.sun", slot="appraisal_attendee"), VICE_PRESIDENT, 12),
            do(
                c.RecordOutcome("appraisal_body", "hospital", "不构成医疗事故"), MEDICAL_AFFAIRS, 40
            ),
        ],
        answer(True, MEDICAL_AFFAIRS, 41),
        [
            do(c.RecordContact("suit", "clerk.qian", "海淀区人民法院", "民初1号"), LAWYER, 44),
            do(c.Escalate("the family has sued"), VICE_PRESIDENT, 45),
        ],
    ),
    (
        "court",  # H9
        [
            do(c.Assign("affairs.sun", slot="court_representative"), VICE_PRESIDENT, 46),
            do(c.Assign("lawyer.he", slot="lawyer"), VICE_PRESIDENT, 46),
        ],
        do(c.RecordOutcome("court", "hospital", "驳回诉讼请求"), LAWYER, 120),
        [do(c.Escalate("referred to the health authority"), LAWYER, 120)],
    ),
    (
        "health_authority",  # H10
        [],
        do(c.RecordOutcome("health_authority", "department:orthopaedics", "通报"), LAWYER, 150),
        [],
    ),
]
# H13 without a suit: from the appraisal meeting straight to the health authority's opinion.
NO_SUIT = [do(c.Escalate("referred to the health authority"), VICE_PRESIDENT, 45)]
ENDINGS = {
    "department": "accepted at the department rung (H5)",
    "medical_affairs": "accepted at the medical_affairs rung (H6)",
    "vice_president": "accepted at the vice_president rung (H6)",
    "medical_appraisal": "accepted at the medical_appraisal rung (C4)",
    "court": "court opinion (H9)",
    "health_authority": "health_authority opinion (H10)",
}


def walk(ending: str, suit: bool = True) -> Complaint:
    case = file(details="家属称换药延误，伤口感染", by=NURSE)
    for rung, steps, ends, carries_on in STAGES:
        if rung == "court" and not suit:
            continue
        assert case.rung == rung  # H13: the plan's order, one rung at a time
        for step in steps:
            step(case)
        if rung == ending:
            ends(case)
            return case
        for step in NO_SUIT if rung == "medical_appraisal" and not suit else carries_on:
            step(case)
    raise AssertionError(f"no ending {ending!r}")


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_H13_walks_from_intake_to_each_ending(ending: str) -> None:
    case = walk(ending)

    assert case.status is Status.RESOLVED
    assert case.resolution == ENDINGS[ending]
    assert case.level == [s[0] for s in STAGES].index(ending)
    assert not [d for d in case.deadlines.values() if d.is_pending]
    run(case, c.Close("handling ended"), MEDICAL_AFFAIRS, later(days=200))
    assert case.status is Status.CLOSED


def test_H13_without_a_suit_the_walk_skips_court_for_the_health_authority() -> None:
    case = walk("health_authority", suit=False)

    escalated = [e for e in case.collect_events() if type(e).__name__ == "Escalated"]
    assert [e.rung for e in escalated] == [
        "medical_affairs",
        "vice_president",
        "medical_appraisal",
        "health_authority",
    ]
    assert case.resolution == ENDINGS["health_authority"]
    assert "suit_filed" not in case.flags


def test_H13_history_reads_as_the_procedure() -> None:
    case = walk("health_authority")

    history = kinds(list(case.collect_events()))

    assert history[:2] == ["Filed", "RolesNotified"]  # H4
    assert history.count("Escalated") == 5
    assert history[-2:] == ["RolesNotified", "Resolved"]
    started = history.index("DeadlineStarted")
    assert history[started - 1] == "Escalated"  # H7 starts as the case reaches appraisal


def test_C1_every_event_names_who_and_when_and_decisions_name_the_policy() -> None:
    events = list(walk("court").collect_events())

    assert all(hasattr(e, "by") and e.at.tzinfo is not None for e in events)
    decided = {"Classified", "Escalated", "RolesNotified", "DeadlineStarted"}
    decisions = [e for e in events if type(e).__name__ in decided]
    assert {type(e).__name__ for e in decisions} == decided
    assert all(e.policy == "hospital@1" and e.rule for e in decisions)


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_C1_an_auditor_replays_the_history_to_the_same_case(ending: str) -> None:
    case = walk(ending)
    events = list(case.collect_events())

    replayed: Any = None
    for event in events:
        replayed = event.mutate(replayed)

    assert vars(replayed) == vars(case)
    if APPRAISAL_RECORDS in case.deadlines:
        assert case.deadlines[APPRAISAL_RECORDS].state is DeadlineState.MET
