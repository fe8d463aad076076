"""S2, the suggestion track: forward in 24 hours, report in 5 working days, review in 2."""

from __future__ import annotations

from datetime import timedelta

import pytest
from school_support import (
    ADMINISTRATION,
    DEPARTMENT_HEAD,
    GENERAL_MANAGER,
    drain,
    end_of,
    file,
    later,
    local,
    miss,
    named,
    notified,
    run,
    state,
    suggestion_reported,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

FORWARD = c.Assign(person=DEPARTMENT_HEAD.person, slot="department")
REPORT = c.ProposeResolution(text="we will add a parents' corner to the lobby")


def test_S2_a_suggestion_is_forwarded_within_24_hours_not_working_days() -> None:
    friday_evening = local(2026, 3, 6, 17)
    case = file("suggestion", at=friday_evening)

    forward = case.deadlines["forward"]
    assert (forward.rule, forward.roles) == ("S2", ("administration",))
    # Hours run through the weekend.
    assert forward.due_at == local(2026, 3, 7, 17)
    assert "administration" in notified(drain(case), "S2")


def test_S2_forwarding_starts_the_departments_5_working_day_report() -> None:
    case = file("suggestion")
    drain(case)

    run(case, FORWARD, at=later(3))

    assert state(case, "forward") == "met"
    report = case.deadlines["department_report"]
    assert report.rule == "S2"
    assert report.due_at == end_of(2026, 3, 9)  # Monday + 5 working days
    assert "department_head" in notified(drain(case), "S2")


def test_S2_the_department_report_starts_administrations_2_working_day_review() -> None:
    case = file("suggestion")
    run(case, FORWARD)
    drain(case)

    run(case, REPORT, DEPARTMENT_HEAD, local(2026, 3, 6, 16))  # a Friday

    assert state(case, "department_report") == "met"
    review = case.deadlines["admin_review"]
    assert review.roles == ("administration",)
    assert review.due_at == end_of(2026, 3, 10)  # Friday + 2 working days: Tuesday
    assert "administration" in notified(drain(case), "S2")


def test_S2_C3_only_administration_forwards_a_suggestion() -> None:
    case = file("suggestion")
    with pytest.raises(Refused) as refused:
        run(case, FORWARD, DEPARTMENT_HEAD, later(1))
    assert refused.value.rule == "S2"
    assert state(case, "forward") == "open"
    assert "department_report" not in case.deadlines


def test_S2_C3_the_general_manager_may_conclude_the_review() -> None:
    case = suggestion_reported()
    run(case, c.Resolve(outcome="reviewed"), GENERAL_MANAGER, later(days=1))
    assert state(case, "admin_review") == "met"


def test_S2_the_department_reports_only_once_the_suggestion_is_forwarded() -> None:
    case = file("suggestion")
    with pytest.raises(Refused) as refused:
        run(case, REPORT, DEPARTMENT_HEAD)
    assert refused.value.rule == "S2"


def test_S2_the_review_reports_to_the_general_manager() -> None:
    case = suggestion_reported()
    drain(case)

    run(case, c.Resolve(outcome="reviewed; the corner is approved"), at=later(days=1))

    assert case.status == "resolved"
    assert state(case, "admin_review") == "met"
    assert notified(drain(case), "S2") == {"general_manager"}


def test_S2_only_administration_reviews_the_departments_report() -> None:
    case = suggestion_reported()
    with pytest.raises(Refused) as refused:
        run(case, c.Resolve(outcome="done"), DEPARTMENT_HEAD)
    assert refused.value.rule == "S2"


def test_S2_no_review_before_the_department_has_reported() -> None:
    case = file("suggestion")
    run(case, FORWARD)
    with pytest.raises(Refused) as refused:
        run(case, c.Resolve(outcome="reviewed"))
    assert refused.value.rule == "S2"


def test_S2_the_customer_gets_feedback_only_at_the_end() -> None:
    case = suggestion_reported()
    with pytest.raises(Refused) as refused:
        run(case, c.Close(reason="thanked the parent"))
    assert refused.value.rule == "S2"

    run(case, c.Resolve(outcome="reviewed"))
    run(case, c.Close(reason="thanked the parent; the corner opens in May"))
    assert case.status == "closed"


def test_S2_a_constructive_suggestion_earns_thanks_and_a_small_gift() -> None:
    case = file("suggestion")
    run(case, FORWARD)
    due = case.deadlines["department_report"].due_at
    drain(case)

    run(case, c.Classify(category="suggestion/constructive", reason="a good idea"), DEPARTMENT_HEAD)

    events = drain(case)
    (flagged,) = named(events, "Flagged")
    assert (flagged.flag, flagged.rule) == ("constructive_suggestion", "S2")
    (thanks,) = [n for n in named(events, "RolesNotified") if "gift" in n.reason]
    assert thanks.roles == ["department_head"]
    # Recognising the idea does not restart the track.
    assert case.deadlines["department_report"].due_at == due
    assert not named(events, "DeadlineStarted")


def test_S2_a_constructive_suggestion_may_be_recognised_at_intake() -> None:
    case = file("suggestion/constructive")
    assert case.flags == ["constructive_suggestion"]
    assert "forward" in case.deadlines


def test_S2_C4_acceptance_before_forwarding_cancels_it_never_meets_it() -> None:
    """Nothing was forwarded: the parent's acceptance ends the case, not the forwarding."""
    case = file("suggestion")
    drain(case)

    run(case, c.RecordResponse(accepted=True, text="no need, thanks"), at=later(2))

    events = drain(case)
    assert case.status == "resolved"
    assert state(case, "forward") == "cancelled"
    assert not named(events, "DeadlineMet")
    (cancelled,) = named(events, "DeadlineCancelled")
    assert (cancelled.reason, cancelled.rule) == ("complainant accepted", "C4")


def test_S2_late_forwarding_is_recorded_as_missed_and_the_general_manager_told() -> None:
    case = file("suggestion")
    drain(case)

    run(case, FORWARD, at=later(25))

    events = drain(case)
    assert state(case, "forward") == "missed"
    assert "general_manager" in notified(events, "S2")
    # The track goes on: the department's clock starts from the late forwarding.
    assert "department_report" in case.deadlines


def test_S2_a_watcher_miss_tells_the_roles_and_the_general_manager() -> None:
    case = suggestion_reported()
    drain(case)

    miss(case, "admin_review", later(days=5))

    (told,) = named(drain(case), "RolesNotified")
    assert set(told.roles) == {"administration", "general_manager"}
    assert told.rule == "S2"


def test_S2_scenario_suggestion_over_national_day_from_intake_to_feedback() -> None:
    """Received Wed 30 Sep 2026 17:00; the report window runs over National Day."""
    received = local(2026, 9, 30, 17)
    case = file("suggestion", at=received, by=ADMINISTRATION)
    assert case.deadlines["forward"].due_at == local(2026, 10, 1, 17)

    run(case, FORWARD, at=received + timedelta(hours=1))
    # 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert case.deadlines["department_report"].due_at == end_of(2026, 10, 13)

    run(case, c.Classify(category="suggestion/constructive", reason="useful"), DEPARTMENT_HEAD)
    run(case, REPORT, DEPARTMENT_HEAD, local(2026, 10, 12, 10))
    assert case.deadlines["admin_review"].due_at == end_of(2026, 10, 14)

    run(case, c.Resolve(outcome="reviewed and reported"), ADMINISTRATION, local(2026, 10, 14, 9))
    run(case, c.Close(reason="parent thanked, gift given"), ADMINISTRATION, local(2026, 10, 14, 11))

    events = drain(case)
    assert case.status == "closed"
    assert {d.state for d in case.deadlines.values()} == {"met"}
    assert "general_manager" in notified(events, "S2")
    assert case.flags == ["constructive_suggestion"]
    assert [type(e).__name__ for e in events][-1] == "Closed"
