"""Actions on a case over HTTP: role checks name the rule, stale writes get 409."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest
from httpx import AsyncClient

from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key


@pytest.fixture
async def hospital(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client, "hospital@1")


async def file_case(client: AsyncClient, headers: dict[str, str]) -> dict:
    response = await client.post(
        "/v1/complaints", headers=headers, json=complaint_body(category="medical_dispute")
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_H12_written_reply_over_http_refused_unless_spokesperson(
    client: AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    nurse = await staff_key(client, hospital, "nurse.zhao", ["nurse"])
    spokesperson = await staff_key(client, hospital, "press.qian", ["spokesperson"])
    case = await file_case(client, nurse)
    before = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1", UUID(hospital.tenant_id)
    )

    refused = await client.post(
        f"/v1/complaints/{case['id']}/written-replies",
        headers=nurse,
        json={"text": "We apologise in writing."},
    )
    assert refused.status_code == 403
    assert refused.json()["rule"] == "H12"
    assert refused.json()["detail"].startswith("H12:")
    assert (
        await owner.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1", UUID(hospital.tenant_id)
        )
        == before
    )

    allowed = await client.post(
        f"/v1/complaints/{case['id']}/written-replies",
        headers=spokesperson,
        json={"text": "Our written answer."},
    )
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["seq"] == before + 1


async def test_if_match_with_a_stale_version_is_412(
    client: AsyncClient, hospital: TenantKeys
) -> None:
    nurse = await staff_key(client, hospital, "nurse.sun", ["nurse"])
    case = await file_case(client, nurse)
    stale = case["version"]
    first = await client.post(
        f"/v1/complaints/{case['id']}/notes",
        headers={**nurse, "If-Match": str(stale)},
        json={"text": "one"},
    )
    assert first.status_code == 200
    second = await client.post(
        f"/v1/complaints/{case['id']}/notes",
        headers={**nurse, "If-Match": str(stale)},
        json={"text": "two"},
    )
    assert second.status_code == 412
    assert second.json()["type"] == "/problems/precondition"
    fresh = await client.post(
        f"/v1/complaints/{case['id']}/notes",
        headers={**nurse, "If-Match": f'"{first.json()["version"]}"'},
        json={"text": "two"},
    )
    assert fresh.status_code == 200


async def test_C4_a_closed_case_accepts_only_reopen(client: AsyncClient, hospital) -> None:
    head = await staff_key(client, hospital, "dr.zhou", ["department_head"])
    case = await file_case(client, head)
    accepted = await client.post(
        f"/v1/complaints/{case['id']}/complainant-response",
        headers=head,
        json={"accepted": True, "text": "fine"},
    )
    assert accepted.status_code == 200, accepted.text
    closed = await client.post(
        f"/v1/complaints/{case['id']}/close", headers=head, json={"reason": "accepted"}
    )
    assert closed.status_code == 200, closed.text
    note = await client.post(
        f"/v1/complaints/{case['id']}/notes", headers=head, json={"text": "late"}
    )
    assert note.status_code == 409
    reopened = await client.post(
        f"/v1/complaints/{case['id']}/reopen", headers=head, json={"reason": "family came back"}
    )
    assert reopened.status_code == 200
    shown = (await client.get(f"/v1/complaints/{case['id']}", headers=head)).json()
    assert shown["status"] == "open"


async def test_command_bodies_are_validated(client: AsyncClient, hospital) -> None:
    nurse = await staff_key(client, hospital, "nurse.wu", ["nurse"])
    case = await file_case(client, nurse)
    for body in ({"text": 5}, {"text": "x" * 10_001}, {"text": "ok", "extra": 1}, {}):
        response = await client.post(f"/v1/complaints/{case['id']}/notes", headers=nurse, json=body)
        assert response.status_code in (400, 422), body
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_actions_on_another_tenants_case_are_404(client: AsyncClient, hospital) -> None:
    other = await new_tenant(client, "hospital@1")
    case = await file_case(client, other.admin)
    response = await client.post(
        f"/v1/complaints/{case['id']}/notes", headers=hospital.admin, json={"text": "peeking"}
    )
    assert response.status_code == 404
