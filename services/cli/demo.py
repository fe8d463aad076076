"""Three demo tenants (hospital, bank, school) with staff keys, for a first look."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

DEMO_TENANTS = {
    "demo-hospital": ("Demo People's Hospital", "hospital@1"),
    "demo-bank": ("Demo Village Bank", "bank@1"),
    "demo-school": ("Demo Training School", "school@1"),
}


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    policy: str
    admin_key: str


async def seed_demo(base_url: str, platform_key: str) -> list[DemoTenant]:
    """Create the demo tenants through the API; an existing one gets a fresh admin key."""
    seeded = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for slug, (name, policy) in DEMO_TENANTS.items():
            body = {
                "slug": slug,
                "name": name,
                "policy": policy,
                "admin": {"person_id": "admin", "name": f"{name} administrator"},
            }
            response = await client.post(
                "/v1/tenants",
                json=body,
                headers={
                    "Authorization": f"Bearer {platform_key}",
                    "Idempotency-Key": f"demo-{slug}",
                },
            )
            response.raise_for_status()
            seeded.append(DemoTenant(slug, policy, response.json()["key"]))
    return seeded
