"""C4, H5, H6, S10: the complainant acts on their own case as an actor of their own: they accept
or decline the answer, add written materials and rate the follow-up, and nothing else; their
answer is recorded as theirs, a staff member's as given by phone."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.errors import Refused
from domain.handling import execute, file_complaint
from domain.policies.hospital import HospitalPolicy

pytestmark = pytest.mark.domain

NOW = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
CALENDAR = WorkingCalendar()
HOSPITAL = HospitalPolicy()
NURSE = c.Actor("nurse.wang", frozenset({"nurse"}))
HEAD = c.Actor("head.zhao", frozenset({"department_head"}))


def filed():
    command = c.File(
        received_at=NOW, channel="visit", summary="waited", category="medical_dispute",
        tracking="HOSP-2026-000007", access_sha256="ab" * 32,
    )  # fmt: skip
    return file_complaint(uuid4(), uuid4(), command, NURSE, HOSPITAL, NOW, CALENDAR)


def test_C4_the_complainant_accepts_the_department_answer_as_themselves() -> None:
    case = filed()
    assert (case.tracking, case.access_sha256) == ("HOSP-2026-000007", "ab" * 32)
    execute(case, c.ProposeResolution("apology", None), HEAD, HOSPITAL, NOW, CALENDAR)
    case.collect_events()

    execute(
        case, c.RecordResponse(accepted=True, text="fine"), c.COMPLAINANT, HOSPITAL, NOW, CALENDAR
    )

    (answered,) = [e for e in case.collect_events() if type(e).__name__ == "ComplainantResponded"]
    assert (answered.by, answered.via, answered.accepted) == ("complainant", None, True)


def test_C4_an_answer_staff_took_by_phone_is_marked_so() -> None:
    case = filed()
    execute(
        case,
        c.RecordResponse(accepted=False, text="no", via="phone"),
        NURSE,
        HOSPITAL,
        NOW,
        CALENDAR,
    )

    assert case.responses[-1]["accepted"] is False
    (answered,) = [e for e in case.collect_events() if type(e).__name__ == "ComplainantResponded"]
    assert (answered.by, answered.via) == ("nurse.wang", "phone")


@pytest.mark.parametrize(
    "command",
    [
        c.AddNote("internal"),
        c.Resolve("done"),
        c.Close("done"),
        c.Escalate("up"),
        c.ReplyInWriting("x"),
    ],
    ids=lambda command: command.action,
)
def test_C4_the_complainant_does_nothing_but_answer_add_materials_and_rate(command) -> None:
    case = filed()

    with pytest.raises(Refused) as refused:
        execute(case, command, c.COMPLAINANT, HOSPITAL, NOW + timedelta(hours=1), CALENDAR)

    assert refused.value.rule == "C4"


def test_C1_only_the_feedback_sender_records_a_delivery() -> None:
    case = filed()
    delivery = c.RecordDelivery("3:reply", "reply", "email", 1, sent=True)

    with pytest.raises(Refused):
        execute(case, delivery, NURSE, HOSPITAL, NOW, CALENDAR)
    execute(case, delivery, c.SYSTEM, HOSPITAL, NOW, CALENDAR)

    assert case.deliveries["3:reply"]["state"] == "sent"
