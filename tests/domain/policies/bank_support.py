"""Shared drivers for the bank policy tests: a fixed clock, the bank's staff, event helpers.

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
from domain.policies.bank import BankPolicy
from tests.domain.policies.events import drain, kinds, named, notified, staff  # noqa: F401 - shared

TZ = ZoneInfo("Asia/Shanghai")
# A Friday morning just before the 2024 National Day holiday (1–7 October).
NOW = datetime(2024, 9, 27, 10, 0, tzinfo=TZ)
CALENDAR = WorkingCalendar()
POLICY = BankPolicy()
TENANT_ID = uuid5(NAMESPACE_URL, "tests:bank")
_case_numbers = count(1)


LOBBY = staff("lobby.li", "lobby_manager")
BRANCH_HEAD = staff("head.wang", "branch_head")
GUARD = staff("guard.zhao", "security_guard")
GENERAL = staff("general.chen", "general_department")
LEADER = staff("leader.sun", "service_quality_leader")
PRESIDENT = staff("president.zhou", "president")
VICE = staff("vice.wu", "vice_president")
CONTACT = staff("contact.he", "complaint_contact")
HANDLER = staff("handler.liu", "handler")


def later(hours: float = 0, days: int = 0) -> datetime:
    return NOW + timedelta(hours=hours, days=days)


def case_id() -> UUID:
    return uuid5(TENANT_ID, f"case-{next(_case_numbers)}")


def file(at: datetime = NOW, by: c.Actor = LOBBY, **fields: Any) -> Complaint:
    fields.setdefault("channel", "visit")
    fields.setdefault("summary", "queue too long, card swallowed by the ATM")
    command = c.File(received_at=at, **fields)
    return file_complaint(case_id(), TENANT_ID, command, by, POLICY, at, CALENDAR)


def run(case: Complaint, command: c.Command, by: c.Actor = LOBBY, at: datetime = NOW) -> Complaint:
    return execute(case, command, by, POLICY, at, CALENDAR)


def with_handlers(case: Complaint, at: datetime = NOW) -> Complaint:
    """B7: the A handler and the B (backup) handler."""
    run(case, c.Assign("handler.liu", "A"), BRANCH_HEAD, at)
    return run(case, c.Assign("handler.ma", "B"), BRANCH_HEAD, at)


def report(case: Complaint, at: datetime = NOW, by: c.Actor = GENERAL) -> Complaint:
    """B13: the general department records the report it sent to the originating bank."""
    sent = c.RecordContact(
        "originating_bank",
        "credit.luo",
        "Guizhou sponsoring bank (发起行)",
        "the whole event: shouting, then a push at the counter; outcome: apology and refund",
    )
    return run(case, sent, by, at)


def mediated(case: Complaint, at: datetime = NOW) -> Complaint:
    """B11: an authoritative third party mediates the compensation."""
    mediator = c.RecordContact(
        "mediator", "mediator.tian", "county people's mediation committee", "the compensation"
    )
    return run(case, mediator, BRANCH_HEAD, at)
