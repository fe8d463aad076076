"""A tenant's own templates for messages to complainants, and its SMS/WeChat gateway:
administrators only, checked before they are kept, every version kept with who set it."""

from __future__ import annotations

import hashlib
from uuid import UUID

import asyncpg
import httpx
import pytest

from tests.services.support import TenantKeys, new_tenant, staff_key


@pytest.fixture
async def hospital(client: httpx.AsyncClient) -> TenantKeys:
    return await new_tenant(client, "hospital@1")


async def test_a_template_is_kept_with_who_set_it_and_listed(
    client: httpx.AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    for text in ("第一版 {{ reply_text }}", "第二版 {{ reply_text }} {{ status_link }}"):
        put = await client.put(
            "/v1/tenant/templates/reply/zh-CN",
            headers=hospital.admin,
            json={"subject": "答复 {{ tracking }}", "body": text},
        )
        assert put.status_code == 200, put.text
        assert put.json()["set_by"] == "admin"
    listed = await client.get("/v1/tenant/templates", headers=hospital.admin)
    assert listed.status_code == 200, listed.text
    (item,) = listed.json()["items"]
    assert (item["step"], item["lang"], item["body"]) == (
        "reply",
        "zh-CN",
        "第二版 {{ reply_text }} {{ status_link }}",
    )
    assert "survey_link" in listed.json()["placeholders"]
    kept = await owner.fetchval(
        "SELECT count(*) FROM feedback_templates WHERE tenant_id = $1", UUID(hospital.tenant_id)
    )
    assert kept == 2  # every version, for the record


async def test_an_unknown_placeholder_is_422_naming_the_field(
    client: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    bad = await client.put(
        "/v1/tenant/templates/closing/en",
        headers=hospital.admin,
        json={"subject": "Closed {{ tracking }}", "body": "Dear {{ complainant_name }}"},
    )
    assert bad.status_code == 422, bad.text
    problem = bad.json()
    assert problem["field"] == "body" if "field" in problem else "body" in bad.text
    assert "complainant_name" in bad.text
    broken = await client.put(
        "/v1/tenant/templates/closing/en",
        headers=hospital.admin,
        json={"subject": "Closed {{ tracking", "body": "fine"},
    )
    assert broken.status_code == 422 and "subject" in broken.text
    step = await client.put(
        "/v1/tenant/templates/apology/en",
        headers=hospital.admin,
        json={"subject": "s", "body": "b"},
    )
    assert step.status_code == 422 and "step" in step.text
    listed = await client.get("/v1/tenant/templates", headers=hospital.admin)
    assert listed.json()["items"] == []


async def test_only_the_administrator_sets_templates(
    client: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    nurse = await staff_key(client, hospital, "nurse.zhao", ["nurse"])
    refused = await client.put(
        "/v1/tenant/templates/reply/en", headers=nurse, json={"subject": "s", "body": "b"}
    )
    assert refused.status_code == 403


async def test_the_gateway_secret_is_shown_once_and_never_stored(
    client: httpx.AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    url = "https://sms.hospital.example/hook"
    put = await client.put("/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": url})
    assert put.status_code == 200, put.text
    secret = put.json()["secret"]
    assert secret.startswith("whsec_")
    row = await owner.fetchrow(
        "SELECT * FROM feedback_gateways WHERE tenant_id = $1", UUID(hospital.tenant_id)
    )
    assert secret not in repr(dict(row))
    assert row["secret_sha256"] == hashlib.sha256(secret.encode()).hexdigest()
    shown = await client.get("/v1/tenant/feedback-gateway", headers=hospital.admin)
    assert shown.status_code == 200 and "secret" not in shown.json()
    assert shown.json()["url"] == url
    bad = await client.put(
        "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": "ftp://x.example/"}
    )
    assert bad.status_code == 422 and "url" in bad.text
