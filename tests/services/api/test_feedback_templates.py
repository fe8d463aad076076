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


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8025/sms", "must reach a public address"),
        ("http://[::ffff:10.0.0.7]/sms", "must reach a public address"),  # IPv4-mapped private
        ("http://169.254.169.254/latest/meta-data/", "must reach a public address"),
        ("http://localhost:8080/sms", "must reach a public address"),  # resolves to loopback
        ("https://user:pw@sms.example/hook", "must not carry credentials"),
    ],
)
async def test_a_gateway_to_what_only_the_service_reaches_is_refused_and_not_stored(
    public_only: httpx.AsyncClient, owner: asyncpg.Connection, url: str, reason: str
) -> None:
    hospital = await new_tenant(public_only, "hospital@1")
    put = await public_only.put(
        "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": url}
    )
    assert put.status_code == 422, put.text
    assert put.headers["content-type"].startswith("application/problem+json")
    [error] = put.json()["errors"]
    assert error["field"] == "url" and error["reason"].startswith(reason)
    shown = await public_only.get("/v1/tenant/feedback-gateway", headers=hospital.admin)
    assert shown.status_code == 404
    kept = "SELECT count(*) FROM feedback_gateways WHERE tenant_id = $1"
    assert await owner.fetchval(kept, UUID(hospital.tenant_id)) == 0


async def test_a_refused_gateway_leaves_the_one_set_before_and_allowed_networks_pass(
    public_only: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    hospital = await new_tenant(public_only, "hospital@1")
    public = "https://93.184.216.34/sms"
    first = await public_only.put(
        "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": public}
    )
    assert first.status_code == 200, first.text
    refused = await public_only.put(
        "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": "http://10.0.0.7/"}
    )
    assert refused.status_code == 422, refused.text
    shown = await public_only.get("/v1/tenant/feedback-gateway", headers=hospital.admin)
    assert shown.json()["url"] == public
    # the operator's allowed networks (the session's settings allow loopback) let it in
    loopback = await client.put(
        "/v1/tenant/feedback-gateway", headers=hospital.admin, json={"url": "http://127.0.0.1:9/"}
    )
    assert loopback.status_code == 200, loopback.text
