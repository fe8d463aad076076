"""Answers kept for retries hold no secret, and an Idempotency-Key is its caller's own."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
from httpx import AsyncClient

from tests.services.support import PLATFORM, bearer, complaint_body, new_tenant, staff_key

MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "migrations"


async def kept_bodies(owner: asyncpg.Connection, key: str) -> list[str]:
    rows = await owner.fetch(
        "SELECT convert_from(body, 'UTF8') AS body FROM idempotency_keys WHERE key = $1", key
    )
    return [r["body"] for r in rows]


async def test_a_retried_tenant_creation_answers_the_key_id_but_no_key_is_ever_stored(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    idempotency_key = f"tenant-{uuid4().hex}"
    body = {
        "slug": f"t-{uuid4().hex[:10]}",
        "name": "Clinic",
        "policy": "hospital@1",
        "admin": {"person_id": "admin", "name": "Admin"},
    }
    headers = {**PLATFORM, "Idempotency-Key": idempotency_key}
    first = await client.post("/v1/tenants", headers=headers, json=body)
    assert first.status_code == 201, first.text
    secret = first.json()["key"]
    assert secret.startswith("ck.")

    (kept,) = await kept_bodies(owner, idempotency_key)
    assert secret not in kept and secret.split(".")[-1] not in kept

    again = await client.post("/v1/tenants", headers=headers, json=body)
    assert again.status_code == 201
    assert again.json() == {**first.json(), "key": None}
    # the key told once still works
    assert (await client.get("/v1/tenant", headers=bearer(secret))).status_code == 200


async def test_a_retried_key_issue_answers_without_the_key(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    school = await new_tenant(client, "school@1")
    await staff_key(client, school, "li", ["campus_reception"])
    headers = {**school.admin, "Idempotency-Key": "key-for-li"}
    first = await client.post("/v1/keys", headers=headers, json={"person_id": "li"})
    assert first.status_code == 201, first.text
    (kept,) = await kept_bodies(owner, "key-for-li")
    assert first.json()["key"] not in kept
    again = await client.post("/v1/keys", headers=headers, json={"person_id": "li"})
    assert again.json() == {**first.json(), "key": None}


async def test_the_migration_takes_keys_out_of_answers_kept_before_it(
    owner: asyncpg.Connection,
) -> None:
    scope, key = uuid4(), f"old-{uuid4().hex}"
    full_key = f"ck.{scope.hex}.ab12cd34.{'f' * 64}"
    leaked = json.dumps({"tenant_id": str(scope), "key_id": "ab12cd34", "key": full_key})
    await owner.execute(
        "INSERT INTO idempotency_keys (scope_id, key, request_sha256, status, body)"
        " VALUES ($1, $2, 'sha', 201, convert_to($3, 'UTF8'))",
        scope,
        key,
        leaked,
    )
    await owner.execute((MIGRATIONS / "035_idempotency_without_secrets.sql").read_text())
    (kept,) = await kept_bodies(owner, key)
    assert "ck." not in kept
    assert '"key_id": "ab12cd34"' in kept and '"key": null' in kept


async def test_two_clerks_with_the_same_idempotency_key_file_two_cases(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    one = await staff_key(client, hospital, "nurse.a", ["nurse"])
    two = await staff_key(client, hospital, "nurse.b", ["nurse"])
    filed = [
        await client.post(
            "/v1/complaints", headers={**who, "Idempotency-Key": "intake-0001"}, json=body
        )
        for who, body in ((one, complaint_body()), (two, complaint_body()), (one, complaint_body()))
    ]
    assert [f.status_code for f in filed] == [201, 201, 201]
    first, second, retried = (f.json() for f in filed)
    assert first["id"] != second["id"]  # another caller's key is not this caller's retry
    assert retried == {**first, "link": None}  # the complainant's link is told once
    count = await owner.fetchval(
        "SELECT count(DISTINCT originator_id) FROM events"
        " WHERE tenant_id = $1 AND topic LIKE '%.Filed'",
        UUID(hospital.tenant_id),
    )
    assert count == 2
