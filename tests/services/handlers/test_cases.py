"""The complaint use cases without HTTP: what ``Cases`` decides, saves and refuses."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from uuid import UUID

import asyncpg
import pytest

from domain import commands as c
from domain.errors import Refused
from domain.tenant import Tenant
from services.handlers.cases import Precondition, StaleVersion
from services.runtime import Runtime
from services.store.idempotency import IdempotentRequest
from tests.services.handlers.support import new_tenant

NURSE = c.Actor("nurse.zhao", frozenset({"nurse"}))
SPOKESPERSON = c.Actor("press.qian", frozenset({"spokesperson"}))
FILING = c.File(
    received_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
    channel="phone",
    summary="Waited four hours in outpatients",
    complainant={"name": "Li Wei", "contact": "13800000000"},
    category="medical_dispute",
)


def once(tenant: Tenant, key: str | None = None, body: str = "") -> IdempotentRequest:
    return IdempotentRequest(tenant.id, tenant.id, key, body or uuid.uuid4().hex)


async def hospital(runtime: Runtime) -> Tenant:
    return await new_tenant(runtime, "hospital@1")


async def events_of(owner: asyncpg.Connection, tenant: Tenant) -> int:
    return await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", tenant.id)


async def test_filing_saves_the_case_its_policy_decided(runtime: Runtime) -> None:
    tenant = await hospital(runtime)
    answer = await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))
    assert answer.status == 201
    case = await runtime.cases.get(tenant.id, answer.body.id)
    assert (case.version, answer.body.version) == (answer.body.version, case.version)
    assert case.category == "medical_dispute"  # classified by the hospital's policy at intake
    assert case.filed_by == "nurse.zhao"


async def test_act_records_the_command_and_answers_the_new_version_and_seq(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await hospital(runtime)
    filed = (await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))).body
    reply = c.ReplyInWriting("Our written answer.")
    answer = await runtime.cases.act(
        tenant, filed.id, reply, SPOKESPERSON, Precondition.exactly(filed.version), once(tenant)
    )
    assert answer.status == 200
    assert answer.body.version > filed.version
    assert answer.body.seq == await events_of(owner, tenant)
    case = await runtime.cases.get(tenant.id, filed.id)
    assert [r["text"] for r in case.written_replies] == ["Our written answer."]


async def test_H12_act_refuses_what_the_policy_refuses_and_writes_nothing(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await hospital(runtime)
    filed = (await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))).body
    before = await events_of(owner, tenant)
    with pytest.raises(Refused) as refused:
        await runtime.cases.act(
            tenant, filed.id, c.ReplyInWriting("In writing"), NURSE, None, once(tenant)
        )
    assert refused.value.rule == "H12"
    assert await events_of(owner, tenant) == before


async def test_a_stale_expected_version_is_refused_and_writes_nothing(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await hospital(runtime)
    filed = (await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))).body
    await runtime.cases.act(tenant, filed.id, c.AddNote("first"), NURSE, None, once(tenant))
    before = await events_of(owner, tenant)
    with pytest.raises(StaleVersion):
        await runtime.cases.act(
            tenant,
            filed.id,
            c.AddNote("second"),
            NURSE,
            Precondition.exactly(filed.version),
            once(tenant),
        )
    assert await events_of(owner, tenant) == before


async def test_a_retried_command_with_its_key_is_saved_once_and_answered_alike(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await hospital(runtime)
    filed = (await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))).body
    request = once(tenant, key="note-1", body="same request")
    first = await runtime.cases.act(tenant, filed.id, c.AddNote("once"), NURSE, None, request)
    after_first = await events_of(owner, tenant)
    again = await runtime.cases.act(tenant, filed.id, c.AddNote("once"), NURSE, None, request)
    assert await events_of(owner, tenant) == after_first
    assert again.status == first.status
    assert UUID(str(again.body["id"])) == first.body.id
    assert again.body["seq"] == first.body.seq


async def test_history_gives_each_recorded_event_with_its_seq(runtime: Runtime) -> None:
    tenant = await hospital(runtime)
    filed = (await runtime.cases.file_new(tenant, FILING, NURSE, once(tenant))).body
    await runtime.cases.act(tenant, filed.id, c.AddNote("called back"), NURSE, None, once(tenant))
    history = await runtime.cases.history(tenant.id, filed.id)
    assert type(history[0][1]).__name__ == "Filed"
    assert type(history[-1][1]).__name__ == "NoteAdded"
    seqs = [recorded.seq for recorded, _ in history]
    assert seqs == sorted(seqs)
