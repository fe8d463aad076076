"""Bank intake: the emergency group's posts, fast first response, contact person, public figures."""

from __future__ import annotations

import pytest
from bank_support import CONTACT, NOW, POLICY, drain, file, kinds, named, notified

from domain.complaint import Status
from domain.policies.base import UnknownCategory

pytestmark = pytest.mark.domain

POSTS = (
    "lobby_manager",
    "branch_head",
    "security_guard",
    "general_department",
    "service_quality_leader",
    "president",
    "vice_president",
    "complaint_contact",
    "handler",
    "admin",
)


def test_B1_role_directory_holds_the_emergency_group_posts() -> None:
    assert set(POSTS) <= set(POLICY.roles)
    assert all(POLICY.roles[post].strip() for post in POSTS)


def test_B1_president_leads_vice_president_deputises_office_in_general_department() -> None:
    group = POLICY.emergency_group
    assert (group["leader"], group["deputy"], group["office"]) == (
        "president",
        "vice_president",
        "general_department",
    )
    assert set(group.values()) <= set(POLICY.roles)


def test_B2_intake_notifies_first_responders_in_the_same_step() -> None:
    case = file()
    events = drain(case)
    # The notification is recorded with the filing itself, before anyone acts on the case.
    first_notice = named(events, "RolesNotified")[0]
    assert kinds(events)[0] == "Filed"
    assert set(first_notice.roles) == {"branch_head", "lobby_manager", "security_guard"}
    assert first_notice.at == NOW


def test_B3_unclassified_complaint_starts_on_the_spot_at_level_1() -> None:
    case = file()
    assert (case.category, case.level, case.rung) == ("ordinary", 1, "on_the_spot")
    assert case.status is Status.OPEN


def test_B7_complaint_contact_is_notified_on_intake_at_every_branch() -> None:
    for branch in ("城关支行", "双堰网点", "八步网点"):
        events = drain(file(site=branch))
        assert CONTACT.roles <= notified(events, "B7")


def test_B8_public_figure_is_flagged_and_gets_a_senior_reception() -> None:
    case = file(public_figure=True)
    events = drain(case)
    assert "public_figure" in case.flags
    assert {"president", "vice_president"} <= notified(events, "B8")


def test_B8_ordinary_customer_gets_no_senior_reception() -> None:
    case = file()
    assert "public_figure" not in case.flags
    assert not notified(drain(case), "B8")


@pytest.mark.parametrize(
    ("category", "level"),
    [
        ("ordinary", 1),
        ("mild_agitation", 1),
        ("business_disruption", 2),
        ("group", 2),
        ("serious_agitation", 3),
    ],
)
def test_C2_category_sets_the_starting_level(category: str, level: int) -> None:
    assert file(category=category).level == level


def test_C2_unknown_category_is_refused_at_intake() -> None:
    with pytest.raises(UnknownCategory):
        file(category="weather")
