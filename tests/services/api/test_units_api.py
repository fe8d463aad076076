"""The tenant administrator builds the organisation over HTTP: units in a tree, people placed
in them with roles; every refusal is a problem document naming the field, never a 5xx."""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient, Response

from services.audit.format import decode_line
from tests.services.audit_support import audited_tenant
from tests.services.support import TenantKeys, bearer, new_tenant, staff_key


async def add(
    client: AsyncClient, tenant: TenantKeys, unit_id: str, parent: str | None = None, **extra: Any
) -> Response:
    body = {"unit_id": unit_id, "name": unit_id.title(), "kind": "department", "parent": parent}
    return await client.post("/v1/units", headers=tenant.admin, json={**body, **extra})


async def tree(client: AsyncClient, tenant: TenantKeys) -> TenantKeys:
    """surgery > ortho > ortho-ward, and cardio beside surgery."""
    for unit_id, parent in (
        ("surgery", None),
        ("ortho", "surgery"),
        ("ortho-ward", "ortho"),
        ("cardio", None),
    ):
        response = await add(client, tenant, unit_id, parent)
        assert response.status_code == 201, response.text
    return tenant


def field_errors(response: Response) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    return [e["field"] for e in response.json()["errors"]]


async def test_the_admin_builds_a_tree_that_every_staff_member_reads_in_path_order(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    created = await add(client, tenant, "surgery")
    assert created.status_code == 201, created.text
    assert created.headers["location"] == "/v1/units/surgery"
    shown = await client.get(created.headers["location"], headers=tenant.admin)
    assert shown.json() == {k: v for k, v in created.json().items() if k != "seq"}
    assert (await client.get("/v1/units/nowhere", headers=tenant.admin)).status_code == 404
    assert created.json() == {
        "unit_id": "surgery",
        "name": "Surgery",
        "kind": "department",
        "parent": None,
        "path": ["surgery"],
        "retired": False,
        "seq": created.json()["seq"],
    }
    for unit_id, parent in (("cardio", None), ("ortho", "surgery"), ("ortho-ward", "ortho")):
        assert (await add(client, tenant, unit_id, parent)).status_code == 201
    nurse = await staff_key(client, tenant, "nurse.li", ["nurse"])

    listed = await client.get("/v1/units", headers=nurse)

    assert listed.status_code == 200, listed.text
    assert [(u["unit_id"], u["path"]) for u in listed.json()["items"]] == [
        ("cardio", ["cardio"]),
        ("surgery", ["surgery"]),
        ("ortho", ["surgery", "ortho"]),
        ("ortho-ward", ["surgery", "ortho", "ortho-ward"]),
    ]


async def test_a_unit_is_renamed_and_moved_and_its_subtree_moves_with_it(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))

    renamed = await client.patch("/v1/units/ortho", headers=tenant.admin, json={"name": "骨科"})
    moved = await client.patch("/v1/units/ortho", headers=tenant.admin, json={"parent": "cardio"})
    to_root = await client.patch("/v1/units/cardio", headers=tenant.admin, json={"parent": None})

    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["parent"]) == ("骨科", "surgery")
    assert (moved.json()["name"], moved.json()["path"]) == ("骨科", ["cardio", "ortho"])
    assert to_root.status_code == 200 and to_root.json()["path"] == ["cardio"]
    listed = (await client.get("/v1/units", headers=tenant.admin)).json()["items"]
    assert {u["unit_id"]: u["path"] for u in listed}["ortho-ward"] == [
        "cardio",
        "ortho",
        "ortho-ward",
    ]


async def test_only_the_tenant_admin_changes_the_organisation(client: AsyncClient) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))
    head = await staff_key(client, tenant, "head.wu", ["medical_affairs"])
    body = {"unit_id": "eye", "name": "Eye", "kind": "department"}

    for response in (
        await client.post("/v1/units", headers=head, json=body),
        await client.patch("/v1/units/ortho", headers=head, json={"name": "x"}),
        await client.post("/v1/units/cardio/retire", headers=head, json={"reason": "x"}),
        await client.put("/v1/people/head.wu/units/ortho", headers=head, json={"roles": ["nurse"]}),
    ):
        assert response.status_code == 403, response.text
    assert "eye" not in [
        u["unit_id"] for u in (await client.get("/v1/units", headers=head)).json()["items"]
    ]


async def test_a_bad_unit_id_or_kind_is_422_naming_the_field_and_the_kinds_allowed(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")

    bad_id = await add(client, tenant, "Ortho Dept")
    bad_kind = await add(client, tenant, "ortho", kind="galaxy")
    bad_parent_id = await add(client, tenant, "ortho", parent="../x")

    assert (bad_id.status_code, field_errors(bad_id)) == (422, ["unit_id"])
    assert (bad_kind.status_code, field_errors(bad_kind)) == (422, ["kind"])
    kind_error = bad_kind.json()["errors"][0]
    assert kind_error["allowed"] == ["department", "ward", "branch", "campus", "office", "region"]
    assert (bad_parent_id.status_code, field_errors(bad_parent_id)) == (422, ["parent"])


async def test_an_unknown_parent_and_a_loop_are_422_on_parent(client: AsyncClient) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))

    unknown = await add(client, tenant, "eye", parent="no-such-unit")
    loop = await client.patch(
        "/v1/units/surgery", headers=tenant.admin, json={"parent": "ortho-ward"}
    )
    itself = await client.patch("/v1/units/ortho", headers=tenant.admin, json={"parent": "ortho"})

    assert (unknown.status_code, field_errors(unknown)) == (422, ["parent"])
    assert "no-such-unit" in unknown.json()["errors"][0]["reason"]
    assert (loop.status_code, field_errors(loop)) == (422, ["parent"])
    assert (itself.status_code, field_errors(itself)) == (422, ["parent"])
    listed = (await client.get("/v1/units", headers=tenant.admin)).json()["items"]
    assert {u["unit_id"]: u["parent"] for u in listed}["surgery"] is None  # nothing moved


async def test_a_unit_id_is_taken_once_and_a_unit_in_the_path_must_exist(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))

    again = await add(client, tenant, "ortho")
    missing = await client.patch("/v1/units/nowhere", headers=tenant.admin, json={"name": "x"})
    retire_missing = await client.post(
        "/v1/units/nowhere/retire", headers=tenant.admin, json={"reason": "x"}
    )

    assert again.status_code == 409
    assert again.json()["type"] == "/problems/conflict"
    assert missing.status_code == 404 and retire_missing.status_code == 404


async def test_a_unit_with_live_units_under_it_is_not_retired_until_they_are(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))

    refused = await client.post(
        "/v1/units/ortho/retire", headers=tenant.admin, json={"reason": "merged"}
    )
    leaf = await client.post(
        "/v1/units/ortho-ward/retire", headers=tenant.admin, json={"reason": "merged"}
    )
    then = await client.post(
        "/v1/units/ortho/retire", headers=tenant.admin, json={"reason": "merged"}
    )
    under_retired = await add(client, tenant, "ortho-2", parent="ortho")

    assert refused.status_code == 409 and "ortho-ward" in refused.json()["detail"]
    assert leaf.status_code == 200 and leaf.json()["retired"] is True
    assert then.status_code == 200 and then.json()["retired"] is True
    assert (under_retired.status_code, field_errors(under_retired)) == (422, ["parent"])
    listed = (await client.get("/v1/units", headers=tenant.admin)).json()["items"]
    assert {u["unit_id"]: u["retired"] for u in listed} == {
        "cardio": False,
        "surgery": False,
        "ortho": True,
        "ortho-ward": True,
    }


async def test_people_placed_in_units_show_in_the_tenant_with_their_roles_there(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))
    registered = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "nurse.li", "name": "Li", "units": {"ortho": ["nurse"]}},
    )
    placed = await client.put(
        "/v1/people/nurse.li/units/cardio",
        headers=tenant.admin,
        json={"roles": ["head_nurse", "nurse"]},
    )
    replaced = await client.put(
        "/v1/people/nurse.li/units/ortho", headers=tenant.admin, json={"roles": ["clinician"]}
    )

    assert registered.status_code == 201, registered.text
    assert registered.json()["units"] == {"ortho": ["nurse"]}
    assert placed.status_code == 200, placed.text
    assert placed.json() == {
        "person_id": "nurse.li",
        "unit_id": "cardio",
        "roles": ["head_nurse", "nurse"],
        "seq": placed.json()["seq"],
    }
    assert replaced.json()["roles"] == ["clinician"]
    people = (await client.get("/v1/tenant", headers=tenant.admin)).json()["people"]
    li = next(p for p in people if p["person_id"] == "nurse.li")
    assert li == {
        "person_id": "nurse.li",
        "name": "Li",
        "roles": [],
        "units": {"cardio": ["head_nurse", "nurse"], "ortho": ["clinician"]},
    }

    removed = await client.put(
        "/v1/people/nurse.li/units/ortho", headers=tenant.admin, json={"roles": []}
    )

    assert removed.status_code == 200 and removed.json()["roles"] == []
    people = (await client.get("/v1/tenant", headers=tenant.admin)).json()["people"]
    assert next(p for p in people if p["person_id"] == "nurse.li")["units"] == {
        "cardio": ["head_nurse", "nurse"]
    }


async def test_placing_refuses_roles_the_policy_lacks_and_unknown_people_or_units(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))
    await staff_key(client, tenant, "nurse.li", ["nurse"])

    wizard = await client.put(
        "/v1/people/nurse.li/units/ortho", headers=tenant.admin, json={"roles": ["wizard"]}
    )
    nobody = await client.put(
        "/v1/people/ghost/units/ortho", headers=tenant.admin, json={"roles": ["nurse"]}
    )
    nowhere = await client.put(
        "/v1/people/nurse.li/units/nowhere", headers=tenant.admin, json={"roles": ["nurse"]}
    )
    unknown_in_body = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "p2", "name": "P", "units": {"nowhere": ["nurse"]}},
    )
    no_role = await client.post(
        "/v1/people", headers=tenant.admin, json={"person_id": "p3", "name": "P"}
    )

    assert (wizard.status_code, field_errors(wizard)) == (422, ["roles"])
    assert nobody.status_code == 404 and nowhere.status_code == 404
    assert (unknown_in_body.status_code, field_errors(unknown_in_body)) == (422, ["units"])
    assert (no_role.status_code, field_errors(no_role)) == (422, ["roles"])
    people = (await client.get("/v1/tenant", headers=tenant.admin)).json()["people"]
    assert {p["person_id"] for p in people} == {"admin", "nurse.li"}  # nothing written


async def test_a_person_holding_a_role_only_in_a_unit_gets_a_key_for_it(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))
    await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "nurse.li", "name": "Li", "units": {"ortho": ["nurse"]}},
    )

    default = await client.post("/v1/keys", headers=tenant.admin, json={"person_id": "nurse.li"})
    named = await client.post(
        "/v1/keys", headers=tenant.admin, json={"person_id": "nurse.li", "roles": ["nurse"]}
    )

    assert default.status_code == 201, default.text
    assert named.status_code == 201, named.text
    keys = (await client.get("/v1/tenant", headers=tenant.admin)).json()["keys"]
    assert [k["roles"] for k in keys if k["person_id"] == "nurse.li"] == [["nurse"], ["nurse"]]
    assert (await client.get("/v1/units", headers=bearer(default.json()["key"]))).status_code == 200


async def test_a_retried_unit_write_with_the_same_idempotency_key_adds_it_once(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    headers = {**tenant.admin, "Idempotency-Key": "add-eye-1"}
    body = {"unit_id": "eye", "name": "Eye", "kind": "department"}

    first = await client.post("/v1/units", headers=headers, json=body)
    again = await client.post("/v1/units", headers=headers, json=body)

    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()


async def test_the_organisation_s_events_are_in_the_ledger_an_auditor_exports(
    client: AsyncClient,
) -> None:
    tenant, auditor = await audited_tenant(client, filings=0)
    await tree(client, tenant)
    await client.put(
        "/v1/people/auditor.zhao/units/ortho", headers=tenant.admin, json={"roles": ["nurse"]}
    )
    await client.patch("/v1/units/cardio", headers=tenant.admin, json={"name": "心内科"})
    await client.post("/v1/units/ortho-ward/retire", headers=tenant.admin, json={"reason": "x"})

    exported = await client.get("/v1/audit/ledger", headers=auditor)

    topics = [decode_line(line).topic for line in exported.content.splitlines()]
    kinds = [topic.rsplit(".", 1)[-1] for topic in topics]
    assert kinds.count("UnitAdded") == 4
    assert {"UnitChanged", "UnitRetired", "PersonPlaced"} <= set(kinds)


async def test_a_change_naming_nothing_and_a_bad_unit_id_among_a_person_s_units_are_422(
    client: AsyncClient,
) -> None:
    tenant = await tree(client, await new_tenant(client, "hospital@1"))

    empty = await client.patch("/v1/units/ortho", headers=tenant.admin, json={})
    bad_key = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "p", "name": "P", "units": {"Not An Id": ["nurse"]}},
    )

    assert (empty.status_code, field_errors(empty)) == (422, ["body"])
    assert bad_key.status_code == 422 and field_errors(bad_key)[0].startswith("units")


async def test_an_unknown_unit_is_told_in_chinese_to_a_chinese_reader(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    chinese = {**tenant.admin, "Accept-Language": "zh-CN"}

    unknown = await client.post(
        "/v1/units",
        headers=chinese,
        json={"unit_id": "eye", "name": "眼科", "kind": "department", "parent": "nowhere"},
    )
    missing = await client.get("/v1/units/nowhere", headers=chinese)

    assert unknown.json()["errors"][0] == {"field": "parent", "reason": "找不到单位 nowhere"}
    assert missing.json()["detail"] == "找不到单位 nowhere"
