"""A third-party policy installed as its own package (examples/iso10002) runs a tenant over HTTP."""

from __future__ import annotations

import pytest
from complaints_iso10002.policy import Iso10002Policy
from httpx import AsyncClient

from services.handlers.policies import available
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key


@pytest.fixture
async def iso(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client, "iso10002@1")


async def act(
    client: AsyncClient, case_id: str, action: str, headers: dict[str, str], **body: object
) -> dict:
    response = await client.post(f"/v1/complaints/{case_id}/{action}", headers=headers, json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def refusal(
    client: AsyncClient, case_id: str, action: str, headers: dict[str, str], **body: object
) -> str:
    response = await client.post(f"/v1/complaints/{case_id}/{action}", headers=headers, json=body)
    assert response.status_code == 403, response.text
    return response.json()["rule"]


def test_the_iso10002_entry_point_is_discovered() -> None:
    assert available()["iso10002@1"] is Iso10002Policy


async def test_people_get_only_the_plug_ins_roles(client: AsyncClient, iso: TenantKeys) -> None:
    response = await client.post(
        "/v1/people",
        headers=iso.admin,
        json={"person_id": "nurse.wang", "name": "Wang", "roles": ["nurse"]},
    )
    assert response.status_code in (400, 422)
    assert "iso10002@1" in response.text


async def test_a_tenant_bound_to_iso10002_handles_a_complaint_by_its_rules(
    client: AsyncClient, iso: TenantKeys
) -> None:
    front = await staff_key(client, iso, "front.li", ["frontline"])
    manager = await staff_key(client, iso, "cm.wang", ["complaints_manager"])
    filed = await client.post(
        "/v1/complaints", headers=front, json=complaint_body(category="billing")
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]

    shown = (await client.get(f"/v1/complaints/{case_id}", headers=front)).json()
    assert (shown["policy"], shown["category"], shown["rung"]) == (
        "iso10002@1",
        "billing",
        "frontline",
    )
    assert {(d["kind"], d["rule"]) for d in shown["deadlines"]} == {
        ("acknowledgement", "Q2"),
        ("response", "Q5"),
    }

    await act(client, case_id, "acknowledge", front)
    await act(client, case_id, "escalate", front, reason="needs the complaints manager")
    assert await refusal(client, case_id, "written-replies", front, text="Sorry") == "Q8"
    assert await refusal(client, case_id, "escalate", manager, reason="review") == "Q6"
    await act(client, case_id, "written-replies", manager, text="Refund issued; our decision.")
    assert await refusal(client, case_id, "close", front, reason="done") == "Q9"
    await act(client, case_id, "close", manager, reason="decision communicated")

    shown = (await client.get(f"/v1/complaints/{case_id}", headers=front)).json()
    assert (shown["status"], shown["level"], shown["rung"]) == ("closed", 1, "complaints_manager")
    assert {d["kind"]: d["state"] for d in shown["deadlines"]} == {
        "acknowledgement": "met",
        "response": "met",
    }
    history = (await client.get(f"/v1/complaints/{case_id}/history", headers=front)).json()
    escalated = next(item for item in history if item["event"] == "Escalated")
    assert (escalated["data"]["rule"], escalated["data"]["policy"]) == ("Q6", "iso10002@1")
