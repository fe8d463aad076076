"""A tenant's organisation: units in a tree, people placed in them, and what each person's
roles cover (domain/units.py, domain/tenant.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from domain.commands import Actor
from domain.errors import DomainError
from domain.policies.hospital.procedure import UNIT_ROLES
from domain.tenant import Tenant, UnitExists, UnitInUse, UnknownPerson
from domain.units import InvalidUnit, OrgUnit, Scope, UnknownUnit, below, path

pytestmark = pytest.mark.domain

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def hospital() -> Tenant:
    """surgery > ortho > ortho-ward, and cardio beside surgery; the hospital's policy means
    the department head, head nurse, clinician and nurse per unit (H4)."""
    tenant = Tenant.create(
        slug="h",
        name="Hospital",
        country="CN",
        timezone="Asia/Shanghai",
        language="zh-CN",
        policy="hospital@1",
        by="platform",
        at=AT,
    )
    for unit_id, kind, parent in (
        ("surgery", "department", None),
        ("ortho", "department", "surgery"),
        ("ortho-ward", "ward", "ortho"),
        ("cardio", "department", None),
    ):
        tenant.add_unit(unit_id=unit_id, name=unit_id, kind=kind, parent=parent, by="a", at=AT)
    return tenant


def person(tenant: Tenant, person_id: str, roles: list[str], **units: list[str]) -> None:
    tenant.register_person(person_id=person_id, name=person_id, roles=roles, by="a", at=AT)
    for unit_id, held in units.items():
        tenant.place_person(
            person_id=person_id, unit_id=unit_id.replace("_", "-"), roles=held, by="a", at=AT
        )


def scope(tenant: Tenant, person_id: str, *roles: str) -> Scope:
    return tenant.scope_of(person_id, roles, UNIT_ROLES)


def replay(events: list[Any]) -> Tenant:
    tenant = None
    for event in events:
        tenant = event.mutate(tenant)
    assert isinstance(tenant, Tenant)
    return tenant


# --- the tree --------------------------------------------------------------------------------


def test_a_unit_s_path_runs_from_the_top_and_below_takes_its_whole_subtree() -> None:
    units = hospital().units

    assert path(units, "ortho-ward") == ("surgery", "ortho", "ortho-ward")
    assert path(units, "cardio") == ("cardio",)
    assert path(units, None) == ()
    assert below(units, "surgery") == {"surgery", "ortho", "ortho-ward"}
    assert below(units, "ortho-ward") == {"ortho-ward"}


def test_a_bad_id_or_kind_an_unknown_parent_and_a_taken_id_are_refused() -> None:
    tenant = hospital()

    def add(unit_id: str, kind: str = "department", parent: str | None = None) -> None:
        tenant.add_unit(unit_id=unit_id, name="x", kind=kind, parent=parent, by="a", at=AT)

    with pytest.raises(InvalidUnit) as bad_id:
        add("Eye Clinic")
    with pytest.raises(InvalidUnit) as bad_kind:
        add("eye", kind="galaxy")
    with pytest.raises(UnknownUnit):
        add("eye", parent="nowhere")
    with pytest.raises(UnitExists):
        add("ortho")
    assert (bad_id.value.field, bad_kind.value.field) == ("unit_id", "kind")
    assert "eye" not in tenant.units


def test_a_unit_is_never_put_under_itself_or_a_unit_below_it() -> None:
    tenant = hospital()

    for parent in ("surgery", "ortho", "ortho-ward"):
        with pytest.raises(InvalidUnit) as loop:
            tenant.change_unit(unit_id="surgery", name="s", parent=parent, by="a", at=AT)
        assert loop.value.field == "parent"
    assert tenant.units["surgery"].parent is None


def test_moving_a_unit_takes_its_subtree_with_it() -> None:
    tenant = hospital()

    tenant.change_unit(unit_id="ortho", name="骨科", parent="cardio", by="a", at=AT)

    assert tenant.units["ortho"] == OrgUnit("ortho", "骨科", "department", "cardio")
    assert path(tenant.units, "ortho-ward") == ("cardio", "ortho", "ortho-ward")
    assert below(tenant.units, "surgery") == {"surgery"}


def test_a_unit_with_live_units_under_it_is_retired_only_after_them() -> None:
    tenant = hospital()

    with pytest.raises(UnitInUse):
        tenant.retire_unit(unit_id="ortho", reason="merged", by="a", at=AT)
    tenant.retire_unit(unit_id="ortho-ward", reason="merged", by="a", at=AT)
    tenant.retire_unit(unit_id="ortho", reason="merged", by="a", at=AT)

    assert tenant.units["ortho"].retired and tenant.units["ortho-ward"].retired
    with pytest.raises(InvalidUnit):  # nothing new under a retired unit
        tenant.add_unit(unit_id="ortho-2", name="x", kind="ward", parent="ortho", by="a", at=AT)
    with pytest.raises(UnitInUse):  # nor is anyone placed there
        person(tenant, "nurse.li", [], ortho=["nurse"])


# --- placing people ----------------------------------------------------------------------------


def test_placing_replaces_the_roles_held_in_that_unit_and_none_takes_the_person_out() -> None:
    tenant = hospital()
    person(tenant, "li", ["medical_affairs"], ortho=["nurse"], cardio=["clinician"])

    tenant.place_person(person_id="li", unit_id="ortho", roles=["head_nurse"], by="a", at=AT)
    assert tenant.people["li"].units == {"cardio": ("clinician",), "ortho": ("head_nurse",)}

    tenant.place_person(person_id="li", unit_id="cardio", roles=[], by="a", at=AT)
    assert tenant.people["li"].units == {"ortho": ("head_nurse",)}
    assert tenant.people["li"].roles == ("medical_affairs",)  # the tenant-wide ones stay
    assert tenant.people["li"].all_roles == {"medical_affairs", "head_nurse"}


def test_registering_a_person_again_keeps_the_units_they_hold() -> None:
    tenant = hospital()
    person(tenant, "li", [], ortho=["nurse"])

    tenant.register_person(person_id="li", name="Li Na", roles=["lawyer"], by="a", at=AT)

    assert tenant.people["li"].units == {"ortho": ("nurse",)}


def test_placing_an_unknown_person_or_in_an_unknown_unit_is_refused() -> None:
    tenant = hospital()
    person(tenant, "li", ["nurse"])

    with pytest.raises(UnknownPerson):
        tenant.place_person(person_id="ghost", unit_id="ortho", roles=["nurse"], by="a", at=AT)
    with pytest.raises(UnknownUnit):
        tenant.place_person(person_id="li", unit_id="nowhere", roles=["nurse"], by="a", at=AT)


def test_a_key_may_carry_a_role_the_person_holds_only_in_a_unit() -> None:
    tenant = hospital()
    person(tenant, "li", [], ortho=["nurse"])

    tenant.issue_key(key_id="k1", person_id="li", roles=["nurse"], secret="s", by="a", at=AT)

    with pytest.raises(DomainError, match="does not hold"):
        tenant.issue_key(
            key_id="k2", person_id="li", roles=["clinician"], secret="s", by="a", at=AT
        )


# --- what roles cover ---------------------------------------------------------------------------


def test_H4_a_unit_role_covers_its_unit_and_everything_below_and_nothing_else() -> None:
    tenant = hospital()
    person(tenant, "head", [], ortho=["department_head"])

    covered = scope(tenant, "head", "department_head")

    assert covered.roles_for("ortho") == {"department_head"}
    assert covered.roles_for("ortho-ward") == {"department_head"}
    assert covered.roles_for("surgery") == frozenset()  # above is not covered
    assert covered.roles_for("cardio") == frozenset()
    assert covered.roles_for(None) == frozenset()  # nor the tenant's root
    assert not covered.is_tenant_wide
    assert covered.units == {"ortho", "ortho-ward"}


def test_H4_a_role_the_policy_does_not_mean_per_unit_is_tenant_wide_wherever_held() -> None:
    tenant = hospital()
    person(tenant, "ma", [], ortho=["medical_affairs"])

    covered = scope(tenant, "ma", "medical_affairs")

    assert covered.is_tenant_wide
    assert covered.roles_for("cardio") == {"medical_affairs"}
    assert covered.roles_for(None) == {"medical_affairs"}


def test_a_tenant_wide_holder_sees_the_root_and_every_unit() -> None:
    tenant = hospital()
    person(tenant, "nurse.wang", ["nurse"])

    covered = scope(tenant, "nurse.wang", "nurse")

    assert all(covered.sees(u) for u in (None, "surgery", "ortho-ward", "cardio"))
    assert covered.roles_for(None) == {"nurse"}


def test_a_key_s_role_the_person_no_longer_holds_covers_nothing() -> None:
    tenant = hospital()
    person(tenant, "li", [], ortho=["nurse"])
    tenant.place_person(person_id="li", unit_id="ortho", roles=[], by="a", at=AT)

    covered = scope(tenant, "li", "nurse")

    assert covered.roles == frozenset()
    assert not any(covered.sees(u) for u in (None, "ortho", "cardio"))


def test_a_person_the_directory_does_not_know_keeps_the_key_s_roles_everywhere() -> None:
    assert scope(hospital(), "system", "nurse") == Scope.everywhere(["nurse"])


def test_a_role_held_in_two_units_covers_both_subtrees() -> None:
    tenant = hospital()
    person(tenant, "li", [], ortho_ward=["nurse"], cardio=["nurse"])

    covered = scope(tenant, "li", "nurse")

    assert covered.in_units == {"nurse": {"ortho-ward", "cardio"}}
    assert not covered.sees("ortho")


def test_an_actor_sees_only_cases_its_scope_covers_and_acts_there_with_the_roles_that_count() -> (
    None
):
    tenant = hospital()
    person(tenant, "li", ["lawyer"], ortho=["department_head"])
    actor = Actor(
        "li",
        frozenset({"lawyer", "department_head"}),
        scope(tenant, "li", "lawyer", "department_head"),
    )

    assert actor.on("ortho-ward").roles == {"lawyer", "department_head"}
    assert actor.on("cardio").roles == {"lawyer"}  # the tenant-wide role only
    assert actor.sees("cardio") and actor.sees(None)  # lawyer is the tenant's (H4 names no lawyer)

    unit_only = Actor("li", frozenset({"department_head"}), scope(tenant, "li", "department_head"))
    assert unit_only.sees("ortho-ward") and not unit_only.sees("cardio")
    assert not unit_only.sees(None)
    assert unit_only.on("cardio").roles == frozenset()


def test_an_actor_without_a_scope_is_the_tenant_s_everywhere() -> None:
    actor = Actor("li", frozenset({"nurse"}))

    assert actor.sees("anything") and actor.on("anything") is actor


def test_a_tenant_without_units_behaves_as_before() -> None:
    tenant = Tenant.create(
        slug="plain",
        name="Plain",
        country="CN",
        timezone="Asia/Shanghai",
        language="zh-CN",
        policy="hospital@1",
        by="platform",
        at=AT,
    )
    person(tenant, "nurse.wang", ["nurse"])

    covered = scope(tenant, "nurse.wang", "nurse")

    assert covered.is_tenant_wide and covered.roles_for(None) == {"nurse"}


# --- the events ---------------------------------------------------------------------------------


def test_the_organisation_s_events_replay_to_the_same_tenant() -> None:
    tenant = hospital()
    person(tenant, "li", ["lawyer"], ortho=["nurse"], cardio=["head_nurse"])
    tenant.place_person(person_id="li", unit_id="cardio", roles=[], by="a", at=AT)
    tenant.change_unit(unit_id="ortho", name="骨科", parent="cardio", by="a", at=AT)
    tenant.retire_unit(unit_id="surgery", reason="merged", by="a", at=AT)
    events = list(tenant.collect_events())

    replayed = replay(events)

    kinds = [type(e).__name__ for e in events]
    assert kinds.count("UnitAdded") == 4
    assert {"UnitChanged", "UnitRetired", "PersonPlaced"} <= set(kinds)
    assert replayed.units == tenant.units
    assert replayed.people == tenant.people
    assert scope(replayed, "li", "nurse") == scope(tenant, "li", "nurse")
