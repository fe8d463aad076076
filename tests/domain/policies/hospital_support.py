"""Shared drivers for the hospital policy tests: a fixed clock, the hospital's staff, helpers.

A plain module rather than a conftest, so that it cannot collide with other policies' tests
in this directory.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint
from domain.handling import execute, file_complaint
from domain.policies.hospital import HospitalPolicy
from tests.domain.policies.events import drain, kinds, named, notified, staff  # noqa: F401 - shared

TZ = ZoneInfo("Asia/Shanghai")
# A Monday morning, the week before the 2026 National Day holiday (1–7 October).
NOW = datetime(2026, 9, 21, 9, 0, tzinfo=TZ)
CALENDAR = WorkingCalendar()
POLICY = HospitalPolicy()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:hospital")
_case_numbers = count(1)


CLINICIAN = staff("dr.li", "clinician")
NURSE = staff("nurse.wang", "nurse")
NEXT_SHIFT = staff("nurse.zhao", "nurse")
DEPARTMENT_HEAD = staff("head.chen", "department_head")
HEAD_NURSE = staff("headnurse.liu", "head_nurse")
MEDICAL_AFFAIRS = staff("affairs.sun", "medical_affairs")
VICE_PRESIDENT = staff("vp.zhou", "vice_president")
SPOKESPERSON = staff("speaker.wu", "spokesperson")
LAWYER = staff("lawyer.he", "lawyer")
SECURITY = staff("guard.ma", "security")
ADMIN = staff("admin.xu", "admin")
WATCHER = c.SYSTEM  # the deadline watcher


def later(hours: float = 0, days: int = 0) -> datetime:
    return NOW + timedelta(hours=hours, days=days)


def case_id() -> UUID:
    return uuid5(TENANT_ID, f"case-{next(_case_numbers)}")


def file(at: datetime = NOW, by: c.Actor = NURSE, **fields: Any) -> Complaint:
    fields.setdefault("channel", "visit")
    fields.setdefault("summary", "family says the wound was dressed too late")
    fields.setdefault("category", "medical_dispute")
    command = c.File(received_at=at, **fields)
    return file_complaint(case_id(), TENANT_ID, command, by, POLICY, at, CALENDAR)


def run(
    case: Complaint, command: c.Command, by: c.Actor = MEDICAL_AFFAIRS, at: datetime = NOW
) -> Complaint:
    return execute(case, command, by, POLICY, at, CALENDAR)


def decline(case: Complaint, at: datetime = NOW) -> Complaint:
    return run(case, c.RecordResponse(accepted=False, text="we do not accept this"), at=at)


def accept(case: Complaint, at: datetime = NOW) -> Complaint:
    return run(case, c.RecordResponse(accepted=True, text="we accept"), at=at)


def take_h6_steps(case: Complaint, at: datetime = NOW) -> Complaint:
    """H6 after medical affairs' answer is declined: the complainant's written materials,
    the investigation's findings, a proposal for the vice-president."""
    run(case, c.AttachEvidence("the family's written account", reference="doc/1"), at=at)
    findings = c.RecordOutcome("investigation", "department:surgery", "dressing two hours late")
    run(case, findings, at=at)
    run(case, c.ProposeResolution("waive the dressing fees and apologise"), at=at)
    return case


def designate(case: Complaint, *slots: str, at: datetime = NOW) -> Complaint:
    """H8, H9: the vice-president names who represents the hospital."""
    for slot in slots:
        run(case, c.Assign(f"{slot}.person", slot=slot), VICE_PRESIDENT, at)
    return case


def sue(case: Complaint, at: datetime = NOW) -> Complaint:
    """H9: the court's papers on the complainant's suit reach the hospital."""
    suit = c.RecordContact("suit", "clerk.qian", "海淀区人民法院", "(2026)京0108民初1号")
    return run(case, suit, at=at)


def climb_to(case: Complaint, level: int, at: datetime = NOW, suit: bool = True) -> Complaint:
    """Walk the ladder the way H13 allows: declined at each hospital rung, H6's steps at
    medical affairs, the representatives designated at appraisal and court, then passed up.
    With ``suit`` the appraisal leads to court; without, to the health authority."""
    while case.level < level:
        if case.level <= 2:
            decline(case, at)
        if case.level == 1:
            take_h6_steps(case, at)
        if case.level == 3:
            designate(case, "appraisal_attendee", at=at)
            if suit:
                sue(case, at)
        if case.level == 4:
            designate(case, "court_representative", "lawyer", at=at)
        run(case, c.Escalate(reason="still unresolved"), at=at)
    return case
