"""How a batch's row changes are folded and split into waves before they become SQL."""

from __future__ import annotations

import copy
from uuid import uuid4

from projections.changes import Delete, First, MergeJson, Patch, Upsert
from projections.plan import plan

TENANT = uuid4()
CASE_KEY = ("tenant_id", "case_id")
ROLE_KEY = ("tenant_id", "case_id", "role")


def key(case: object) -> dict[str, object]:
    return {"tenant_id": TENANT, "case_id": case}


def test_consecutive_patches_of_a_row_fold_into_one_that_does_the_same() -> None:
    case = uuid4()
    changes = [
        Patch("case_list", key(case), {"version": 2, "acknowledged_at": First("t1")}),
        Patch("case_list", key(case), {"version": 3, "acknowledged_at": First("t2")}),
        Patch("case_list", key(case), {"handlers": MergeJson({"a": "x"})}),
        Patch("case_list", key(case), {"handlers": MergeJson({"b": "y"}), "owner": "z"}),
    ]
    assert plan(changes) == [
        [
            Patch(
                "case_list",
                key(case),
                {
                    "version": 3,
                    "acknowledged_at": First("t1"),
                    "handlers": MergeJson({"a": "x", "b": "y"}),
                    "owner": "z",
                },
            )
        ]
    ]


def test_a_plain_value_then_first_keeps_the_plain_value_unless_it_is_null() -> None:
    case = uuid4()
    set_then_first = [
        Patch("case_list", key(case), {"closed_at": "t1"}),
        Patch("case_list", key(case), {"closed_at": First("t2")}),
    ]
    cleared_then_first = [
        Patch("case_list", key(case), {"closed_at": None}),
        Patch("case_list", key(case), {"closed_at": First("t2")}),
    ]
    assert plan(set_then_first)[0][0].values == {"closed_at": "t1"}
    assert plan(cleared_then_first)[0][0].values == {"closed_at": "t2"}


def test_first_then_merge_is_not_folded() -> None:
    case = uuid4()
    changes = [
        Patch("case_list", key(case), {"handlers": First({"a": "x"})}),
        Patch("case_list", key(case), {"handlers": MergeJson({"b": "y"})}),
    ]
    assert plan(changes) == [[changes[0]], [changes[1]]]


def test_an_upsert_takes_the_plain_patches_after_it() -> None:
    case = uuid4()
    filed = Upsert("case_list", CASE_KEY, {**key(case), "status": "open", "version": 1})
    changes = [
        filed,
        Patch("case_list", key(case), {"version": 2, "category": "noise"}),
        Patch("case_list", key(case), {"status": "closed", "version": 3}),
    ]
    assert plan(changes) == [
        [
            Upsert(
                "case_list",
                CASE_KEY,
                {**key(case), "status": "closed", "version": 3, "category": "noise"},
            )
        ]
    ]


def test_first_or_merge_into_a_column_an_upsert_leaves_unset_is_not_folded() -> None:
    """Unset, the column holds its default on insert and its old value on conflict: neither
    is known here."""
    case = uuid4()
    filed = Upsert("case_list", CASE_KEY, {**key(case), "status": "open"})
    acknowledged = Patch("case_list", key(case), {"acknowledged_at": First("t1")})
    assigned = Patch("case_list", key(case), {"handlers": MergeJson({"a": "x"})})
    assert plan([filed, acknowledged]) == [[filed], [acknowledged]]
    assert plan([filed, assigned]) == [[filed], [assigned]]


def test_a_repeated_upsert_is_one_that_keeps_what_the_first_wrote_in_its_kept_columns() -> None:
    case = uuid4()
    role = {**key(case), "role": "nurse"}
    first = Upsert(
        "case_roles", ROLE_KEY, {**role, "reason": "a", "since": "t1"}, frozenset({"since"})
    )
    again = Upsert(
        "case_roles", ROLE_KEY, {**role, "reason": "b", "since": "t2"}, frozenset({"since"})
    )
    assert plan([first, again]) == [
        [Upsert("case_roles", ROLE_KEY, {**role, "reason": "b", "since": "t1"}, first.keep)]
    ]


def test_a_delete_drops_the_earlier_changes_of_the_rows_it_deletes() -> None:
    case, other = uuid4(), uuid4()
    nurse = Upsert("case_roles", ROLE_KEY, {**key(case), "role": "nurse", "reason": "a"})
    head = Upsert("case_roles", ROLE_KEY, {**key(case), "role": "head", "reason": "a"})
    elsewhere = Upsert("case_roles", ROLE_KEY, {**key(other), "role": "nurse", "reason": "a"})
    gone = Delete("case_roles", key(case))
    back = Upsert("case_roles", ROLE_KEY, {**key(case), "role": "nurse", "reason": "b"})
    assert plan([nurse, elsewhere, head, gone, back]) == [[elsewhere, gone], [back]]


def test_patches_are_not_folded_across_another_change_of_the_same_rows() -> None:
    case = uuid4()
    nurse = {**key(case), "role": "nurse"}
    changes = [
        Patch("case_roles", nurse, {"reason": "a"}),
        Patch("case_roles", {"tenant_id": TENANT}, {"reason": "erased"}),
        Patch("case_roles", nurse, {"reason": "b"}),
    ]
    assert plan(changes) == [[changes[0]], [changes[1]], [changes[2]]]


def test_waves_keep_each_rows_changes_in_order_and_put_other_rows_side_by_side() -> None:
    one, two = uuid4(), uuid4()
    filed_one = Upsert("case_list", CASE_KEY, {**key(one), "status": "open"})
    filed_two = Upsert("case_list", CASE_KEY, {**key(two), "status": "open"})
    acknowledged_one = Patch("case_list", key(one), {"acknowledged_at": First("t1")})
    nurse_one = Upsert("case_roles", ROLE_KEY, {**key(one), "role": "nurse"})
    head_one = Upsert("case_roles", ROLE_KEY, {**key(one), "role": "head"})
    gone_two = Delete("case_roles", key(two))
    changes = [filed_one, nurse_one, acknowledged_one, head_one, filed_two, gone_two]
    assert plan(changes) == [
        [filed_one, nurse_one, head_one, filed_two, gone_two],
        [acknowledged_one],
    ]


def test_planning_leaves_the_changes_it_was_given_as_they_were() -> None:
    case = uuid4()
    filed = Upsert("case_list", CASE_KEY, {**key(case), "status": "open", "version": 1})
    touched = [Patch("case_list", key(case), {"version": n}) for n in (2, 3, 4)]
    role = {**key(case), "role": "nurse"}
    roles = [Upsert("case_roles", ROLE_KEY, {**role, "reason": r}) for r in "abc"]
    patches = [Patch("case_roles", role, {"reason": r}) for r in "xyz"]
    changes = [filed, *touched, *roles, *patches]
    before = copy.deepcopy(changes)
    planned = plan(changes)
    assert changes == before
    assert planned == [
        [
            Upsert("case_list", CASE_KEY, {**key(case), "status": "open", "version": 4}),
            Upsert("case_roles", ROLE_KEY, {**role, "reason": "z"}),
        ]
    ]
