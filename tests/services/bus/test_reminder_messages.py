"""C3, S1: a deadline's reminder goes out like other notifications: one copy per role the
deadline waits on, naming the reminder and the case's owner, who reads it on their feed by
name whatever their roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from nats.aio.msg import Msg

from projections.changes import Envelope
from services.api.stream import owner_reminded
from services.bus.messages import CaseContext, cloud_event, routes

AT = datetime(2026, 2, 25, 5, 0, 30, tzinfo=UTC)


def reminded(**data: object) -> Envelope:
    data = {
        "deadline_id": "final_plan",
        "reminder": "half-time",
        "due_at": datetime(2026, 2, 27, 15, 59, 59, tzinfo=UTC),
        "roles": ["administration", "department_head"],
        "owner": "admin.zhou",
        "kind": "final_plan",
        "rule": "S3",
        "policy": "school@1",
        "unit_id": None,
        "next_at": None,
        "by": "system",
        "at": AT,
        **data,
    }
    return Envelope(uuid4(), 9, AT, uuid4(), 4, "Complaint", "DeadlineReminded", data)


def test_C3_a_reminder_goes_to_each_role_the_deadline_waits_on() -> None:
    assert routes(reminded()) == ("administration", "department_head")


def test_S1_the_copy_names_the_reminder_and_the_owner() -> None:
    body = json.loads(
        cloud_event(reminded(), "administration", ("administration",), CaseContext("fees", 4))
    )

    assert body["type"] == "complaints.case.DeadlineReminded"
    details = body["data"]["details"]
    assert (details["reminder"], details["owner"], details["deadline_id"]) == (
        "half-time",
        "admin.zhou",
        "final_plan",
    )
    assert body["data"]["due_at"] == "2026-02-27T15:59:59.000000Z"


def test_S1_the_owner_reads_the_reminder_by_name_and_nobody_else_does() -> None:
    body = cloud_event(reminded(), "administration", ("administration",), CaseContext("fees", 4))
    msg = Msg(None, subject="complaints.abc.administration.DeadlineReminded", data=body)  # type: ignore[arg-type]
    other = Msg(None, subject="complaints.abc.administration.RolesNotified", data=body)  # type: ignore[arg-type]

    assert owner_reminded(msg, "admin.zhou")
    assert not owner_reminded(msg, "head.sun")
    assert not owner_reminded(other, "admin.zhou")
