"""Three demo tenants (hospital, bank, school), each with its administrator and a member of
staff who can take a complaint from intake to closure in the console, for a first look."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class DemoPerson:
    person_id: str
    name: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class DemoPlan:
    """A demo tenant: its procedure, the person who signs in to handle its complaints, anyone
    else that person's procedure needs in the directory, and the shortest way to closure."""

    name: str
    policy: str
    staff: DemoPerson
    walk: str
    colleagues: tuple[DemoPerson, ...] = ()


DEMO_TENANTS = {
    "demo-hospital": DemoPlan(
        "Demo People's Hospital",
        "hospital@1",
        # H5: the department settles; only a department head (or above) resolves and closes
        DemoPerson("head.zhao", "Zhao Min", ("department_head", "head_nurse")),
        "file; complainant-response accepted (H5); close",
    ),
    "demo-bank": DemoPlan(
        "Demo Village Bank",
        "bank@1",
        DemoPerson("lobby.li", "Li Na", ("lobby_manager", "handler")),
        "file; assign lobby.li to slot A and teller.gao to slot B (B7); resolve; close",
        # B7: an A and a B handler, two different people, before a case is resolved
        colleagues=(DemoPerson("teller.gao", "Gao Fei", ("handler",)),),
    ),
    "demo-school": DemoPlan(
        "Demo Training School",
        "school@1",
        # S10: campus reception receives, answers at the desk and closes
        DemoPerson("reception.zhou", "Zhou Jing", ("campus_reception",)),
        "file as campus/service/facilities/complaint; resolve (answered at the desk, S10); close",
    ),
}


@dataclass(frozen=True)
class DemoTenant:
    slug: str
    plan: DemoPlan
    admin_key: str | None  # None: the tenant was seeded before, and a key is told only once
    staff_key: str | None

    @property
    def policy(self) -> str:
        return self.plan.policy


async def seed_demo(base_url: str, platform_key: str) -> list[DemoTenant]:
    """Create the demo tenants through the API, each with its staff and a key to sign in."""
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        return [
            await seed_tenant(client, platform_key, slug, plan)
            for slug, plan in DEMO_TENANTS.items()
        ]


async def seed_tenant(
    client: httpx.AsyncClient, platform_key: str, slug: str, plan: DemoPlan
) -> DemoTenant:
    body = {
        "slug": slug,
        "name": plan.name,
        "policy": plan.policy,
        "admin": {"person_id": "admin", "name": f"{plan.name} administrator"},
    }
    response = await client.post(
        "/v1/tenants",
        json=body,
        headers={"Authorization": f"Bearer {platform_key}", "Idempotency-Key": f"demo-{slug}"},
    )
    response.raise_for_status()
    admin_key = response.json()["key"]  # null when this request was answered before
    if admin_key is None:
        return DemoTenant(slug, plan, None, None)
    return DemoTenant(slug, plan, admin_key, await seed_staff(client, admin_key, plan))


async def seed_staff(client: httpx.AsyncClient, admin_key: str, plan: DemoPlan) -> str:
    """Register the plan's people and answer a key for the one who signs in."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    for person in (plan.staff, *plan.colleagues):
        registered = await client.post(
            "/v1/people",
            headers=admin,
            json={"person_id": person.person_id, "name": person.name, "roles": list(person.roles)},
        )
        registered.raise_for_status()
    issued = await client.post("/v1/keys", headers=admin, json={"person_id": plan.staff.person_id})
    issued.raise_for_status()
    return issued.json()["key"]
