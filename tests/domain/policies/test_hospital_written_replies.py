"""Only the designated spokesperson answers the patient in writing (H12, C6)."""

from __future__ import annotations

import pytest
from hospital_support import (
    CLINICIAN,
    DEPARTMENT_HEAD,
    HEAD_NURSE,
    LAWYER,
    MEDICAL_AFFAIRS,
    NURSE,
    SPOKESPERSON,
    VICE_PRESIDENT,
    climb_to,
    drain,
    file,
    named,
    run,
    staff,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

REPLY = c.ReplyInWriting("关于您反映的问题，医院答复如下……")


@pytest.mark.parametrize(
    "actor",
    [CLINICIAN, NURSE, DEPARTMENT_HEAD, HEAD_NURSE, MEDICAL_AFFAIRS, VICE_PRESIDENT, LAWYER],
)
def test_H12_written_reply_refused_unless_spokesperson(actor: c.Actor) -> None:
    case = file()
    drain(case)

    with pytest.raises(Refused) as refused:
        run(case, REPLY, actor)

    assert (refused.value.rule, refused.value.message) == (
        "H12",
        "only the designated spokesperson may reply in writing",
    )
    assert case.written_replies == []
    assert drain(case) == []


def test_H12_spokesperson_replies_in_writing() -> None:
    case = climb_to(file(), 2)
    drain(case)

    run(case, REPLY, SPOKESPERSON)

    assert case.written_replies[0]["by"] == "speaker.wu"
    assert named(drain(case), "WrittenReplyGiven")[0].text == REPLY.text


def test_C6_a_department_head_who_is_also_spokesperson_may_reply() -> None:
    both = staff("head.chen", "department_head", "spokesperson")
    case = file()

    run(case, REPLY, both)

    assert len(case.written_replies) == 1
