"""HTTP conventions an integrator relies on: problem types that resolve, an instance per
occurrence, titles in words, Bearer challenges, 415 for bodies that are not JSON, and a 400
naming the path parameter that is not a UUID."""

from __future__ import annotations

import re
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
from httpx import AsyncClient

from services.api.problem_types import PROBLEM_TYPES
from tests.services.support import complaint_body, new_tenant

DOCS = Path(__file__).resolve().parents[3] / "docs" / "problems.md"


async def test_every_problem_type_resolves_and_is_described_in_the_docs(
    client: AsyncClient,
) -> None:
    documented = set(re.findall(r"^### `([\w-]+)`", DOCS.read_text(), flags=re.MULTILINE))
    assert documented == set(PROBLEM_TYPES)
    for kind, (title, _) in PROBLEM_TYPES.items():
        answer = await client.get(f"/problems/{kind}")  # no key needed
        assert answer.status_code == 200
        assert answer.json()["title"] == title
    assert (await client.get("/problems/no-such-kind")).status_code == 404


async def test_a_problem_names_its_type_its_occurrence_and_a_title_in_words(
    client: AsyncClient,
) -> None:
    answer = await client.get("/v1/complaints")
    problem = answer.json()
    assert answer.status_code == 401
    assert problem["title"] == "Unauthorized"  # words, not an exception's class name
    assert (await client.get(problem["type"])).status_code == 200
    assert problem["instance"] == f"urn:complaints:request:{answer.headers['x-request-id']}"


async def test_a_401_challenges_with_bearer(client: AsyncClient) -> None:
    answer = await client.get("/v1/complaints", headers={"Authorization": "Bearer nonsense"})
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Bearer")


async def test_a_body_that_is_not_json_is_a_415_and_files_nothing(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(client)
    body = b'{"summary": "x", "channel": "phone", "complainant": {"name": "Li"}}'
    for media_type in ("text/plain", "application/x-www-form-urlencoded"):
        answer = await client.post(
            "/v1/complaints", headers={**tenant.admin, "Content-Type": media_type}, content=body
        )
        assert answer.status_code == 415, media_type
        assert answer.json()["type"] == "/problems/http-415"
    filed = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND topic LIKE '%Complaint.Filed'",
        UUID(tenant.tenant_id),
    )
    assert filed == 0
    ok = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    assert ok.status_code == 201  # httpx sends application/json


async def test_a_path_id_that_is_not_a_uuid_is_a_400_naming_it(client: AsyncClient) -> None:
    tenant = await new_tenant(client)
    answer = await client.get("/v1/complaints/not-a-uuid", headers=tenant.admin)
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "case_id", "reason": "must be a UUID"}]
    nowhere = await client.get("/v1/no-such-route", headers=tenant.admin)
    assert nowhere.status_code == 404


async def hospital_case(client: AsyncClient) -> tuple[dict[str, str], dict]:
    tenant = await new_tenant(client, "hospital@1")
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    assert filed.status_code == 201
    # a new case says where it lives and which version it is at
    assert filed.headers["location"] == f"/v1/complaints/{filed.json()['id']}"
    assert filed.headers["etag"] == f'"{filed.json()["version"]}"'
    return tenant.admin, filed.json()


async def test_if_match_compares_entity_tags_strongly_and_honours_lists_and_star(
    client: AsyncClient,
) -> None:
    admin, case = await hospital_case(client)
    path = f"/v1/complaints/{case['id']}/notes"
    version = case["version"]

    async def note(if_match: str) -> httpx.Response:
        return await client.post(path, headers={**admin, "If-Match": if_match}, json={"text": "n"})

    weak = await note(f'W/"{version}"')
    assert weak.status_code == 412  # a weak tag never matches
    listed = await note(f'"{version - 1}", "{version}"')
    assert listed.status_code == 200
    assert listed.headers["etag"] == f'"{listed.json()["version"]}"'
    assert (await note("*")).status_code == 200
    stale = await note(f'"{version}"')
    assert stale.status_code == 412
    assert stale.json()["type"] == "/problems/precondition"
    assert (await note("three")).status_code == 422


async def test_if_none_match_answers_304_while_the_case_is_unchanged(client: AsyncClient) -> None:
    admin, case = await hospital_case(client)
    path = f"/v1/complaints/{case['id']}"
    etag = (await client.get(path, headers=admin)).headers["etag"]
    unchanged = await client.get(path, headers={**admin, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag
    weak = await client.get(path, headers={**admin, "If-None-Match": f"W/{etag}"})
    assert weak.status_code == 304  # If-None-Match compares weakly
    await client.post(f"{path}/notes", headers=admin, json={"text": "changed"})
    changed = await client.get(path, headers={**admin, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_an_unknown_enum_value_is_a_422_listing_the_allowed_ones(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client)
    body = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(channel="pigeon")
    )
    assert body.status_code == 422
    [error] = body.json()["errors"]
    assert error["field"] == "channel"
    assert "phone" in error["allowed"] and "pigeon" not in error["allowed"]
    assert error["reason"].startswith("must be one of: ")
    query = await client.get("/v1/complaints?status=bogus", headers=tenant.admin)
    assert query.status_code == 422
    assert query.json()["errors"][0]["allowed"] == ["open", "resolved", "closed"]


async def test_the_case_list_pages_with_a_link_to_the_next_page_and_shows_handlers_as_objects(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client)
    seq = 0
    for n in range(3):
        filed = await client.post(
            "/v1/complaints", headers=tenant.admin, json=complaint_body(summary=f"case {n}")
        )
        seq = filed.json()["seq"]
    first = await client.get(
        "/v1/complaints", headers=tenant.admin, params={"limit": 2, "after_seq": seq}
    )
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    assert all(isinstance(item["handlers"], dict) for item in page["items"])
    link = first.headers["link"]
    assert link.endswith('; rel="next"') and "limit=2" in link
    following = await client.get(link[1 : link.index(">")], headers=tenant.admin)
    assert following.status_code == 200
    rest = following.json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None
    assert "link" not in following.headers  # the last page
    ids = {i["case_id"] for i in page["items"]} | {i["case_id"] for i in rest["items"]}
    assert len(ids) == 3
