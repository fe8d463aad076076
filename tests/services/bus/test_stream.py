"""The stream's settings, its subjects, and which recorded events go to which roles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import uuid4

from nats.js.api import RetentionPolicy, StorageType

from projections.changes import Envelope
from services.bus.case_context import contexts_at
from services.bus.messages import CaseContext, cloud_event, routes
from services.bus.stream_config import (
    DUPLICATE_WINDOW_S,
    MAX_AGE_S,
    STREAM,
    ensure_stream,
    subject,
    token,
)
from services.engines import NATS_CONFIG
from services.runtime import Runtime

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def envelope(name: str, seq: int = 7, aggregate: str = "Complaint", **data: object) -> Envelope:
    return Envelope(uuid4(), seq, AT, uuid4(), 3, aggregate, name, {"at": AT, **data})


async def test_the_stream_is_created_with_every_setting_explicit(runtime: Runtime) -> None:
    js = runtime.nats.jetstream()
    await ensure_stream(js)
    await ensure_stream(js)  # again: nothing changes, nothing fails
    config = (await js.stream_info(STREAM)).config
    assert config.subjects == ["complaints.>"]
    assert config.retention == RetentionPolicy.LIMITS
    assert config.storage == StorageType.FILE
    assert config.max_age == MAX_AGE_S and config.duplicate_window == DUPLICATE_WINDOW_S


def test_the_deploy_config_fsyncs_every_write() -> None:
    assert "sync_interval: always" in NATS_CONFIG.read_text()


def test_subjects_name_tenant_role_and_event_in_plain_tokens() -> None:
    tenant = uuid4()
    assert subject(tenant, "vice_president", "Escalated") == (
        f"complaints.{tenant.hex}.vice_president.Escalated"
    )
    assert token("night.shift *>") == "night_shift___"


def test_the_recorded_decision_routes_an_event_never_the_policy() -> None:
    assert routes(envelope("Escalated", notify=["vice_president", "medical_affairs"])) == (
        "vice_president",
        "medical_affairs",
    )
    assert routes(envelope("IncidentReported", notify=["security", "security"])) == ("security",)
    assert routes(envelope("PenaltyAssessed", target_role="campus_reception")) == (
        "campus_reception",
    )
    assert routes(envelope("DeadlineStarted", roles=["general_manager"])) == ("general_manager",)
    assert routes(envelope("NoteAdded", text="x")) == ()
    assert routes(envelope("RolesNotified", aggregate="Tenant", roles=["admin"])) == ()


def test_a_message_is_a_cloudevent_with_the_case_as_it_stood() -> None:
    due = datetime(2026, 3, 9, 15, 59, 59, tzinfo=UTC)
    event = envelope("DeadlineStarted", roles=["security"], due_at=due, rule="H11", kind="k")
    body = json.loads(cloud_event(event, "security", ("security",), CaseContext("late", 2)))
    assert body["specversion"] == "1.0" and body["type"] == "complaints.case.DeadlineStarted"
    assert body["id"] == f"{event.tenant_id.hex}:7:security"
    data = body["data"]
    assert (data["level"], data["summary"], data["rule"]) == (2, "late", "H11")
    assert data["due_at"] == "2026-03-09T15:59:59.000000Z"  # the answers' one form


def test_the_level_and_summary_are_those_recorded_before_the_event() -> None:
    case = uuid4()

    def at(name: str, seq: int, **data: object) -> Envelope:
        return Envelope(uuid4(), seq, AT, case, seq, "Complaint", name, data)

    history = [
        at("Filed", 1, summary="noisy ward"),
        at("Classified", 2, level=0),
        at("Escalated", 5, to_level=1),
        at("Escalated", 9, to_level=2),
    ]
    notified = [at("RolesNotified", 3), at("Escalated", 5, to_level=1), at("RolesNotified", 7)]
    found = contexts_at(notified, history)
    assert found == {
        3: CaseContext("noisy ward", 0),
        5: CaseContext("noisy ward", 1),
        7: CaseContext("noisy ward", 1),
    }
