"""Bad input gets an RFC 9457 problem document naming the field, and writes nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from uuid import UUID, uuid4

import asyncpg
import pytest
from httpx import AsyncClient, Response

from tests.services.support import TenantKeys, bearer, complaint_body, new_tenant


@pytest.fixture
async def tenant(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client, "hospital@1")


async def events_of(owner: asyncpg.Connection, tenant: TenantKeys) -> int:
    return await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1", UUID(tenant.tenant_id)
    )


async def unchanged(
    owner: asyncpg.Connection, tenant: TenantKeys, call: Callable[[], Awaitable[Response]]
) -> Response:
    before = await events_of(owner, tenant)
    response = await call()
    assert await events_of(owner, tenant) == before
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == response.status_code
    assert problem["title"] and problem["detail"]
    return response


async def test_malformed_json_is_400(client: AsyncClient, owner, tenant: TenantKeys) -> None:
    response = await unchanged(
        owner,
        tenant,
        lambda: client.post(
            "/v1/complaints",
            headers={**tenant.admin, "Content-Type": "application/json"},
            content=b'{"summary": "unterminated',
        ),
    )
    assert response.status_code == 400


async def test_missing_field_names_the_field(client: AsyncClient, owner, tenant) -> None:
    body = complaint_body()
    del body["summary"]
    response = await unchanged(
        owner, tenant, lambda: client.post("/v1/complaints", headers=tenant.admin, json=body)
    )
    assert response.status_code in (400, 422)
    assert "summary" in response.json()["detail"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("channel", "carrier-pigeon"),
        ("summary", ""),
        ("summary", "x" * 501),
        ("received_at", "2026-01-01T10:00:00"),
        ("public_figure", "yes"),
    ],
)
async def test_invalid_values_are_422_naming_the_field(
    client: AsyncClient, owner, tenant, field: str, value: object
) -> None:
    response = await unchanged(
        owner,
        tenant,
        lambda: client.post(
            "/v1/complaints", headers=tenant.admin, json=complaint_body(**{field: value})
        ),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_unknown_field_is_refused(client: AsyncClient, owner, tenant) -> None:
    response = await unchanged(
        owner,
        tenant,
        lambda: client.post(
            "/v1/complaints", headers=tenant.admin, json=complaint_body(priority="urgent")
        ),
    )
    assert response.status_code in (400, 422)
    assert "priority" in response.json()["detail"]


async def test_unknown_category_for_the_policy_is_422(client: AsyncClient, owner, tenant) -> None:
    response = await unchanged(
        owner,
        tenant,
        lambda: client.post(
            "/v1/complaints", headers=tenant.admin, json=complaint_body(category="weather")
        ),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "category"


async def test_a_10_mb_body_is_413(client: AsyncClient, owner, tenant) -> None:
    huge = complaint_body(details="x" * (10 * 1024 * 1024))
    response = await unchanged(
        owner, tenant, lambda: client.post("/v1/complaints", headers=tenant.admin, json=huge)
    )
    assert response.status_code == 413


@pytest.mark.parametrize("key", ["nonsense", f"ck.{uuid4().hex}.abcd1234.{'0' * 64}"])
async def test_an_unknown_key_is_401(client: AsyncClient, owner, tenant, key: str) -> None:
    response = await unchanged(
        owner,
        tenant,
        lambda: client.post("/v1/complaints", headers=bearer(key), json=complaint_body()),
    )
    assert response.status_code == 401


async def test_no_key_is_401(client: AsyncClient) -> None:
    response = await client.get(f"/v1/complaints/{uuid4()}")
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/http-401"


async def test_another_tenants_complaint_is_404(client: AsyncClient, owner, tenant) -> None:
    other = await new_tenant(client, "hospital@1")
    theirs = (
        await client.post("/v1/complaints", headers=other.admin, json=complaint_body())
    ).json()["id"]
    for path in (f"/v1/complaints/{theirs}", f"/v1/complaints/{theirs}/history"):
        response = await client.get(path, headers=tenant.admin)
        assert response.status_code == 404
        assert "Li Wei" not in response.text
    assert (await client.get(f"/v1/complaints/{theirs}", headers=other.admin)).status_code == 200


async def test_a_tenant_id_is_not_a_complaint(client: AsyncClient, tenant) -> None:
    response = await client.get(f"/v1/complaints/{tenant.tenant_id}", headers=tenant.admin)
    assert response.status_code == 404
