"""Retries with an Idempotency-Key get the first answer and write nothing new, whichever way
the retry meets the first run: after it committed, while it runs, or refused by what the first
run already did."""

from __future__ import annotations

import asyncio
from uuid import UUID, uuid4

import asyncpg
from httpx import AsyncClient

from services.runtime import Runtime
from services.store.idempotency import Answer, IdempotentRequest, run_once
from services.store.ledger import UnitOfWork
from tests.services.support import complaint_body, new_tenant, staff_key


async def events_of(owner: asyncpg.Connection, tenant_id: str) -> int:
    return await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", UUID(tenant_id))


async def test_a_retried_command_gets_its_first_answer_not_the_409_its_if_match_now_earns(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, hospital, "nurse.he", ["nurse"])
    case = (await client.post("/v1/complaints", headers=nurse, json=complaint_body())).json()
    headers = {**nurse, "If-Match": str(case["version"]), "Idempotency-Key": "note-1"}
    path = f"/v1/complaints/{case['id']}/notes"

    first = await client.post(path, headers=headers, json={"text": "called the family"})
    assert first.status_code == 200, first.text
    recorded = await events_of(owner, hospital.tenant_id)
    again = await client.post(path, headers=headers, json={"text": "called the family"})

    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert await events_of(owner, hospital.tenant_id) == recorded
    # without the key the same stale If-Match is refused as before
    stale = {k: v for k, v in headers.items() if k != "Idempotency-Key"}
    assert (await client.post(path, headers=stale, json={"text": "x"})).status_code == 412


async def test_a_key_reused_for_another_body_is_422_even_when_the_command_is_refused(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, hospital, "nurse.lu", ["nurse"])
    case = (await client.post("/v1/complaints", headers=nurse, json=complaint_body())).json()
    headers = {**nurse, "If-Match": str(case["version"]), "Idempotency-Key": "note-2"}
    path = f"/v1/complaints/{case['id']}/notes"
    assert (await client.post(path, headers=headers, json={"text": "one"})).status_code == 200
    recorded = await events_of(owner, hospital.tenant_id)

    other = await client.post(path, headers=headers, json={"text": "another text"})

    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await events_of(owner, hospital.tenant_id) == recorded


async def test_concurrent_retries_of_one_filing_file_it_once_and_all_get_its_answer(
    client: AsyncClient, owner: asyncpg.Connection
) -> None:
    hospital = await new_tenant(client, "hospital@1")
    before = await events_of(owner, hospital.tenant_id)
    headers = {**hospital.admin, "Idempotency-Key": "burst-1"}

    answers = await asyncio.gather(
        *(client.post("/v1/complaints", headers=headers, json=complaint_body()) for _ in range(8))
    )

    assert {a.status_code for a in answers} == {201}
    # the same case and number for all; the link is told to the first alone (only its hash
    # is kept): every other answer has it null
    kept = [{k: v for k, v in a.json().items() if k != "link"} for a in answers]
    assert all(k == kept[0] for k in kept)
    assert sorted(a.json()["link"] is None for a in answers) == [False] + [True] * 7
    filed = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND seq > $2 AND topic LIKE '%Filed'",
        UUID(hospital.tenant_id),
        before,
    )
    assert filed == 1


async def test_work_with_effects_outside_the_ledger_is_not_run_again_on_retry(
    runtime: Runtime,
) -> None:
    """Such work (a key file rotated, say) must look the key up before running at all."""
    runs: list[int] = []

    async def work(uow: UnitOfWork) -> Answer:
        runs.append(1)  # stands for the effect no rollback undoes
        return Answer(200, {"run": len(runs)})

    scope = uuid4()
    request = IdempotentRequest(scope, scope, "outside-1", "sha-1")
    first = await run_once(runtime.ledger, request, work, rolls_back=False)
    again = await run_once(runtime.ledger, request, work, rolls_back=False)

    assert first == again == Answer(200, {"run": 1})
    assert runs == [1]
