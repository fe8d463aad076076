"""Problem documents in the caller's language: simplified Chinese when Accept-Language
prefers it, English otherwise; what a client branches on is the same in both."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from httpx import AsyncClient, Response

from services.api.app import create_app
from services.api.languages import best_language
from services.runtime import Runtime
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

CHINESE = {"Accept-Language": "zh-CN"}
HAN = range(0x4E00, 0xA000)


def chinese(text: str) -> bool:
    return any(ord(ch) in HAN for ch in text)


def same_but_words(english: dict[str, Any], zh: dict[str, Any]) -> None:
    """The type, status, fields, allowed values and rule do not change with the language."""
    for name in ("type", "status", "rule"):
        assert zh.get(name) == english.get(name)
    assert [{k: v for k, v in e.items() if k != "reason"} for e in zh.get("errors", [])] == [
        {k: v for k, v in e.items() if k != "reason"} for e in english.get("errors", [])
    ]


async def both(
    client: AsyncClient, method: str, path: str, headers: dict[str, str], **kw: Any
) -> tuple[Response, Response]:
    english = await client.request(method, path, headers=headers, **kw)
    zh = await client.request(method, path, headers={**headers, **CHINESE}, **kw)
    return english, zh


@pytest.fixture
async def tenant(client: AsyncClient) -> TenantKeys:
    return await new_tenant(client)


def requests(tenant: TenantKeys) -> list[tuple[str, str, dict[str, str], dict[str, Any]]]:
    json = {"content-type": "application/json"}
    return [
        ("POST", "/v1/complaints", tenant.admin, {"json": {"channel": "phone"}}),  # required
        ("POST", "/v1/complaints", tenant.admin, {"json": complaint_body(summary=5)}),  # type
        ("POST", "/v1/complaints", tenant.admin, {"json": complaint_body(channel="fax")}),
        ("POST", "/v1/complaints", tenant.admin, {"json": complaint_body(received_at="x")}),
        ("POST", "/v1/complaints", tenant.admin, {"json": complaint_body(bogus=1)}),
        ("GET", "/v1/complaints?limit=0", tenant.admin, {}),  # out of range
        ("GET", "/v1/complaints?status=nope", tenant.admin, {}),  # not one of the values
        ("GET", "/v1/complaints/not-a-uuid", tenant.admin, {}),
        ("POST", "/v1/complaints", {**tenant.admin, **json}, {"content": b"{not json"}),
        (
            "POST",
            "/v1/complaints",
            {**tenant.admin, "content-type": "text/plain"},
            {"content": b"x"},
        ),
        ("POST", "/v1/complaints", {**tenant.admin, **json}, {"content": b"x" * 300_000}),
        ("GET", "/v1/complaints", {}, {}),  # 401
        ("GET", "/v1/audit/ledger", tenant.admin, {}),  # 403
        ("GET", "/v1/complaints/00000000-0000-0000-0000-000000000000", tenant.admin, {}),
        ("GET", "/v1/no-such-route", tenant.admin, {}),
    ]


async def test_the_same_bad_request_answers_in_chinese_when_asked(
    client: AsyncClient, tenant: TenantKeys
) -> None:
    statuses = set()
    for method, path, headers, kw in requests(tenant):
        english, zh = await both(client, method, path, headers, **kw)
        assert english.status_code == zh.status_code >= 400, (path, english.text)
        statuses.add(zh.status_code)
        e, z = english.json(), zh.json()
        same_but_words(e, z)
        assert zh.headers["content-language"] == "zh-CN"
        assert english.headers["content-language"] == "en"
        assert chinese(z["title"]) and not chinese(e["title"]), (path, z)
        assert chinese(z["detail"]), (path, z)
        for error in z.get("errors", []):
            assert chinese(error["reason"]), (path, error)
    assert statuses >= {400, 401, 403, 404, 413, 415, 422}


async def test_field_names_and_allowed_values_stay_as_sent(
    client: AsyncClient, tenant: TenantKeys
) -> None:
    english, zh = await both(
        client, "POST", "/v1/complaints", tenant.admin, json=complaint_body(channel="fax")
    )
    error = zh.json()["errors"][0]
    assert (
        error["field"] == "channel" and error["allowed"] == english.json()["errors"][0]["allowed"]
    )
    assert "phone" in error["reason"]
    assert zh.json()["detail"].startswith("channel：")


async def test_a_stale_if_match_answers_412_in_chinese(
    client: AsyncClient, tenant: TenantKeys
) -> None:
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    case = filed.json()["id"]
    headers = {**tenant.admin, "If-Match": '"1"'}
    english, zh = await both(
        client, "POST", f"/v1/complaints/{case}/notes", headers, json={"text": "called back"}
    )
    assert english.status_code == zh.status_code == 412, english.text
    same_but_words(english.json(), zh.json())
    assert english.json()["title"] == "Precondition failed"
    assert zh.json()["title"] == "前提条件不成立" and chinese(zh.json()["detail"])


async def test_a_refusal_keeps_its_rule_and_reads_as_the_plan_words_it_in_chinese(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, tenant, "nurse.wu", ["head_nurse"])
    filed = await client.post(
        "/v1/complaints", headers=nurse, json=complaint_body(category="medical_dispute")
    )
    case = filed.json()["id"]
    english, zh = await both(
        client, "POST", f"/v1/complaints/{case}/escalate", nurse, json={"reason": "now"}
    )
    assert english.status_code == 403, english.text
    assert english.json()["type"] == "/problems/refused"
    same_but_words(english.json(), zh.json())
    assert zh.json()["rule"] == english.json()["rule"]
    assert zh.json()["title"] == "租户的处理流程不允许此操作"
    rule = english.json()["rule"]
    # in English the policy's own explanation; in Chinese the rule as the plan words it
    assert not chinese(english.json()["detail"])
    assert zh.json()["detail"].startswith(f"{rule}：") and chinese(zh.json()["detail"])


@pytest.fixture
async def limited(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the session's runtime with a key's burst of 1 and a slow refill."""
    tight = copy.copy(runtime)
    tight.settings = replace(runtime.settings, rate_per_key=0.01, burst_per_key=1)
    transport = httpx.ASGITransport(app=create_app(tight))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_past_the_rate_a_429_answers_in_chinese_when_asked(
    client: AsyncClient, limited: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(client)
    assert (await limited.get("/v1/tenant", headers=tenant.admin)).status_code == 200
    english, zh = await both(limited, "GET", "/v1/tenant", tenant.admin)
    assert english.status_code == zh.status_code == 429
    same_but_words(english.json(), zh.json())
    assert english.json()["title"] == "Too Many Requests"
    assert zh.json()["title"] == "请求过于频繁" and chinese(zh.json()["detail"])
    assert zh.headers["content-language"] == "zh-CN" and "retry-after" in zh.headers


@pytest.mark.parametrize(
    "accept",
    [None, "en", "en-US,en;q=0.9", "fr-FR", "de, zh;q=0", "zh;q=0.3, en;q=0.8", "*"],
)
async def test_english_unless_chinese_is_preferred(
    client: AsyncClient, tenant: TenantKeys, accept: str | None
) -> None:
    headers = dict(tenant.admin) | ({"Accept-Language": accept} if accept else {})
    answer = await client.get("/v1/complaints/not-a-uuid", headers=headers)
    assert answer.status_code == 400
    assert answer.json()["title"] == "Malformed request"
    assert answer.json()["errors"] == [{"field": "case_id", "reason": "must be a UUID"}]
    assert answer.headers["content-language"] == "en"


@pytest.mark.parametrize(
    "accept", ["zh", "zh-CN", "zh-Hans", "zh-Hans-CN", "en;q=0.5, zh-CN;q=0.9", "fr, zh;q=0.1"]
)
async def test_chinese_when_preferred(client: AsyncClient, tenant: TenantKeys, accept: str) -> None:
    answer = await client.get(
        "/v1/complaints/not-a-uuid", headers={**tenant.admin, "Accept-Language": accept}
    )
    assert answer.status_code == 400
    assert answer.json()["type"] == "/problems/malformed"
    assert answer.json()["title"] == "请求格式错误"
    assert answer.json()["errors"] == [{"field": "case_id", "reason": "必须是 UUID"}]
    assert answer.headers["content-language"] == "zh-CN"


def test_the_parser_ranks_by_q_value_then_order() -> None:
    assert best_language("en;q=0.5, zh;q=0.9", default="en") == "zh-CN"
    assert best_language("zh;q=0.5, en;q=0.9", default="zh-CN") == "en"
    assert best_language("en, zh", default="zh-CN") == "en"
    assert best_language("zh, en", default="en") == "zh-CN"
    assert best_language("", default="en") == "en"
    assert best_language("zh;q=0", default="en") == "en"  # q=0: not acceptable
    assert best_language("zh;q=bad, en", default="zh-CN") == "en"
    assert best_language("zhx, enx", default="en") == "en"  # other languages, not prefixes
