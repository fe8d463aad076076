"""Disorder on a case (H11, C5): security and medical affairs at once, police, evidence."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hospital_support import (
    CALENDAR,
    CLINICIAN,
    MEDICAL_AFFAIRS,
    NOW,
    NURSE,
    POLICY,
    SECURITY,
    TENANT_ID,
    WATCHER,
    accept,
    case_id,
    climb_to,
    drain,
    file,
    later,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.complaint import DeadlineState, Status
from domain.errors import Refused
from domain.handling import execute, file_complaint
from domain.policies.base import REMINDERS, REMINDERS_OPTION
from domain.policies.hospital import POLICE_ALERT, HospitalPolicy, UnknownIncidentKind
from domain.policy import InvalidPolicyOption

pytestmark = pytest.mark.domain

DEFAULT = REMINDERS_OPTION.default


def report(kind: str, police_called: bool = False) -> c.ReportIncident:
    return c.ReportIncident(kind, f"{kind} on ward 3", police_called=police_called)


def test_H11_incident_fans_out_to_security_and_medical_affairs_at_once() -> None:
    case = file()
    drain(case)

    run(case, report("disorder"), NURSE)

    incident = named(drain(case), "IncidentReported")[0]
    assert set(incident.notify) == {"security", "medical_affairs"}
    assert (incident.rule, incident.policy) == ("H11", "hospital@1")
    assert case.incidents[0]["kind"] == "disorder"


@pytest.mark.parametrize("kind", ["assault", "record_seizure"])
def test_H11_violent_incident_raises_a_police_alert(kind: str) -> None:
    case = file()
    drain(case)

    run(case, report(kind), CLINICIAN)

    events = drain(case)
    assert POLICE_ALERT in case.flags
    assert named(events, "Flagged")[0].rule == "H11"
    call_110 = [e for e in named(events, "RolesNotified") if "110" in e.reason]
    assert call_110 and call_110[0].roles == ["security"]


def test_H11_police_already_called_is_flagged_without_asking_again() -> None:
    case = file()
    drain(case)

    run(case, report("insult", police_called=True), NURSE)

    events = drain(case)
    assert POLICE_ALERT in case.flags
    assert case.incidents[0]["police_called"] is True
    assert not [e for e in named(events, "RolesNotified") if "110" in e.reason]


def test_H11_non_violent_incident_without_police_raises_no_alert() -> None:
    case = file()
    drain(case)

    run(case, report("disruption"), NURSE)

    assert POLICE_ALERT not in case.flags
    assert named(drain(case), "Flagged") == []


def test_H11_incident_starts_an_evidence_preservation_deadline_for_security() -> None:
    case = file()
    drain(case)

    run(case, report("record_seizure"), NURSE, later(1))

    started = named(drain(case), "DeadlineStarted")
    assert [(d.deadline_id, d.rule, d.roles) for d in started] == [
        ("evidence-1", "H11", ["security"])
    ]
    assert started[0].due_at == later(1) + timedelta(hours=24)


def test_H11_each_incident_keeps_its_own_evidence() -> None:
    case = file()
    run(case, report("insult"), NURSE, later(1))
    run(case, report("assault"), NURSE, later(2))

    assert {"evidence-1", "evidence-2"} <= set(case.deadlines)


def test_H11_security_reports_the_evidence_kept() -> None:
    case = run(file(), report("assault"), NURSE)
    drain(case)

    run(case, c.AttachEvidence("CCTV ward 3, 10:02–10:15", reference="cctv/w3/1002"), SECURITY)
    run(case, c.MeetDeadline("evidence-1"), SECURITY, later(3))

    assert case.deadlines["evidence-1"].state is DeadlineState.MET
    assert case.evidence[0]["by"] == "guard.ma"


def test_C3_medical_affairs_may_report_the_evidence_kept() -> None:
    # H11 reports disorder to security and medical affairs (保卫科、医务处): either may.
    case = run(file(), report("assault"), NURSE)

    run(case, c.MeetDeadline("evidence-1"), MEDICAL_AFFAIRS, later(2))

    assert case.deadlines["evidence-1"].state is DeadlineState.MET


def test_C3_closing_cancels_the_evidence_deadline_rather_than_meeting_it() -> None:
    case = accept(file())
    run(case, report("insult"), MEDICAL_AFFAIRS, later(1))

    run(case, c.Close("settled"), MEDICAL_AFFAIRS, later(2))

    assert case.deadlines["evidence-1"].state is DeadlineState.CANCELLED


def test_H11_evidence_deadline_is_not_for_the_nurse_to_close() -> None:
    case = run(file(), report("assault"), NURSE)

    with pytest.raises(Refused) as refused:
        run(case, c.MeetDeadline("evidence-1"), NURSE)

    assert refused.value.rule == "H11"


def test_H11_missed_evidence_deadline_reaches_security_and_medical_affairs() -> None:
    case = run(file(), report("assault"), NURSE)
    drain(case)

    run(case, c.MissDeadline("evidence-1"), WATCHER, later(25))

    assert notified(drain(case), "H11") == {"security", "medical_affairs"}


def test_H11_unknown_incident_kind_is_refused() -> None:
    case = file()

    with pytest.raises(UnknownIncidentKind):
        run(case, report("Assault"), NURSE)
    assert case.incidents == []


@pytest.mark.parametrize("level", [0, 2, 4])
def test_C5_incident_bypasses_the_ladder(level: int) -> None:
    case = climb_to(file(), level)
    drain(case)

    run(case, report("assault"), NURSE)

    events = drain(case)
    assert case.level == level
    assert named(events, "Escalated") == []
    assert {"security", "medical_affairs"} <= notified(events, "H11")


def test_C5_incident_on_a_resolved_case_is_still_taken() -> None:
    case = accept(climb_to(file(), 1))

    run(case, report("insult"), MEDICAL_AFFAIRS, later(days=1))

    assert case.status is Status.RESOLVED
    assert len(case.incidents) == 1


# --- the hours: a reading of the text, a tenant's option -------------------------------------


def test_H11_evidence_hours_are_an_option_of_24_by_default() -> None:
    option = HospitalPolicy.declared_options["evidence_hours"]

    assert (option.default, option.rule) == (24, "H11")
    assert POLICY.options["evidence_hours"] == 24


def test_H11_a_tenants_evidence_hours_set_the_deadline_of_its_cases() -> None:
    command = c.File(received_at=NOW, channel="visit", summary="family upset", category=None)
    options = {"evidence_hours": 6}
    case = file_complaint(case_id(), TENANT_ID, command, NURSE, POLICY, NOW, CALENDAR, options)

    execute(case, report("assault"), NURSE, POLICY, later(1), CALENDAR)

    assert case.policy_options == options | {REMINDERS: DEFAULT}
    assert case.deadlines["evidence-1"].due_at == later(1) + timedelta(hours=6)


@pytest.mark.parametrize("hours", [0, -24, 7 * 24 + 1])
def test_H11_evidence_hours_stay_between_an_hour_and_a_week(hours: int) -> None:
    with pytest.raises(InvalidPolicyOption) as invalid:
        HospitalPolicy({"evidence_hours": hours})

    assert invalid.value.name == "evidence_hours"


def test_H11_evidence_hours_are_whole_hours() -> None:
    with pytest.raises(InvalidPolicyOption):
        HospitalPolicy({"evidence_hours": "24"})
