"""B9 as a property of the read paths' own functions: whatever roles a reader holds, the case
(now, as of a moment, or step by step), its history and each bus copy carry a restricted field
only to the roles the policy names. The HTTP tests (test_restricted_fields_api.py) show that
the routes use these functions; here random readers and random declarations try to break them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from domain import commands as c
from domain.complaint import Complaint
from domain.policies.bank.procedure import RESTRICTED_READERS
from domain.restricted import Restriction
from projections.changes import Envelope
from services.api.complaints import complaint_out, history_item
from services.bus.messages import (
    COMMON,
    DETAILS,
    CaseContext,
    UnknownPolicy,
    builtin_policy,
    cloud_event,
)
from tests.domain.policies.bank_support import GUARD, POLICY, file, run

SENTINEL = "mole-under-left-eye-7f3a"
FEATURES = {"face": SENTINEL}
AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
ROLES = [*sorted(POLICY.roles), "auditor", "system", "nurse"]
readers = st.frozensets(st.sampled_from(ROLES), max_size=4)


def noted_case() -> tuple[Complaint, list[Any]]:
    case = file(category="mild_agitation")
    run(case, c.NoteFeatures(FEATURES), GUARD)
    return case, list(case.collect_events())


NOTED, EVENTS = noted_case()


@settings(max_examples=200, deadline=None)
@given(roles=readers)
def test_B9_the_case_and_its_history_carry_the_features_to_readers_only(
    roles: frozenset[str],
) -> None:
    may_read = bool(roles & RESTRICTED_READERS)
    shown = msgspec.json.encode(complaint_out(NOTED, roles)).decode()
    history = [
        msgspec.json.encode(history_item(n, AT, event, POLICY, roles)).decode()
        for n, event in enumerate(EVENTS, start=1)
    ]
    assert (SENTINEL in shown) is may_read
    assert any(SENTINEL in item for item in history) is may_read


class Declared:
    def __init__(self, restricted: dict[tuple[str, str], Restriction]) -> None:
        self.restricted = restricted


ROUTED = sorted(DETAILS)
places = st.sampled_from(
    [("Filed", "summary")]
    + [(name, field) for name in ROUTED for field in {*COMMON, *DETAILS[name]} - {"due_at"}]
)
tables = st.dictionaries(
    places,
    st.builds(Restriction, st.frozensets(st.sampled_from(ROLES), max_size=3), st.just("B9")),
    max_size=8,
)


def carrying(name: str) -> Envelope:
    """An event of ``name`` each of whose carried fields says which field it is."""
    fields = {field: f"secret-{field}" for field in {*COMMON, *DETAILS[name]} - {"due_at"}}
    return Envelope(uuid4(), 7, AT, uuid4(), 3, "Complaint", name, {"at": AT, **fields})


@settings(max_examples=300, deadline=None)
@given(table=tables, name=st.sampled_from(ROUTED), role=st.sampled_from(ROLES))
def test_B9_a_bus_copy_carries_a_restricted_field_only_to_a_role_the_policy_names(
    table: dict[tuple[str, str], Restriction], name: str, role: str
) -> None:
    context = CaseContext("secret-summary", 1, "bank@1")
    body = cloud_event(carrying(name), role, (role,), context, Declared(table)).decode()
    for (subject, field), restriction in table.items():
        if subject not in (name, "Filed") or role in restriction.readers:
            continue
        assert f"secret-{field}" not in body, (subject, field)
        assert field in msgspec.json.decode(body)["data"]["withheld"]


def test_B9_the_relay_reads_the_built_in_policies_and_withholds_everything_under_others() -> None:
    assert builtin_policy("bank@1").restricted == POLICY.restricted
    unknown = builtin_policy("iso10002@1")
    assert isinstance(unknown, UnknownPolicy)
    body = cloud_event(
        carrying("IncidentReported"), "security", ("security",), CaseContext("secret-summary", 1),
        unknown,
    ).decode()  # fmt: skip
    assert "secret-" not in body
