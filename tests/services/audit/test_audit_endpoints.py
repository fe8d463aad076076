"""The auditor's endpoints: the raw ledger as NDJSON, and the server's own chain check."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import asyncpg
from httpx import AsyncClient

from services.audit.chain import ZERO_HASH, ChainWalk
from services.audit.format import decode_line
from tests.services.audit_support import audited_tenant, export_to, tampering


async def test_the_ledger_streams_every_field_of_every_row_in_seq_order(
    owner: asyncpg.Connection, client: AsyncClient, tmp_path: Path
) -> None:
    tenant, auditor = await audited_tenant(client)
    path = await export_to(client, auditor, tmp_path / "ledger.ndjson")
    rows = [decode_line(line) for line in path.read_bytes().splitlines()]
    stored = await owner.fetch(
        "SELECT * FROM events WHERE tenant_id = $1 ORDER BY seq", UUID(tenant.tenant_id)
    )
    assert [r.seq for r in rows] == [s["seq"] for s in stored]
    for row, record in zip(rows, stored, strict=True):
        assert (row.topic, row.state, row.recorded_at, row.prev_hash, row.hash) == (
            record["topic"],
            record["state"],
            record["recorded_at"],
            record["prev_hash"],
            record["hash"],
        )
    assert rows[0].prev_hash == ZERO_HASH


async def test_after_seq_and_limit_page_through_the_ledger_and_the_pages_chain_up(
    client: AsyncClient, tmp_path: Path
) -> None:
    _, auditor = await audited_tenant(client)
    first = await export_to(client, auditor, tmp_path / "1.ndjson", limit=4)
    second = await export_to(client, auditor, tmp_path / "2.ndjson", after_seq=4, limit=4)
    walk = ChainWalk()
    for line in first.read_bytes().splitlines() + second.read_bytes().splitlines():
        assert walk.step(decode_line(line)) is None
    assert walk.seq == 8


async def test_a_bad_paging_parameter_is_a_problem_document(client: AsyncClient) -> None:
    _, auditor = await audited_tenant(client, filings=0)
    response = await client.get("/v1/audit/ledger", headers=auditor, params={"after_seq": -1})
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_server_check_answers_ok_with_the_head(
    owner: asyncpg.Connection, client: AsyncClient
) -> None:
    tenant, auditor = await audited_tenant(client)
    answer = (await client.get("/v1/audit/verify", headers=auditor)).json()
    head = await owner.fetchrow(
        "SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1", UUID(tenant.tenant_id)
    )
    # the read is recorded before it is answered: the head includes it
    assert answer == {
        "ok": True,
        "head_seq": head["seq"],
        "head_hash": head["hash"].hex(),
        "bad_seq": None,
        "reason": None,
    }


async def test_the_server_check_names_the_first_bad_seq_and_why(
    owner: asyncpg.Connection, client: AsyncClient
) -> None:
    tenant, auditor = await audited_tenant(client)
    async with tampering(owner):
        await owner.execute(
            "UPDATE events SET topic = 'forged' WHERE tenant_id = $1 AND seq = 6",
            UUID(tenant.tenant_id),
        )
    answer = (await client.get("/v1/audit/verify", headers=auditor)).json()
    assert (answer["ok"], answer["bad_seq"], answer["head_seq"]) == (False, 6, 5)
    assert "hash" in answer["reason"]
