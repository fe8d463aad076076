"""C3: a tenant names its own warnings before a deadline as a policy option; a wrong one is a
422 naming the field and why, and changes nothing; cases filed afterwards warn as it says."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

OPTIONS = "/v1/tenant/policy-options"
DEFAULT = [{"name": "half-time", "fraction": 0.5}, {"name": "last-hour", "hours_before": 1}]
OWN = [{"name": "quarter", "fraction": 0.25}, {"name": "two-hours", "hours_before": 2}]


@pytest.fixture
async def hospital(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client, "hospital@1")


async def test_C3_the_policys_warnings_are_in_force_until_the_tenant_names_its_own(
    client: AsyncClient, hospital: TenantKeys
) -> None:
    affairs = await staff_key(client, hospital, "affairs.li", ["medical_affairs"])
    shown = (await client.get(OPTIONS, headers=affairs)).json()
    assert shown["declared"]["reminders"]["default"] == DEFAULT
    assert shown["declared"]["reminders"]["rule"] == "C3"
    assert shown["in_force"]["reminders"] == DEFAULT

    answer = await client.put(OPTIONS, headers=hospital.admin, json={"options": {"reminders": OWN}})

    assert answer.status_code == 200, answer.text
    assert answer.json()["in_force"]["reminders"] == OWN
    guard = await staff_key(client, hospital, "guard.ma", ["security"])
    filed = await client.post("/v1/complaints", headers=guard, json=complaint_body())
    assert filed.status_code == 201, filed.text
    case = filed.json()["id"]
    incident = await client.post(  # H11: the scene and evidence kept for 24 hours
        f"/v1/complaints/{case}/incidents",
        headers=guard,
        json={"kind": "disorder", "description": "shouting in the ward"},
    )
    assert incident.status_code == 200, incident.text

    history = (await client.get(f"/v1/complaints/{case}/history", headers=guard)).json()
    assert history[0]["data"]["policy_options"]["reminders"] == OWN
    (evidence,) = [h["data"] for h in history if h["event"] == "DeadlineStarted"]
    assert [r["name"] for r in evidence["reminders"]] == ["quarter", "two-hours"]


@pytest.mark.parametrize(
    ("reminders", "field"),
    [
        ([{"name": "late", "fraction": 1.5}], "options.reminders[0].fraction"),
        ([{"name": "late", "hours_before": 0}], "options.reminders[0].hours_before"),
        ([{"name": "late"}], "options.reminders[0]"),
        (
            [{"name": "a", "fraction": 0.5}, {"name": "a", "fraction": 0.9}],
            "options.reminders[1].name",
        ),
        ([{"name": "late", "fraction": 0.5, "at": "17:00"}], "options.reminders[0].at"),
        ([7], "options.reminders[0]"),
        # an integer too large for a float is no number of hours either, and no 500
        ([{"name": "late", "hours_before": 10**400}], "options.reminders[0].hours_before"),
        ([{"name": "late", "fraction": 10**400}], "options.reminders[0].fraction"),
        ("half-time", "options.reminders"),
    ],
)
async def test_C3_a_wrong_warning_is_a_problem_naming_the_field_and_changes_nothing(
    client: AsyncClient, hospital: TenantKeys, reminders: object, field: str
) -> None:
    before = (await client.get("/v1/tenant", headers=hospital.admin)).json()

    answer = await client.put(
        OPTIONS, headers=hospital.admin, json={"options": {"reminders": reminders}}
    )

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["errors"][0]["field"] == field, problem
    assert problem["errors"][0]["reason"]
    assert (await client.get("/v1/tenant", headers=hospital.admin)).json() == before
    shown = (await client.get(OPTIONS, headers=hospital.admin)).json()
    assert shown["in_force"]["reminders"] == DEFAULT
