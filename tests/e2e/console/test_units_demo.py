"""The demo tenants' units, seeded as `make run` seeds them: two units each, the staff with
the printed key in the first, the same post in the second, and an office serving both. A case
filed in one unit does not reach the other unit's head until the office moves it there."""

from __future__ import annotations

import uuid

import httpx
import pytest

from services.cli.demo import DEMO_TENANTS, DemoTenant, seed_tenant
from tests.conftest import PLATFORM_KEY
from tests.services.support import bearer, complaint_body

# slug -> (the units, the other unit's head, the tenant-wide office that moves, its rule)
TREES = {
    "demo-hospital": ({"ortho": "骨科", "cardio": "心内科"}, "head.sun", "affairs.wu", "H13"),
    "demo-bank": (
        {"branch-east": "城东支行", "branch-west": "城西支行"},
        "head.he",
        "general.tang",
        "B1",
    ),
    "demo-school": (
        {"campus-north": "北校区", "campus-south": "南校区"},
        "supervisor.guo",
        "office.hu",
        "S2",
    ),
}


async def seeded(http: httpx.AsyncClient, slug: str) -> DemoTenant:
    return await seed_tenant(
        http, PLATFORM_KEY, f"{slug}-{uuid.uuid4().hex[:8]}", DEMO_TENANTS[slug]
    )


async def key_for(http: httpx.AsyncClient, tenant: DemoTenant, person: str) -> dict[str, str]:
    assert tenant.admin_key
    issued = await http.post(
        "/v1/keys", headers=bearer(tenant.admin_key), json={"person_id": person}
    )
    assert issued.status_code == 201, issued.text
    return bearer(issued.json()["key"])


@pytest.mark.parametrize("slug", sorted(TREES))
async def test_each_demo_tenant_has_two_units_with_its_people_placed_in_them(
    http: httpx.AsyncClient, slug: str
) -> None:
    tenant = await seeded(http, slug)
    assert tenant.admin_key
    admin = bearer(tenant.admin_key)
    units, other_head, office, _ = TREES[slug]

    listed = (await http.get("/v1/units", headers=admin)).json()["items"]
    assert {unit["unit_id"]: unit["name"] for unit in listed} == units
    people = {
        p["person_id"]: p for p in (await http.get("/v1/tenant", headers=admin)).json()["people"]
    }
    first, second = units
    assert first in people[tenant.plan.staff.person_id]["units"]
    assert second in people[other_head]["units"]
    assert people[office]["units"] == {} and people[office]["roles"]  # tenant-wide


@pytest.mark.parametrize("slug", sorted(TREES))
async def test_a_case_filed_in_one_demo_unit_reaches_the_other_head_only_once_moved_there(
    http: httpx.AsyncClient, slug: str
) -> None:
    """H4, B3, S10: the unit's own people handle it; H13, B1, S2: the office moves it."""
    tenant = await seeded(http, slug)
    units, other_head, office, rule = TREES[slug]
    first, second = units
    staff = bearer(tenant.staff_key or "")
    other, mover = await key_for(http, tenant, other_head), await key_for(http, tenant, office)
    filed = await http.post("/v1/complaints", headers=staff, json=complaint_body(unit=first))
    assert filed.status_code == 201, filed.text
    case = f"/v1/complaints/{filed.json()['id']}"

    assert (await http.get(case, headers=other)).status_code == 404
    refused = await http.post(
        f"{case}/move", headers=staff, json={"unit": second, "reason": "not ours"}
    )
    assert refused.status_code == 403 and refused.json()["rule"] == rule, refused.text
    moved = await http.post(
        f"{case}/move", headers=mover, json={"unit": second, "reason": "it happened there"}
    )
    assert moved.status_code == 200, moved.text

    seen = await http.get(case, headers=other)
    assert seen.status_code == 200 and seen.json()["unit"] == second
    assert (await http.get(case, headers=staff)).status_code == 404
