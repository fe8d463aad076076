"""Every list pages the same way: ``next_cursor`` and ``Link: <…>; rel="next"`` walk it whole,
each row once and in the list's order, even when rows are added between pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from uuid import UUID

import pytest
from httpx import AsyncClient, Response

from services.runtime import Runtime
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

Row = dict[str, Any]


def forged(key: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


# school@1: a problem starts one deadline, a malicious complaint two, an unsorted one none
CATEGORIES = [None, "problem", "malicious"]


async def file(client: AsyncClient, tenant: TenantKeys, n: int) -> int:
    category = CATEGORIES[n % len(CATEGORIES)]
    body = complaint_body(summary=f"case {n}", **({"category": category} if category else {}))
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=body)
    assert filed.status_code == 201, filed.text
    return filed.json()["seq"]


async def walk_by_cursor(
    client: AsyncClient,
    path: str,
    headers: dict[str, str],
    params: dict[str, Any],
    between: Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> list[Row]:
    """Every page, passing each answer's next_cursor as ?cursor=; ``between`` adds rows
    after the first page and answers extra query parameters."""
    answer = (await client.get(path, headers=headers, params=params)).json()
    rows = list(answer["items"])
    if between is not None:
        params = {**params, **await between()}
    while answer["next_cursor"] is not None:
        page = await client.get(
            path, headers=headers, params={**params, "cursor": answer["next_cursor"]}
        )
        assert page.status_code == 200, page.text
        answer = page.json()
        rows += answer["items"]
    return rows


def next_url(answer: Response) -> str | None:
    link = answer.headers.get("link")
    if link is None:
        assert answer.json()["next_cursor"] is None
        return None
    assert link.endswith('; rel="next"')
    assert answer.json()["next_cursor"] is not None
    return link[1 : link.index(">")]


async def walk_by_link(
    client: AsyncClient,
    path: str,
    headers: dict[str, str],
    params: dict[str, Any],
    between: Callable[[], Awaitable[dict[str, Any]]] | None = None,
) -> list[Row]:
    """Every page, following each answer's Link rel=next."""
    answer = await client.get(path, headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    rows = list(answer.json()["items"])
    if between is not None:
        await between()
    while (url := next_url(answer)) is not None:
        assert "limit=" in url  # the same query, the cursor moved on
        answer = await client.get(url, headers=headers)
        assert answer.status_code == 200, answer.text
        rows += answer.json()["items"]
    return rows


WALKS = [walk_by_cursor, walk_by_link]


def identity(path: str) -> Callable[[Row], tuple[Any, ...]]:
    if path.endswith("/deliveries"):
        return lambda row: (row["message_id"], row["attempt"])
    if path == "/v1/deadlines":
        return lambda row: (row["case_id"], row["deadline_id"])
    return lambda row: (row["case_id"],)


async def assert_walks_whole(
    client: AsyncClient,
    walk: Callable[..., Awaitable[list[Row]]],
    path: str,
    headers: dict[str, str],
    params: dict[str, Any],
    between: Callable[[], Awaitable[dict[str, Any]]],
) -> None:
    """Paged by 2, the list is the one-page list: each row once, in its order; a row added
    after the first page shifts no row out of the walk nor into it twice."""
    key = identity(path)
    whole = (await client.get(path, headers=headers, params={**params, "limit": 500})).json()
    assert whole["next_cursor"] is None and len(whole["items"]) > 4
    before = [key(r) for r in whole["items"]]

    walked = [key(r) for r in await walk(client, path, headers, {**params, "limit": 2}, between)]

    assert len(walked) == len(set(walked)), "a row came twice"
    assert set(before) <= set(walked), "a row was skipped"
    after = (await client.get(path, headers=headers, params={**params, "limit": 500})).json()
    order = [key(r) for r in after["items"]]
    assert walked == [k for k in order if k in set(walked)], "out of the list's order"


@pytest.mark.parametrize("walk", WALKS)
async def test_the_inbox_walks_whole_most_urgent_first(client: AsyncClient, walk) -> None:
    school = await new_tenant(client)
    clerk = await staff_key(client, school, "clerk.wu", ["administration"])
    seq = 0
    for n in range(8):
        seq = await file(client, school, n)

    async def another() -> dict[str, Any]:
        return {"after_seq": await file(client, school, 100)}  # a malicious one: due soonest

    await assert_walks_whole(client, walk, "/v1/inbox", clerk, {"after_seq": seq}, another)
    answer = (await client.get("/v1/inbox", headers=clerk)).json()
    assert answer["roles"] == ["administration"]
    assert set(answer["items"][0]) >= {"case_id", "summary", "roles", "since", "due_at"}
    due = [i["due_at"] for i in answer["items"]]
    # cases with a deadline first, soonest first, then those without: both on several pages
    assert None in due and due[0] is not None
    assert due == sorted(d for d in due if d) + [None] * due.count(None)


@pytest.mark.parametrize("walk", WALKS)
async def test_the_deadlines_walk_whole_soonest_first(client: AsyncClient, walk) -> None:
    school = await new_tenant(client)
    seq = 0
    for n in range(6):
        seq = await file(client, school, n)

    async def another() -> dict[str, Any]:
        return {"after_seq": await file(client, school, 100)}

    params = {"state": "open", "after_seq": seq}
    await assert_walks_whole(client, walk, "/v1/deadlines", school.admin, params, another)
    items = (await client.get("/v1/deadlines", headers=school.admin)).json()["items"]
    assert [d["due_at"] for d in items] == sorted(d["due_at"] for d in items)
    assert len({d["case_id"] for d in items}) < len(items)  # a case with two deadlines


@pytest.mark.parametrize("walk", WALKS)
async def test_a_webhooks_deliveries_walk_whole_newest_first(
    client: AsyncClient, runtime: Runtime, walk
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    hook = await runtime.webhooks.create(
        UUID(hospital.tenant_id), "security", "https://hooks.example.org/complaints", "admin"
    )
    for n in range(4):
        for attempt in (1, 2):
            await runtime.webhooks.log(hook, f"msg-{n}", attempt, "retrying", 500, None, 3)

    async def another() -> dict[str, Any]:
        await runtime.webhooks.log(hook, "msg-late", 1, "delivered", 204, None, 3)
        return {}

    path = f"/v1/webhooks/{hook.webhook_id}/deliveries"
    await assert_walks_whole(client, walk, path, hospital.admin, {}, another)
    rows = (await client.get(path, headers=hospital.admin)).json()["items"]
    assert rows[0]["message_id"] == "msg-late"
    assert [r["at"] for r in rows] == sorted((r["at"] for r in rows), reverse=True)


async def test_the_case_list_and_the_others_share_one_cursor_convention(
    client: AsyncClient,
) -> None:
    school = await new_tenant(client)
    seq = 0
    for n in range(3):
        seq = await file(client, school, n)
    first = await client.get(
        "/v1/complaints", headers=school.admin, params={"limit": 2, "after_seq": seq}
    )
    cursor = first.json()["next_cursor"]
    url = urlsplit(next_url(first) or "")
    assert url.path == "/v1/complaints"
    assert dict(parse_qsl(url.query)) == {"limit": "2", "after_seq": str(seq), "cursor": cursor}
    # a case-list cursor names no row of another list
    other = await client.get("/v1/deadlines", headers=school.admin, params={"cursor": cursor})
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "cursor"


FORGERIES = [
    "nope",
    "!!!!",
    forged({"due_at": "2026-01-01T00:00:00Z"}),
    forged([]),
    forged(["2026-01-01T00:00:00Z"]),
    forged(["2026-01-01T00:00:00", "00000000-0000-0000-0000-000000000000", "x"]),
    forged([None, None, None]),
    forged([1, 2, 3]),
]


@pytest.mark.parametrize("cursor", FORGERIES)
@pytest.mark.parametrize("path", ["/v1/inbox", "/v1/deadlines", "/v1/complaints", "deliveries"])
async def test_a_cursor_the_api_did_not_give_is_a_422_naming_it(
    client: AsyncClient, runtime: Runtime, path: str, cursor: str
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    if path == "deliveries":
        hook = await runtime.webhooks.create(
            UUID(hospital.tenant_id), "security", "https://hooks.example.org/complaints", "admin"
        )
        path = f"/v1/webhooks/{hook.webhook_id}/deliveries"
    answer = await client.get(path, headers=hospital.admin, params={"cursor": cursor})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    "cursor",
    [
        forged(["2026-01-01T00:00:00Z", 2**40, "msg"]),  # attempt is an integer column
        forged(["2026-01-01T00:00:00Z", 1, "m\u0000sg"]),  # text cannot hold U+0000
        forged(["2026-01-01T00:00:00Z", True, "msg"]),
    ],
)
async def test_a_cursor_no_column_could_hold_is_a_422_not_a_500(
    client: AsyncClient, runtime: Runtime, cursor: str
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    hook = await runtime.webhooks.create(
        UUID(hospital.tenant_id), "security", "https://hooks.example.org/complaints", "admin"
    )
    path = f"/v1/webhooks/{hook.webhook_id}/deliveries"
    answer = await client.get(path, headers=hospital.admin, params={"cursor": cursor})
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "cursor"


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/v1/inbox", {"case_id", "summary", "roles", "since", "reasons", "due_at"}),
        ("/v1/deadlines", {"case_id", "deadline_id", "kind", "rule", "due_at", "state"}),
        (
            "/v1/webhooks/{webhook_id}/deliveries",
            {"message_id", "attempt", "outcome", "http_status", "at"},
        ),
    ],
)
async def test_the_openapi_document_describes_each_pages_items(
    client: AsyncClient, path: str, fields: set[str]
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    operation = document["paths"][path]["get"]
    body = operation["responses"]["200"]["content"]["application/json"]["schema"]
    page = resolved(document, body)
    assert {"items", "next_cursor"} <= set(page["properties"])
    item = resolved(document, page["properties"]["items"]["items"])
    assert fields <= set(item["properties"])
    assert "cursor" in {p["name"] for p in operation["parameters"]}
