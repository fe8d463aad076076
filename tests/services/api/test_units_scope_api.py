"""Units scope who sees a case: a role held in a unit brings the cases of that unit (and
those below it) to its holder's list, inbox, deadlines and counts, and no other; a case
outside them is 404 on every case route. A tenant-wide role sees every case, as before units.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from httpx import AsyncClient

from services.runtime import Runtime
from tests.services.support import TenantKeys, bearer, complaint_body, new_tenant, staff_key

UNITS = {
    "hospital@1": ("ortho", "cardio", "department"),
    "bank@1": ("branch-east", "branch-west", "branch"),
    "school@1": ("campus-north", "campus-south", "campus"),
}
CAMPUS_FACILITIES = "campus/service/facilities/complaint"


async def tenant_with_units(client: AsyncClient, policy: str) -> TenantKeys:
    tenant = await new_tenant(client, policy)
    *units, kind = UNITS[policy]
    for unit in units:
        body = {"unit_id": unit, "name": unit.title(), "kind": kind, "parent": None}
        added = await client.post("/v1/units", headers=tenant.admin, json=body)
        assert added.status_code == 201, added.text
    return tenant


async def unit_key(
    client: AsyncClient, tenant: TenantKeys, person: str, unit: str, roles: list[str]
) -> dict[str, str]:
    """A key of a person who holds ``roles`` in ``unit`` only."""
    body = {"person_id": person, "name": person, "units": {unit: roles}}
    registered = await client.post("/v1/people", headers=tenant.admin, json=body)
    assert registered.status_code == 201, registered.text
    issued = await client.post(
        "/v1/keys", headers=tenant.admin, json={"person_id": person, "roles": roles}
    )
    assert issued.status_code == 201, issued.text
    return bearer(issued.json()["key"])


async def file_in(
    client: AsyncClient, tenant: TenantKeys, unit: str | None, **body: Any
) -> dict[str, Any]:
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(unit=unit, **body)
    )
    assert filed.status_code == 201, filed.text
    return filed.json()


async def inbox(client: AsyncClient, who: dict[str, str], seq: int) -> dict[str, dict]:
    answer = await client.get("/v1/inbox", headers=who, params={"after_seq": seq})
    assert answer.status_code == 200, answer.text
    return {item["case_id"]: item for item in answer.json()["items"]}


async def listed(client: AsyncClient, who: dict[str, str], seq: int, **params: Any) -> list[str]:
    answer = await client.get("/v1/complaints", headers=who, params={"after_seq": seq, **params})
    assert answer.status_code == 200, answer.text
    return [item["case_id"] for item in answer.json()["items"]]


async def hospital(client: AsyncClient) -> tuple[TenantKeys, dict[str, dict[str, str]]]:
    tenant = await tenant_with_units(client, "hospital@1")
    people = {
        "ortho_head": await unit_key(client, tenant, "head.ortho", "ortho", ["department_head"]),
        "ortho_nurse": await unit_key(client, tenant, "nurse.ortho", "ortho", ["head_nurse"]),
        "cardio_head": await unit_key(client, tenant, "head.cardio", "cardio", ["department_head"]),
        "affairs": await staff_key(client, tenant, "affairs.sun", ["medical_affairs"]),
    }
    return tenant, people


async def test_h4_an_ortho_complaint_reaches_ortho_and_medical_affairs_and_not_cardio(
    client: AsyncClient,
) -> None:
    """H4: the department concerned and medical affairs hear of it; another department
    neither lists it nor reads it, its history or its timeline."""
    tenant, people = await hospital(client)
    case = await file_in(client, tenant, "ortho")
    case_id, seq = case["id"], case["seq"]

    for who in ("ortho_head", "ortho_nurse", "affairs"):
        item = (await inbox(client, people[who], seq)).get(case_id)
        assert item is not None, who
        assert item["unit"] == "ortho"
    assert case_id not in await inbox(client, people["cardio_head"], seq)
    assert case_id in await listed(client, people["ortho_head"], seq)
    assert await listed(client, people["cardio_head"], seq) == []

    shown = await client.get(f"/v1/complaints/{case_id}", headers=people["ortho_head"])
    assert shown.status_code == 200, shown.text
    assert shown.json()["unit"] == "ortho"
    for route in ("", "/history", "/replay", "/actions", "/case-study"):
        hidden = await client.get(f"/v1/complaints/{case_id}{route}", headers=people["cardio_head"])
        assert hidden.status_code == 404, (route, hidden.text)
    as_of = await client.get(
        f"/v1/complaints/{case_id}",
        headers=people["cardio_head"],
        params={"as_of": "2030-01-01T00:00:00Z"},
    )
    assert as_of.status_code == 404
    acted = await client.post(
        f"/v1/complaints/{case_id}/notes", headers=people["cardio_head"], json={"text": "mine?"}
    )
    assert acted.status_code == 404


async def test_intake_files_a_case_only_in_a_unit_of_the_tenant_the_filer_serves(
    client: AsyncClient,
) -> None:
    """A case is filed in a live unit of the tenant where the filer's roles count."""
    tenant, people = await hospital(client)
    for who, unit in ((people["cardio_head"], "ortho"), (tenant.admin, "nowhere")):
        body = complaint_body(unit=unit)
        refused = await client.post("/v1/complaints", headers=who, json=body)
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["unit"]
    malformed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(unit="Not A Unit")
    )
    assert malformed.status_code == 422
    own = await client.post(
        "/v1/complaints", headers=people["cardio_head"], json=complaint_body(unit="cardio")
    )
    assert own.status_code == 201, own.text


async def test_h13_medical_affairs_moves_a_case_and_the_departments_see_it_change_hands(
    client: AsyncClient,
) -> None:
    """H13: medical affairs decides which department handles a case; a department head may
    not move one."""
    tenant, people = await hospital(client)
    case_id = (await file_in(client, tenant, "ortho"))["id"]

    refused = await client.post(
        f"/v1/complaints/{case_id}/move",
        headers=people["ortho_head"],
        json={"unit": "cardio", "reason": "not ours"},
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "H13"
    unknown = await client.post(
        f"/v1/complaints/{case_id}/move",
        headers=people["affairs"],
        json={"unit": "nowhere", "reason": "typo"},
    )
    assert unknown.status_code == 422, unknown.text
    assert [e["field"] for e in unknown.json()["errors"]] == ["unit"]

    moved = await client.post(
        f"/v1/complaints/{case_id}/move",
        headers=people["affairs"],
        json={"unit": "cardio", "reason": "a heart condition, not a fracture"},
    )
    assert moved.status_code == 200, moved.text
    seq = moved.json()["seq"]

    history = await client.get(f"/v1/complaints/{case_id}/history", headers=people["affairs"])
    move = [h for h in history.json() if h["event"] == "MovedToUnit"]
    assert [(m["data"]["unit_id"], m["data"]["reason"]) for m in move] == [
        ("cardio", "a heart condition, not a fracture")
    ]
    assert await listed(client, people["cardio_head"], seq) == [case_id]
    assert await listed(client, people["ortho_head"], seq) == []
    assert case_id in await inbox(client, people["cardio_head"], seq)
    assert case_id not in await inbox(client, people["ortho_head"], seq)
    seen = await client.get(f"/v1/complaints/{case_id}", headers=people["cardio_head"])
    assert (seen.status_code, seen.json()["unit"]) == (200, "cardio")
    gone = await client.get(f"/v1/complaints/{case_id}", headers=people["ortho_head"])
    assert gone.status_code == 404


async def test_h4_a_department_heads_inbox_pages_through_its_own_cases_only(
    client: AsyncClient,
) -> None:
    """H4: one page at a time, the department head meets every ortho case once, and no
    cardio case."""
    tenant, people = await hospital(client)
    ortho = {(await file_in(client, tenant, "ortho"))["id"] for _ in range(3)}
    seq = (await file_in(client, tenant, "cardio"))["seq"]

    seen: list[str] = []
    params: dict[str, Any] = {"after_seq": seq, "limit": 1}
    while True:
        page = await client.get("/v1/inbox", headers=people["ortho_head"], params=params)
        assert page.status_code == 200, page.text
        seen += [item["case_id"] for item in page.json()["items"]]
        if page.json()["next_cursor"] is None:
            break
        params = {"limit": 1, "cursor": page.json()["next_cursor"]}

    assert sorted(seen) == sorted(ortho)


async def bank(client: AsyncClient) -> tuple[TenantKeys, dict[str, dict[str, str]]]:
    tenant = await tenant_with_units(client, "bank@1")
    people = {
        "east_head": await unit_key(client, tenant, "head.east", "branch-east", ["branch_head"]),
        "east_lobby": await unit_key(
            client, tenant, "lobby.east", "branch-east", ["lobby_manager"]
        ),
        "west_head": await unit_key(client, tenant, "head.west", "branch-west", ["branch_head"]),
        "general": await staff_key(client, tenant, "office.zhao", ["general_department"]),
    }
    return tenant, people


async def test_b3_a_level_1_complaint_waits_on_its_own_branch_only(client: AsyncClient) -> None:
    """B3: handled on the spot by the branch it came to; another branch neither sees nor
    acts on it."""
    tenant, people = await bank(client)
    case = await file_in(client, tenant, "branch-east")
    case_id, seq = case["id"], case["seq"]

    for who in ("east_head", "east_lobby"):
        item = (await inbox(client, people[who], seq)).get(case_id)
        assert item is not None and item["level"] == 1, who
    assert await inbox(client, people["west_head"], seq) == {}
    assert await listed(client, people["west_head"], seq) == []
    acted = await client.post(
        f"/v1/complaints/{case_id}/acknowledge", headers=people["west_head"], json={}
    )
    assert acted.status_code == 404, acted.text
    by_east = await client.post(
        f"/v1/complaints/{case_id}/acknowledge", headers=people["east_head"], json={}
    )
    assert by_east.status_code == 200, by_east.text


async def test_b4_a_business_disruption_is_seen_by_its_branch_and_the_general_department(
    client: AsyncClient,
) -> None:
    """B4: business disrupted at branch-east: its branch holders and the bank-wide general
    department see it, branch-west does not; its deadline is listed to those who see it."""
    tenant, people = await bank(client)
    case = await file_in(client, tenant, "branch-east", category="business_disruption")
    case_id, seq = case["id"], case["seq"]

    general = (await inbox(client, people["general"], seq)).get(case_id)
    assert general is not None and general["level"] == 2
    assert case_id in await inbox(client, people["east_head"], seq)
    for who in ("east_head", "general"):
        assert case_id in await listed(client, people[who], seq)
    assert await listed(client, people["west_head"], seq) == []

    def deadline_cases(answer: Any) -> set[str]:
        assert answer.status_code == 200, answer.text
        return {item["case_id"] for item in answer.json()["items"]}

    params = {"after_seq": seq}
    east = await client.get("/v1/deadlines", headers=people["east_head"], params=params)
    west = await client.get("/v1/deadlines", headers=people["west_head"], params=params)
    assert case_id in deadline_cases(east)
    assert deadline_cases(west) == set()


async def test_b9_restricted_features_open_to_the_security_guard_of_the_case_branch_only(
    client: AsyncClient,
) -> None:
    """B9: security reads the identifying features, where it serves: a guard of branch-west
    who is also branch-east's lobby manager reads a branch-east case as its lobby manager."""
    tenant, _ = await bank(client)
    guard = await unit_key(client, tenant, "guard.east", "branch-east", ["security_guard"])
    body = {"person_id": "wu", "name": "wu"}
    body["units"] = {"branch-west": ["security_guard"], "branch-east": ["lobby_manager"]}
    assert (await client.post("/v1/people", headers=tenant.admin, json=body)).status_code == 201
    roles = {"person_id": "wu", "roles": ["security_guard", "lobby_manager"]}
    issued = await client.post("/v1/keys", headers=tenant.admin, json=roles)
    assert issued.status_code == 201, issued.text
    mixed = bearer(issued.json()["key"])
    case_id = (await file_in(client, tenant, "branch-east"))["id"]
    features = {"coat": "red", "height": "tall"}
    noted = await client.post(
        f"/v1/complaints/{case_id}/identifying-features",
        headers=guard,
        json={"features": features},
    )
    assert noted.status_code == 200, noted.text

    by_guard = await client.get(f"/v1/complaints/{case_id}", headers=guard)
    by_mixed = await client.get(f"/v1/complaints/{case_id}", headers=mixed)
    history = await client.get(f"/v1/complaints/{case_id}/history", headers=mixed)

    assert by_guard.json()["restricted"] == features
    assert (by_mixed.status_code, by_mixed.json()["restricted"]) == (200, {})
    assert by_mixed.json()["withheld"] == ["restricted"]
    noted_event = [h for h in history.json() if h["event"] == "IdentifyingFeaturesNoted"]
    assert [h["data"]["features"] for h in noted_event] == [{}]


async def test_b12_a_branch_decides_a_group_for_its_own_cases_only(client: AsyncClient) -> None:
    """B12: one decision for a group; a branch head's covers the cases of the branch, and a
    case of another branch in the same group stays open."""
    tenant, people = await bank(client)
    east = (await file_in(client, tenant, "branch-east"))["id"]
    west = (await file_in(client, tenant, "branch-west"))["id"]
    seq = 0
    for case_id in (east, west):
        for slot in ("A", "B"):  # B7: an A and a B handler before it is decided
            assigned = await client.post(
                f"/v1/complaints/{case_id}/assign",
                headers=tenant.admin,
                json={"person": f"handler.{slot.lower()}", "slot": slot},
            )
            assert assigned.status_code == 200, assigned.text
        linked = await client.post(
            f"/v1/complaints/{case_id}/group", headers=tenant.admin, json={"group": "queue-9"}
        )
        assert linked.status_code == 200, linked.text
        seq = linked.json()["seq"]

    decided = await client.post(
        "/v1/groups/queue-9/resolve",
        headers=people["east_head"],
        params={"after_seq": seq},
        json={"outcome": "the queue system was fixed"},
    )

    assert decided.status_code == 200, decided.text
    assert [w["id"] for w in decided.json()["cases"]] == [east]
    still = await client.get(f"/v1/complaints/{west}", headers=tenant.admin)
    assert still.json()["status"] == "open"


async def school(client: AsyncClient) -> tuple[TenantKeys, dict[str, dict[str, str]]]:
    tenant = await tenant_with_units(client, "school@1")
    people = {
        "north_supervisor": await unit_key(
            client, tenant, "sup.north", "campus-north", ["campus_supervisor"]
        ),
        "south_supervisor": await unit_key(
            client, tenant, "sup.south", "campus-south", ["campus_supervisor"]
        ),
        "north_reception": await unit_key(
            client, tenant, "rec.north", "campus-north", ["campus_reception"]
        ),
        "south_reception": await unit_key(
            client, tenant, "rec.south", "campus-south", ["campus_reception"]
        ),
    }
    return tenant, people


async def test_s7_a_media_contact_on_a_campus_case_reaches_that_campus_supervisor(
    client: AsyncClient,
) -> None:
    """S7: media on a campus go to the campus supervisor at once, for approval: the
    supervisor of that campus, not another's."""
    tenant, people = await school(client)
    case_id = (await file_in(client, tenant, "campus-north", category=CAMPUS_FACILITIES))["id"]
    contact = {"kind": "media", "name": "Zhang", "organisation": "City Daily", "purpose": "story"}
    recorded = await client.post(
        f"/v1/complaints/{case_id}/contacts", headers=tenant.admin, json=contact
    )
    assert recorded.status_code == 200, recorded.text
    seq = recorded.json()["seq"]

    item = (await inbox(client, people["north_supervisor"], seq)).get(case_id)
    assert item is not None
    assert "City Daily" in item["reasons"] and "approval" in item["reasons"]
    assert case_id not in await inbox(client, people["south_supervisor"], seq)


async def test_s10_a_campus_receipt_waits_on_that_campus_reception(client: AsyncClient) -> None:
    """S10: the campus receipt form is reception's to pass on, the day it came, on the
    campus it came to."""
    tenant, people = await school(client)
    case = await file_in(client, tenant, "campus-north", category=CAMPUS_FACILITIES)
    case_id, seq = case["id"], case["seq"]

    item = (await inbox(client, people["north_reception"], seq)).get(case_id)
    assert item is not None and item["due_at"] is not None
    assert case_id not in await inbox(client, people["south_reception"], seq)
    south_list = await listed(client, people["south_reception"], seq)
    assert south_list == []


async def test_unit_lists_stats_and_a_rebuild_answer_the_same(
    client: AsyncClient, runtime: Runtime
) -> None:
    """``?unit=`` lists and counts that unit; ``by_unit`` counts each unit; a unit head's
    counts are their unit's; after a rebuild from the ledger every answer is the same."""
    tenant, people = await hospital(client)
    ortho = [(await file_in(client, tenant, "ortho"))["id"] for _ in range(2)]
    cardio = (await file_in(client, tenant, "cardio"))["id"]
    root = await file_in(client, tenant, None)
    seq = root["seq"]

    async def answers() -> dict[str, Any]:
        stats = await client.get("/v1/stats", headers=tenant.admin, params={"after_seq": seq})
        head = await client.get("/v1/stats", headers=people["ortho_head"])
        only_cardio = await client.get("/v1/stats", headers=tenant.admin, params={"unit": "cardio"})
        assert stats.status_code == head.status_code == only_cardio.status_code == 200
        return {
            "by_unit": [(u["unit"], u["cases"], u["open"]) for u in stats.json()["by_unit"]],
            "head_by_unit": [(u["unit"], u["cases"]) for u in head.json()["by_unit"]],
            "head_per_day": sum(p["cases"] for p in head.json()["per_day"]),
            "cardio_by_unit": [u["unit"] for u in only_cardio.json()["by_unit"]],
            "admin_ortho": sorted(await listed(client, tenant.admin, seq, unit="ortho")),
            "ortho_head": sorted(await listed(client, people["ortho_head"], seq)),
            "cardio_inbox": sorted(await inbox(client, people["cardio_head"], seq)),
            "everything": len(await listed(client, tenant.admin, seq)),
        }

    before = await answers()
    assert before == {
        "by_unit": [(None, 1, 1), ("cardio", 1, 1), ("ortho", 2, 2)],
        "head_by_unit": [("ortho", 2)],
        "head_per_day": 2,
        "cardio_by_unit": ["cardio"],
        "admin_ortho": sorted(ortho),
        "ortho_head": sorted(ortho),
        "cardio_inbox": [cardio],
        "everything": 4,
    }
    unknown = await client.get("/v1/complaints", headers=tenant.admin, params={"unit": "nope"})
    assert unknown.status_code == 422
    assert [e["field"] for e in unknown.json()["errors"]] == ["unit"]

    await runtime.projections.rebuild(UUID(tenant.tenant_id))

    assert await answers() == before
