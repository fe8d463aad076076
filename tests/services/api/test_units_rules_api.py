"""B4, S7, S10 across units, over HTTP: a person whose roles count in one branch or campus
neither reads nor acts on another's case (404, as for another tenant's: nothing says it
exists); a person placed on the unit above it, a region, reads and acts on it; a person who
sees the case through one role but holds the role the rule asks for only in another unit is
refused by the rule (403).
"""

from __future__ import annotations

from typing import Any

from httpx import AsyncClient

from tests.services.api.test_units_scope_api import CAMPUS_FACILITIES, file_in, inbox, listed
from tests.services.support import TenantKeys, bearer, new_tenant

BANK_TREE = (  # (unit, kind, parent)
    ("region-city", "region", None),
    ("branch-east", "branch", "region-city"),
    ("branch-west", "branch", None),
)
SCHOOL_TREE = (
    ("region-east", "region", None),
    ("campus-north", "campus", "region-east"),
    ("region-west", "region", None),
    ("campus-south", "campus", "region-west"),
)
MEDIA = {"kind": "media", "name": "Zhang", "organisation": "City Daily", "purpose": "story"}
CASE_READS = ("", "/history", "/replay", "/actions", "/case-study")


async def tenant_with_tree(
    client: AsyncClient, policy: str, tree: tuple[tuple[str, str, str | None], ...]
) -> TenantKeys:
    tenant = await new_tenant(client, policy)
    for unit, kind, parent in tree:
        body = {"unit_id": unit, "name": unit.title(), "kind": kind, "parent": parent}
        added = await client.post("/v1/units", headers=tenant.admin, json=body)
        assert added.status_code == 201, added.text
    return tenant


async def placed(
    client: AsyncClient, tenant: TenantKeys, person: str, units: dict[str, list[str]]
) -> dict[str, str]:
    """A key of a person holding ``units``' roles in those units and nothing tenant-wide."""
    body = {"person_id": person, "name": person, "units": units}
    registered = await client.post("/v1/people", headers=tenant.admin, json=body)
    assert registered.status_code == 201, registered.text
    issued = await client.post("/v1/keys", headers=tenant.admin, json={"person_id": person})
    assert issued.status_code == 201, issued.text
    return bearer(issued.json()["key"])


async def hidden_from(client: AsyncClient, who: dict[str, str], case_id: str) -> None:
    """Every read of the case is 404 to ``who``."""
    for route in CASE_READS:
        answer = await client.get(f"/v1/complaints/{case_id}{route}", headers=who)
        assert answer.status_code == 404, (route, answer.text)


async def act(
    client: AsyncClient, who: dict[str, str], case_id: str, action: str, body: dict[str, Any]
) -> Any:
    return await client.post(f"/v1/complaints/{case_id}/{action}", headers=who, json=body)


# --- B4: the branch where it arises, and the region above it ------------------------------


async def test_b4_another_branch_gets_404_and_the_region_over_the_branch_keeps_order(
    client: AsyncClient,
) -> None:
    """B4: business disrupted at branch-east is branch-east's to keep order in; branch-west's
    head reads nothing of it and acting on it is 404; a branch head placed on the region
    above branch-east lists it, reads it and reports the incident."""
    bank = await tenant_with_tree(client, "bank@1", BANK_TREE)
    west = await placed(client, bank, "head.west", {"branch-west": ["branch_head"]})
    region = await placed(client, bank, "head.region", {"region-city": ["branch_head"]})
    case = await file_in(client, bank, "branch-east", category="business_disruption")
    case_id, seq = case["id"], case["seq"]

    await hidden_from(client, west, case_id)
    assert case_id not in await listed(client, west, seq)
    assert case_id not in await inbox(client, west, seq)
    incident = {"kind": "disruption", "description": "shouting in the lobby, counters shut"}
    for action, body in (
        ("incidents", incident),
        ("escalate", {"reason": "it goes on"}),
        ("notes", {"text": "ours?"}),
    ):
        refused = await act(client, west, case_id, action, body)
        assert refused.status_code == 404, (action, refused.text)

    assert case_id in await listed(client, region, seq)
    assert case_id in await inbox(client, region, seq)
    for route in CASE_READS[:-1]:  # a case study is of a closed case (B14)
        read = await client.get(f"/v1/complaints/{case_id}{route}", headers=region)
        assert read.status_code == 200, (route, read.text)
    reported = await act(client, region, case_id, "incidents", incident)
    assert reported.status_code == 200, reported.text
    noted = await act(client, region, case_id, "notes", {"text": "on my way"})
    assert noted.status_code == 200, noted.text
    history = await client.get(f"/v1/complaints/{case_id}/history", headers=region)
    assert {"IncidentReported", "NoteAdded"} <= {h["event"] for h in history.json()}


async def test_b4_b9_a_guard_of_another_branch_who_sees_the_case_is_refused_its_features(
    client: AsyncClient,
) -> None:
    """B4 (security keeps order), B9: the lobby manager of branch-east who guards branch-west
    sees the case, but noting the features is security's where it arose: 403 naming B9;
    branch-east's own guard, and one placed on the region above, note them."""
    bank = await tenant_with_tree(client, "bank@1", BANK_TREE)
    mixed = await placed(
        client,
        bank,
        "wu",
        {"branch-west": ["security_guard"], "branch-east": ["lobby_manager"]},
    )
    guard = await placed(client, bank, "guard.east", {"branch-east": ["security_guard"]})
    region = await placed(client, bank, "guard.region", {"region-city": ["security_guard"]})
    case_id = (await file_in(client, bank, "branch-east", category="business_disruption"))["id"]
    features = {"features": {"coat": "red"}}

    seen = await client.get(f"/v1/complaints/{case_id}", headers=mixed)
    assert seen.status_code == 200, seen.text
    refused = await act(client, mixed, case_id, "identifying-features", features)
    assert refused.status_code == 403, refused.text
    assert refused.json()["rule"] == "B9"
    for who in (guard, region):
        noted = await act(client, who, case_id, "identifying-features", features)
        assert noted.status_code == 200, noted.text


# --- S7: media on a campus, told to that campus and its region ----------------------------


async def test_s7_another_campus_and_region_get_404_and_the_campus_region_records_the_media(
    client: AsyncClient,
) -> None:
    """S7: media at campus-north: campus-south's supervisor and region-west's manager neither
    read the case nor record on it (404), nor hear of the visit; region-east's manager,
    above campus-north, records the visit and is told of it for a decision."""
    school = await tenant_with_tree(client, "school@1", SCHOOL_TREE)
    south = await placed(client, school, "sup.south", {"campus-south": ["campus_supervisor"]})
    west = await placed(client, school, "rm.west", {"region-west": ["regional_manager"]})
    east = await placed(client, school, "rm.east", {"region-east": ["regional_manager"]})
    case = await file_in(client, school, "campus-north", category=CAMPUS_FACILITIES)
    case_id = case["id"]

    for who in (south, west):
        await hidden_from(client, who, case_id)
        refused = await act(client, who, case_id, "contacts", MEDIA)
        assert refused.status_code == 404, refused.text

    recorded = await act(client, east, case_id, "contacts", MEDIA)
    assert recorded.status_code == 200, recorded.text
    seq = recorded.json()["seq"]
    told = (await inbox(client, east, seq)).get(case_id)
    assert told is not None and "City Daily" in told["reasons"]
    assert told["unit"] == "campus-north"
    for who in (south, west):
        assert case_id not in await inbox(client, who, seq)
        assert case_id not in await listed(client, who, seq)


# --- S10: the campus's own process, from its reception ------------------------------------


async def test_s10_s11_only_the_campus_reception_or_the_region_above_passes_the_form_on(
    client: AsyncClient,
) -> None:
    """S10: the receipt form of a campus-north case is passed on by campus-north's reception:
    campus-south's reception gets 404 for it; a campus-north coordinator who is reception
    only at campus-south sees the case but is refused the reception's step (403); a
    reception placed on region-east, above campus-north, passes it on."""
    school = await tenant_with_tree(client, "school@1", SCHOOL_TREE)
    south = await placed(client, school, "rec.south", {"campus-south": ["campus_reception"]})
    mixed = await placed(
        client,
        school,
        "chen",
        {"campus-north": ["coordinator"], "campus-south": ["campus_reception"]},
    )
    region = await placed(client, school, "rec.east", {"region-east": ["campus_reception"]})
    case = await file_in(client, school, "campus-north", category=CAMPUS_FACILITIES)
    case_id, seq = case["id"], case["seq"]
    passing_on = {"person": "staff.facilities", "slot": "department", "handling_days": 3}

    await hidden_from(client, south, case_id)
    assert case_id not in await inbox(client, south, seq)
    refused = await act(client, south, case_id, "assign", passing_on)
    assert refused.status_code == 404, refused.text

    seen = await client.get(f"/v1/complaints/{case_id}", headers=mixed)
    assert seen.status_code == 200, seen.text
    not_reception = await act(client, mixed, case_id, "assign", passing_on)
    assert not_reception.status_code == 403, not_reception.text
    # the form's two days are reception's step (S11 ①), so that rule names the refusal
    assert not_reception.json()["rule"] == "S11"
    assert "campus_reception" in not_reception.json()["detail"]

    waiting = (await inbox(client, region, seq)).get(case_id)
    assert waiting is not None and waiting["due_at"] is not None
    passed = await act(client, region, case_id, "assign", passing_on)
    assert passed.status_code == 200, passed.text
    shown = await client.get(f"/v1/complaints/{case_id}", headers=region)
    assert shown.json()["unit"] == "campus-north"
