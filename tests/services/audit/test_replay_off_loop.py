"""Replays of long cases, exports and the chain check do not hold the event loop, and a few
at a time is all a process takes: past that, a 503 problem with Retry-After."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx
import msgspec
import pytest

from services.api.complaints import complaint_out
from services.api.time_travel import replay_parts
from services.api.timestamps import in_utc
from services.audit.export import ndjson_lines
from services.audit.heavy import HeavyWork, Lane
from services.audit.time_travel import case_rows
from services.runtime import Runtime
from tests.services.audit_support import audited_tenant
from tests.services.store.long_cases import file_long_case
from tests.services.support import TenantKeys, new_tenant

LONG = 2_000
REPLAYS = 4
HEALTH_ANSWERS = 20


async def long_case(
    client: httpx.AsyncClient, runtime: Runtime, events: int
) -> tuple[TenantKeys, UUID]:
    keys = await new_tenant(client, "hospital@1")
    tenant = await runtime.tenancy.fresh(UUID(keys.tenant_id))
    return keys, await file_long_case(runtime, tenant, events, "worked")


async def test_health_answers_while_four_replays_of_a_long_case_are_still_running(
    client: httpx.AsyncClient, runtime: Runtime, base_url: str
) -> None:
    tenant, case_id = await long_case(client, runtime, LONG)
    replay = f"/v1/complaints/{case_id}/replay"
    # over a real socket: a replay that held the loop would hold this server's every answer
    async with httpx.AsyncClient(base_url=base_url, timeout=300) as http:
        replays = [asyncio.create_task(http.get(replay, headers=tenant.admin)) for _ in range(4)]
        answered = 0
        while answered < HEALTH_ANSWERS:
            assert not all(r.done() for r in replays), f"the replays ended first ({answered})"
            health = await http.get("/health")
            assert health.status_code == 200
            answered += 1
        assert not all(r.done() for r in replays)  # answered while a replay was still running
        for done in await asyncio.gather(*replays):
            assert done.status_code == 200, done.text
            assert len(done.json()) >= LONG


async def test_a_replay_past_the_servers_bound_is_a_503_problem_with_retry_after(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant, case_id = await long_case(client, runtime, 30)
    lane = runtime.heavy.compute
    for _ in range(lane.size):
        lane.take()  # as if that many replays were running
    try:
        refused = await client.get(f"/v1/complaints/{case_id}/replay", headers=tenant.admin)
    finally:
        for _ in range(lane.size):
            lane.release()
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["retry-after"] == str(lane.retry_after)
    assert refused.json()["status"] == 503 and "retry" in refused.json()["detail"]
    answered = await client.get(f"/v1/complaints/{case_id}/replay", headers=tenant.admin)
    assert answered.status_code == 200
    assert lane.taken == 0  # each replay gave its slot back


@pytest.mark.parametrize(
    ("route", "lane"), [("/v1/audit/verify", "compute"), ("/v1/audit/ledger", "exports")]
)
async def test_an_auditors_check_or_export_past_the_bound_is_a_503_with_retry_after(
    client: httpx.AsyncClient, runtime: Runtime, route: str, lane: str
) -> None:
    _, auditor = await audited_tenant(client, filings=1)
    held: Lane = getattr(runtime.heavy, lane)
    for _ in range(held.size):
        held.take()
    try:
        refused = await client.get(route, headers=auditor)
    finally:
        for _ in range(held.size):
            held.release()
    assert refused.status_code == 503
    assert refused.headers["retry-after"] == str(held.retry_after)
    answered = await client.get(route, headers=auditor)
    assert answered.status_code == 200
    assert held.taken == 0  # the export gave its slot back when it ended


async def test_each_replay_step_equals_the_cases_first_events_replayed(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant, case_id = await long_case(client, runtime, 60)
    steps = (await client.get(f"/v1/complaints/{case_id}/replay", headers=tenant.admin)).json()
    recorded = await runtime.ledger.originator_events(UUID(tenant.tenant_id), case_id)
    assert [s["seq"] for s in steps] == [r.seq for r in recorded]
    for n, step in enumerate(steps, start=1):
        case = runtime.repository.replay(UUID(tenant.tenant_id), recorded[:n])
        assert step["version"] == n
        assert step["state"] == state_json(case), n


def state_json(case: Any) -> dict[str, Any]:
    # as every answer writes a moment (docs/api.md, "Time")
    return json.loads(
        msgspec.json.encode(
            in_utc(msgspec.to_builtins(complaint_out(case), builtin_types=(datetime,)))
        )
    )


async def test_a_replay_answers_the_same_bytes_in_a_process_a_thread_or_on_the_loop(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant, case_id = await long_case(client, runtime, 250)
    tenant_id = UUID(tenant.tenant_id)
    rows = await case_rows(runtime.pool, tenant_id, case_id)
    answers = [b"".join(await runtime.heavy.run(replay_parts, tenant_id, case_id, rows))]
    assert runtime.heavy.mode == "process"
    for mode in ("thread", "inline"):
        heavy = HeavyWork(runtime.keys, mode=mode)
        answers.append(b"".join(await heavy.run(replay_parts, tenant_id, case_id, rows)))
        await heavy.close()
    assert answers[0] == answers[1] == answers[2]
    assert len(json.loads(answers[0])) == len(rows)


async def test_a_replay_of_another_tenants_case_or_of_no_case_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant, case_id = await long_case(client, runtime, 20)
    other, _ = await long_case(client, runtime, 20)
    for who, what in ((other, case_id), (tenant, UUID(tenant.tenant_id)), (tenant, UUID(int=7))):
        answer = await client.get(f"/v1/complaints/{what}/replay", headers=who.admin)
        assert answer.status_code == 404, answer.text
    assert runtime.heavy.compute.taken == 0


async def test_an_export_encoded_in_the_pool_is_byte_for_byte_the_command_lines(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant, auditor = await audited_tenant(client, filings=3)
    served = await client.get("/v1/audit/ledger", headers=auditor)
    assert served.status_code == 200
    tenant_id = UUID(tenant.tenant_id)
    lines = b"".join([chunk async for chunk in ndjson_lines(runtime.pool, tenant_id)])
    # the command line's copy may hold the read the endpoint recorded as it was asked
    assert lines.startswith(served.content) and served.content.count(b"\n") >= 4
