"""Filing a complaint over HTTP and reading it back (C1: every action is a recorded event)."""

from __future__ import annotations

from httpx import AsyncClient

from tests.services.support import complaint_body, new_tenant


async def test_filing_answers_201_with_id_version_and_seq(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    response = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    assert response.status_code == 201, response.text
    written = response.json()
    assert written["version"] >= 1
    # the tenant's first events are its own creation; the complaint comes after them
    assert written["seq"] > 3

    shown = await client.get(f"/v1/complaints/{written['id']}", headers=tenant.admin)
    assert shown.status_code == 200
    case = shown.json()
    assert case["summary"] == complaint_body()["summary"]
    assert case["status"] == "open"
    assert case["owner"] == "admin"
    assert case["version"] == written["version"]


async def test_C1_history_lists_every_event_with_its_seq(client: AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    written = (
        await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    ).json()
    history = (
        await client.get(f"/v1/complaints/{written['id']}/history", headers=tenant.admin)
    ).json()
    assert history[0]["event"] == "Filed"
    assert history[0]["by"] == "admin"
    assert [h["version"] for h in history] == list(range(1, written["version"] + 1))
    assert history[-1]["seq"] == written["seq"]
    seqs = [h["seq"] for h in history]
    assert seqs == sorted(seqs)


async def test_idempotency_key_returns_the_first_answer_and_files_once(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    headers = {**tenant.admin, "Idempotency-Key": "retry-1"}
    first = await client.post("/v1/complaints", headers=headers, json=complaint_body())
    again = await client.post("/v1/complaints", headers=headers, json=complaint_body())
    assert first.status_code == again.status_code == 201
    assert again.json() == {**first.json(), "link": None}  # the link is told once

    other = await client.post(
        "/v1/complaints", headers=headers, json=complaint_body(summary="something else")
    )
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_readiness_reports_database_and_bus(client: AsyncClient) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": True, "bus": True}


async def test_openapi_schema_is_served_without_a_key(client: AsyncClient) -> None:
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    assert "/v1/complaints" in schema.json()["paths"]
