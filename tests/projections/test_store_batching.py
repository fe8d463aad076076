"""How a batch's row changes are folded and split into waves before they become SQL."""

from __future__ import annotations

from uuid import uuid4

from projections.changes import Delete, First, MergeJson, Patch, Upsert
from projections.store import _rows, fold, waves

TENANT = uuid4()


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
    folded = fold(changes, _rows(changes))
    assert folded == [
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
    assert fold(set_then_first, _rows(set_then_first))[0].values == {"closed_at": "t1"}
    assert fold(cleared_then_first, _rows(cleared_then_first))[0].values == {"closed_at": "t2"}


def test_patches_are_not_folded_across_another_change_of_the_same_rows() -> None:
    case = uuid4()
    changes = [
        Patch("case_roles", {**key(case), "role": "nurse"}, {"reason": "a"}),
        Delete("case_roles", key(case)),
        Patch("case_roles", {**key(case), "role": "nurse"}, {"reason": "b"}),
    ]
    assert fold(changes, _rows(changes)) == changes


def test_first_then_merge_is_not_folded() -> None:
    case = uuid4()
    changes = [
        Patch("case_list", key(case), {"handlers": First({"a": "x"})}),
        Patch("case_list", key(case), {"handlers": MergeJson({"b": "y"})}),
    ]
    assert fold(changes, _rows(changes)) == changes


def test_waves_keep_each_rows_changes_in_order_and_put_other_rows_side_by_side() -> None:
    one, two = uuid4(), uuid4()
    filed_one = Upsert("case_list", ("tenant_id", "case_id"), {**key(one), "status": "open"})
    filed_two = Upsert("case_list", ("tenant_id", "case_id"), {**key(two), "status": "open"})
    closed_one = Patch("case_list", key(one), {"status": "closed"})
    gone_one = Delete("case_roles", key(one))
    waits_one = Upsert(
        "case_roles", ("tenant_id", "case_id", "role"), {**key(one), "role": "nurse"}
    )
    changes = [filed_one, waits_one, closed_one, filed_two, gone_one]
    assert waves(changes, _rows(changes)) == [
        [filed_one, waits_one, filed_two],
        [closed_one, gone_one],
    ]
