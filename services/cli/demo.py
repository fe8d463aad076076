"""Three demo tenants (hospital, bank, school), each with its administrator, two units
(departments, branches, campuses) and the staff its procedure needs in them: a member of
staff who can take a complaint from intake to closure in the console, the same posts in the
other unit, and the offices that serve the whole organisation, for a first look."""

from __future__ import annotations

from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class DemoUnit:
    unit_id: str
    name: str
    kind: str


@dataclass(frozen=True)
class DemoPerson:
    """Someone on the staff: the roles they hold in ``unit``, or tenant-wide without one."""

    person_id: str
    name: str
    roles: tuple[str, ...]
    unit: str | None = None

    @property
    def registration(self) -> dict[str, object]:
        """The body of ``POST /v1/people`` that registers them where they work."""
        roles = list(self.roles)
        if self.unit is None:
            return {"person_id": self.person_id, "name": self.name, "roles": roles}
        return {"person_id": self.person_id, "name": self.name, "units": {self.unit: roles}}


@dataclass(frozen=True)
class DemoPlan:
    """A demo tenant: its procedure, the person who signs in to handle its complaints, anyone
    else that person's procedure needs in the directory, and the shortest way to closure; its
    units, and who else works in them or for the whole tenant."""

    name: str
    policy: str
    staff: DemoPerson
    walk: str
    colleagues: tuple[DemoPerson, ...] = ()
    units: tuple[DemoUnit, ...] = ()

    @property
    def people(self) -> tuple[DemoPerson, ...]:
        return (self.staff, *self.colleagues)


DEMO_TENANTS = {
    "demo-hospital": DemoPlan(
        "Demo People's Hospital",
        "hospital@1",
        # H5: the department settles; only a department head (or above) resolves and closes
        DemoPerson("head.zhao", "Zhao Min", ("department_head", "head_nurse"), "ortho"),
        "file in ortho (骨科); complainant-response accepted (H5); close",
        colleagues=(
            # H4: a complaint is reported to the unit's department head and head nurse ...
            DemoPerson("nurse.qian", "Qian Hui", ("head_nurse",), "ortho"),
            DemoPerson("head.sun", "Sun Tao", ("department_head",), "cardio"),
            DemoPerson("nurse.li", "Li Yan", ("head_nurse",), "cardio"),
            # ... and to medical affairs, which serves every department and moves cases (H13)
            DemoPerson("affairs.wu", "Wu Qiang", ("medical_affairs",)),
            DemoPerson("vp.chen", "Chen Hong", ("vice_president",)),
        ),
        units=(
            DemoUnit("ortho", "骨科", "department"),
            DemoUnit("cardio", "心内科", "department"),
        ),
    ),
    "demo-bank": DemoPlan(
        "Demo Village Bank",
        "bank@1",
        DemoPerson("lobby.li", "Li Na", ("lobby_manager", "handler"), "branch-east"),
        "file in branch-east (城东支行); assign lobby.li to slot A and teller.gao to slot B"
        " (B7); resolve; close",
        colleagues=(
            # B7: an A and a B handler, two different people, before a case is resolved
            DemoPerson("teller.gao", "Gao Fei", ("handler",), "branch-east"),
            # B3: a complaint is handled where it arises, by the branch head or lobby manager
            DemoPerson("head.ma", "Ma Jun", ("branch_head",), "branch-east"),
            DemoPerson("head.he", "He Ping", ("branch_head",), "branch-west"),
            DemoPerson("lobby.xu", "Xu Lan", ("lobby_manager", "handler"), "branch-west"),
            # B1, B4: the general department and the president serve every branch
            DemoPerson("general.tang", "Tang Wei", ("general_department",)),
            DemoPerson("president.lin", "Lin Guo", ("president",)),
        ),
        units=(
            DemoUnit("branch-east", "城东支行", "branch"),
            DemoUnit("branch-west", "城西支行", "branch"),
        ),
    ),
    "demo-school": DemoPlan(
        "Demo Training School",
        "school@1",
        # S10: campus reception receives, answers at the desk and closes
        DemoPerson("reception.zhou", "Zhou Jing", ("campus_reception",), "campus-north"),
        "file in campus-north (北校区) as campus/service/facilities/complaint; resolve"
        " (answered at the desk, S10); close",
        colleagues=(
            # S7: the campus supervisor decides on the campus
            DemoPerson("supervisor.feng", "Feng Lei", ("campus_supervisor",), "campus-north"),
            DemoPerson("supervisor.guo", "Guo Mei", ("campus_supervisor",), "campus-south"),
            DemoPerson("reception.shen", "Shen Yu", ("campus_reception",), "campus-south"),
            # S2: administration forwards and moves; the general manager oversees all campuses
            DemoPerson("office.hu", "Hu Xin", ("administration",)),
            DemoPerson("manager.yang", "Yang Bo", ("general_manager",)),
        ),
        units=(
            DemoUnit("campus-north", "北校区", "campus"),
            DemoUnit("campus-south", "南校区", "campus"),
        ),
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
    """Add the plan's units, register its people where they work, and answer a key for the
    one who signs in."""
    admin = {"Authorization": f"Bearer {admin_key}"}
    for unit in plan.units:
        added = await client.post(
            "/v1/units",
            headers=admin,
            json={"unit_id": unit.unit_id, "name": unit.name, "kind": unit.kind},
        )
        added.raise_for_status()
    for person in plan.people:
        registered = await client.post("/v1/people", headers=admin, json=person.registration)
        registered.raise_for_status()
    issued = await client.post("/v1/keys", headers=admin, json={"person_id": plan.staff.person_id})
    issued.raise_for_status()
    return issued.json()["key"]
