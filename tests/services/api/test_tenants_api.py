"""Tenants, the role directory and API keys."""

from __future__ import annotations

from httpx import AsyncClient

from tests.services.support import PLATFORM, bearer, complaint_body, new_tenant, staff_key


async def test_only_the_platform_admin_creates_tenants(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    body = {
        "slug": "sneaky",
        "name": "Sneaky",
        "policy": "hospital@1",
        "admin": {"person_id": "a", "name": "A"},
    }
    response = await client.post("/v1/tenants", headers=tenant.admin, json=body)
    assert response.status_code == 403


async def test_a_slug_is_taken_once(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    body = {
        "slug": tenant.slug,
        "name": "Again",
        "policy": "hospital@1",
        "admin": {"person_id": "a", "name": "A"},
    }
    response = await client.post("/v1/tenants", headers=PLATFORM, json=body)
    assert response.status_code == 409


async def test_binding_an_unknown_policy_is_422(client: AsyncClient) -> None:
    body = {
        "slug": "nopolicy",
        "name": "No",
        "policy": "astrology@7",
        "admin": {"person_id": "a", "name": "A"},
    }
    response = await client.post("/v1/tenants", headers=PLATFORM, json=body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "policy"


async def test_tenant_admin_issues_keys_bound_to_people_and_roles(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, tenant, "nurse.wang", ["nurse"])
    shown = (await client.get("/v1/tenant", headers=tenant.admin)).json()
    nurse_entry = {"person_id": "nurse.wang", "name": "nurse.wang", "roles": ["nurse"], "units": {}}
    assert nurse_entry in shown["people"]
    assert "key" not in str(shown["keys"]).replace("key_id", "")  # secrets never come back
    filed = await client.post("/v1/complaints", headers=nurse, json=complaint_body())
    assert filed.status_code == 201
    case = (await client.get(f"/v1/complaints/{filed.json()['id']}", headers=nurse)).json()
    assert case["filed_by"] == "nurse.wang"


async def test_roles_outside_the_policy_are_refused(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    response = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "x", "name": "X", "roles": ["wizard"]},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "roles"


async def test_staff_cannot_issue_keys(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, tenant, "nurse.li", ["nurse"])
    response = await client.post("/v1/keys", headers=nurse, json={"person_id": "nurse.li"})
    assert response.status_code == 403


async def test_a_revoked_key_stops_working_at_once(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    issued = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "temp", "name": "Temp", "roles": ["nurse"]},
    )
    assert issued.status_code == 201
    key = (await client.post("/v1/keys", headers=tenant.admin, json={"person_id": "temp"})).json()
    assert (await client.get("/v1/tenant", headers=bearer(key["key"]))).status_code == 200
    revoked = await client.delete(f"/v1/keys/{key['key_id']}", headers=tenant.admin)
    assert revoked.status_code == 200
    assert (await client.get("/v1/tenant", headers=bearer(key["key"]))).status_code == 401


async def test_a_key_with_a_wrong_secret_is_refused(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    forged = tenant.admin_key[:-4] + "0000"
    assert (await client.get("/v1/tenant", headers=bearer(forged))).status_code == 401
