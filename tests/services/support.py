"""Helpers for API tests: tenants with keys, and bodies."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from httpx import AsyncClient

from tests.conftest import PLATFORM_KEY

PLATFORM = {"Authorization": f"Bearer {PLATFORM_KEY}"}


@dataclass(frozen=True)
class TenantKeys:
    tenant_id: str
    slug: str
    admin_key: str

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.admin_key)


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def new_tenant(client: AsyncClient, policy: str = "school@1") -> TenantKeys:
    slug = f"t-{uuid.uuid4().hex[:10]}"
    response = await client.post(
        "/v1/tenants",
        headers=PLATFORM,
        json={
            "slug": slug,
            "name": f"Tenant {slug}",
            "policy": policy,
            "admin": {"person_id": "admin", "name": "Admin"},
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return TenantKeys(body["tenant_id"], slug, body["key"])


async def staff_key(
    client: AsyncClient,
    tenant: TenantKeys,
    person: str,
    roles: list[str],
    name: str | None = None,  # the directory name; the id where none is given
) -> dict[str, str]:
    response = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": person, "name": name or person, "roles": roles},
    )
    assert response.status_code == 201, response.text
    response = await client.post("/v1/keys", headers=tenant.admin, json={"person_id": person})
    assert response.status_code == 201, response.text
    return bearer(response.json()["key"])


def complaint_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "The heating in room 3 has not worked for a week",
        "channel": "phone",
        "complainant": {"name": "Li Wei", "contact": "13800000000"},
        "details": "Parent says the children sit in coats.",
    }
    body.update(overrides)
    return body
