"""What a policy restricts to some roles reaches no other (B9), whatever the reader holds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.policies import BUILTIN
from domain.policies.bank.procedure import RESTRICTED_READERS
from domain.restricted import CASE, Restriction, redact, restrictions, withheld
from tests.domain.policies.bank_support import GUARD, POLICY, file, run

pytestmark = pytest.mark.domain

FEATURES = {"height": "about 180 cm", "scar": "left hand"}
BANK_ROLES = [*sorted(POLICY.roles), "auditor", "system"]

names = st.text("abcdefgh_", min_size=1, max_size=6)
role_sets = st.frozensets(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=5)
values = st.one_of(
    st.text(min_size=1, max_size=5),
    st.integers(),
    st.dictionaries(names, st.text(min_size=1, max_size=5), min_size=1, max_size=3),
    st.lists(st.integers(), min_size=1, max_size=3),
)


class Declared:
    """A policy that declares only its table, as a plug-in's may."""

    def __init__(self, restricted: dict[tuple[str, str], Restriction]) -> None:
        self.restricted = restricted


tables = st.dictionaries(
    st.tuples(st.sampled_from(["Filed", "Noted", CASE]), names),
    st.builds(Restriction, role_sets, st.just("B9")),
    max_size=6,
)


@settings(max_examples=300, deadline=None)
@given(
    table=tables,
    subject=st.sampled_from(["Filed", "Noted", CASE]),
    data=st.dictionaries(names, values, max_size=8),
    roles=role_sets,
)
def test_B9_a_restricted_field_reaches_only_the_roles_its_policy_names(
    table: dict[tuple[str, str], Restriction],
    subject: str,
    data: dict[str, Any],
    roles: frozenset[str],
) -> None:
    seen = redact(Declared(table), subject, data, roles)
    assert seen.keys() == data.keys()  # a withheld field keeps its place
    for field, value in data.items():
        restriction = table.get((subject, field))
        if restriction is None or restriction.readers & roles:
            assert seen[field] == value
        else:
            assert not seen[field] and seen[field] != value
            assert field in withheld(Declared(table), subject, roles)


@settings(deadline=None)
@given(roles=st.frozensets(st.sampled_from(BANK_ROLES), max_size=4))
def test_B9_the_bank_shows_identifying_features_to_security_and_leadership_only(
    roles: frozenset[str],
) -> None:
    case = file(category="serious_agitation")
    run(case, c.NoteFeatures(FEATURES), GUARD)
    reader = c.Actor("reader", roles)
    noted = {"features": FEATURES, "by": GUARD.person}
    may_read = bool(roles & RESTRICTED_READERS)
    assert POLICY.visible_fields(case, reader) == (FEATURES if may_read else {})
    assert redact(POLICY, "IdentifyingFeaturesNoted", noted, roles)["features"] == (
        FEATURES if may_read else {}
    )
    assert redact(POLICY, CASE, {"restricted": case.restricted}, roles)["restricted"] == (
        FEATURES if may_read else {}
    )


def test_B9_auditors_and_the_general_department_do_not_read_the_features() -> None:
    for outsider in ({"auditor"}, {"general_department"}, {"admin"}):
        assert withheld(POLICY, "IdentifyingFeaturesNoted", outsider) == ("features",)
        assert withheld(POLICY, CASE, outsider) == ("restricted",)


def test_a_policy_without_a_table_restricts_nothing() -> None:
    assert redact(object(), "Filed", {"summary": "x"}, ()) == {"summary": "x"}


@pytest.mark.parametrize("policy", BUILTIN, ids=lambda p: p.name)
def test_every_restriction_names_roles_of_its_own_policy_and_a_rule(policy: type) -> None:
    for (subject, field), restriction in restrictions(policy).items():
        assert subject and field and restriction.rule
        assert restriction.readers <= set(policy.roles), (subject, field)
