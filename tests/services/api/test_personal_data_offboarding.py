"""Offboarding a tenant crypto-shreds its personal data: the ledger still verifies, the rest
of the record still reads, and no key of the tenant works any more."""

from __future__ import annotations

import json
from pathlib import Path
from uuid import UUID

import asyncpg
import pytest
from httpx import AsyncClient

from domain.acting import acting
from domain.complaint import Complaint
from domain.tenant import ERASED, Tenant
from services.audit.export import ndjson_lines
from services.audit.verify import verify_file
from services.audit.what_if import recorded_what_if
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.store.codec import envelope_decoder
from services.store.data_keys import KeysDestroyed
from tests.projections.support import caught_up
from tests.services.store.test_personal_data_at_rest import NAME, PHONE, PLATFORM, file_case
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key


async def worked_case(client: AsyncClient, tenant: TenantKeys) -> str:
    case_id = await file_case(client, tenant, category="service_complaint")
    note = {"text": f"{NAME} called again"}
    answer = await client.post(f"/v1/complaints/{case_id}/notes", headers=tenant.admin, json=note)
    assert answer.status_code == 200, answer.text
    return case_id


async def offboarded(client: AsyncClient, tenant: TenantKeys) -> dict:
    response = await client.post(
        f"/v1/tenants/{tenant.tenant_id}/offboard", headers=PLATFORM, json={"reason": "left"}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_after_offboarding_the_ledger_verifies_and_personal_fields_read_as_erased(
    client: AsyncClient, runtime: Runtime, owner: asyncpg.Connection, tmp_path: Path
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    tenant_id = UUID(tenant.tenant_id)
    case_id = await worked_case(client, tenant)
    before = await runtime.repository.load(tenant_id, UUID(case_id), Complaint)
    auditor = await staff_key(client, tenant, "auditor.zhao", ["auditor"])

    done = await offboarded(client, tenant)
    assert done["keys_destroyed"] and done["seq"] is not None

    assert (await runtime.ledger.verify(tenant_id)).ok
    export = tmp_path / "ledger.ndjson"
    export.write_bytes(b"".join([chunk async for chunk in ndjson_lines(runtime.pool, tenant_id)]))
    verdict = verify_file(export)
    assert verdict.ok, verdict.reason
    assert verdict.head_seq == done["seq"]
    assert NAME.encode() not in export.read_bytes() and PHONE.encode() not in export.read_bytes()

    case = await runtime.repository.load(tenant_id, UUID(case_id), Complaint)
    assert case.complainant == {}
    assert (case.summary, case.details) == (ERASED, ERASED)
    assert [n["text"] for n in case.notes] == [ERASED]
    for field in ("status", "category", "level", "rung", "policy", "owner", "received_at"):
        assert getattr(case, field) == getattr(before, field), field
    assert case.deadlines == before.deadlines

    directory = await runtime.repository.load(tenant_id, tenant_id, Tenant)
    assert {p.name for p in directory.people.values()} == {ERASED}
    assert directory.offboarded_at is not None

    for key in (tenant.admin, auditor):
        assert (await client.get("/v1/tenant", headers=key)).status_code == 401
    # what-if still re-decides the recorded case; it writes nothing
    await recorded_what_if(runtime.repository, tenant_id, UUID(case_id), load_policy("hospital@1"))


async def test_an_offboarded_tenant_takes_no_new_event_and_its_views_lose_their_texts(
    client: AsyncClient, runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    tenant_id = UUID(tenant.tenant_id)
    case_id = await worked_case(client, tenant)
    await offboarded(client, tenant)

    case = await runtime.repository.load(tenant_id, UUID(case_id), Complaint)
    with acting("someone", runtime.clock.now()):
        case.add_note(text="after the end")
    with pytest.raises(KeysDestroyed):
        runtime.repository.to_stored(case)

    await caught_up(runtime, tenant_id)
    summaries = await owner.fetch("SELECT summary FROM case_list WHERE tenant_id = $1", tenant_id)
    assert [r["summary"] for r in summaries] == [ERASED]
    running = await owner.fetchval(
        "SELECT count(*) FROM deadlines WHERE tenant_id = $1 AND state = 'open'", tenant_id
    )
    assert running == 0  # the watcher has nothing of it to miss
    await runtime.projections.rebuild(tenant_id)
    summaries = await owner.fetch("SELECT summary FROM case_list WHERE tenant_id = $1", tenant_id)
    assert [r["summary"] for r in summaries] == [ERASED]


async def test_offboarding_again_is_harmless_and_only_the_platform_may(
    client: AsyncClient,
) -> None:
    tenant = await new_tenant(client)
    refused = await client.post(
        f"/v1/tenants/{tenant.tenant_id}/offboard", headers=tenant.admin, json={}
    )
    assert refused.status_code == 403
    first = await offboarded(client, tenant)
    again = await offboarded(client, tenant)
    assert again["seq"] is None and again["offboarded_at"] == first["offboarded_at"]
    rotated = await client.post(f"/v1/tenants/{tenant.tenant_id}/data-key/rotate", headers=PLATFORM)
    assert rotated.status_code == 422, rotated.text  # no key comes back
    assert (
        await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    ).status_code == 401


async def test_a_groups_name_is_sealed_in_the_ledger_and_erased_everywhere_on_offboarding(
    client: AsyncClient, runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(client, "bank@1")
    tenant_id = UUID(tenant.tenant_id)
    group = f"{NAME}'s family, branch 3"
    case_id = await file_case(client, tenant)
    linked = await client.post(
        f"/v1/complaints/{case_id}/group", headers=tenant.admin, json={"group": group}
    )
    assert linked.status_code == 200, linked.text
    states = b"\n".join(
        r["state"]
        for r in await owner.fetch("SELECT state FROM events WHERE tenant_id = $1", tenant_id)
    )
    assert NAME.encode() not in states and json.dumps(NAME)[1:-1].encode() not in states
    seq = linked.json()["seq"]
    listed = await client.get(
        "/v1/complaints", headers=tenant.admin, params={"group": group, "after_seq": seq}
    )
    assert [i["group_id"] for i in listed.json()["items"]] == [group]  # the tenant reads it
    shown = await client.get(f"/v1/complaints/{case_id}?after_seq={seq}", headers=tenant.admin)
    assert all(NAME not in step["text"] for step in shown.json()["timeline"])

    await offboarded(client, tenant)
    case = await runtime.repository.load(tenant_id, UUID(case_id), Complaint)
    assert case.group == ERASED
    await caught_up(runtime, tenant_id)
    for table in ("case_list", "case_timeline"):
        rows = await owner.fetch(f"SELECT * FROM {table} WHERE tenant_id = $1", tenant_id)
        assert rows and all(NAME not in str(dict(r)) for r in rows), table


async def test_S10_a_satisfaction_comment_is_sealed_read_by_staff_and_erased_on_offboarding(
    client: AsyncClient, runtime: Runtime, owner: asyncpg.Connection
) -> None:
    school = await new_tenant(client, "school@1")
    tenant_id = UUID(school.tenant_id)
    reception = await staff_key(client, school, "reception.liu", ["campus_reception"])
    head = await staff_key(client, school, "head.zhang", ["department_head"])
    body = complaint_body(category="campus/service/facilities/complaint", site="Nanming campus")
    filed = await client.post("/v1/complaints", headers=reception, json=body)
    assert filed.status_code == 201, filed.text
    case = f"/v1/complaints/{filed.json()['id']}"
    solution = {"authority": "department_head", "target": "solution", "opinion": "heater fixed"}
    for key, action, step in [
        (reception, "assign", {"person": "head.zhang", "slot": "department", "handling_days": 3}),
        (head, "resolve", {"outcome": "heater replaced"}),
        (head, "outcomes", solution),
    ]:
        done = await client.post(f"{case}/{action}", headers=key, json=step)
        assert done.status_code == 200, (action, done.text)
    comment = f"{NAME} says the room is still cold"
    visit = {"score": 2, "stage": "follow-up", "comment": comment}
    scored = await client.post(f"{case}/satisfaction", headers=reception, json=visit)
    assert scored.status_code == 200, scored.text

    rows = await owner.fetch(
        "SELECT * FROM events WHERE tenant_id = $1 AND topic LIKE '%SatisfactionRecorded'",
        tenant_id,
    )
    assert len(rows) == 1 and b"still cold" not in rows[0]["state"]
    history = (await client.get(f"{case}/history", headers=reception)).json()
    recorded = [h["data"] for h in history if h["event"] == "SatisfactionRecorded"]
    assert [(d["score"], d["comment"]) for d in recorded] == [(2, comment)]

    await offboarded(client, school)
    assert (await runtime.ledger.verify(tenant_id)).ok
    erased = envelope_decoder(runtime.repository.mapper)(rows[0]).data
    assert (erased["score"], erased["stage"], erased["comment"]) == (2, "follow-up", ERASED)
