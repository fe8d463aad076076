"""The offline hash format is the database's, byte for byte (docs/ledger.md, docs/audit.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

import asyncpg
from httpx import AsyncClient

from services.audit.chain import ZERO_HASH, LedgerRow, row_bytes, row_hash
from services.audit.export import ledger_row
from services.audit.format import decode_line, encode_line
from tests.services.audit_support import audited_tenant


async def test_row_bytes_and_hashes_equal_the_databases_on_real_rows(
    owner: asyncpg.Connection, client: AsyncClient
) -> None:
    tenant, _ = await audited_tenant(client, filings=2)
    records = await owner.fetch(
        "SELECT e.*, ledger_row_bytes(tenant_id, seq, originator_id, originator_version,"
        " topic, state, recorded_at) AS canonical"
        " FROM events e WHERE tenant_id = $1 ORDER BY seq",
        UUID(tenant.tenant_id),
    )
    assert len(records) > 5
    prev = ZERO_HASH
    for record in records:
        row = ledger_row(record)
        assert row_bytes(row) == record["canonical"]
        assert row_hash(prev, row) == row.hash
        prev = row.hash


async def test_row_bytes_equal_the_databases_for_odd_topics_states_and_times(
    owner: asyncpg.Connection,
) -> None:
    row = LedgerRow(
        tenant_id=uuid4(),
        seq=2**40,
        originator_id=uuid4(),
        originator_version=7,
        topic="主题:事件.发生",
        state=b"\x00\xff\x80 not utf-8",
        recorded_at=datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        prev_hash=ZERO_HASH,
        hash=ZERO_HASH,
    )
    canonical = await owner.fetchval(
        "SELECT ledger_row_bytes($1, $2, $3, $4, $5, $6, $7)",
        row.tenant_id,
        row.seq,
        row.originator_id,
        row.originator_version,
        row.topic,
        row.state,
        row.recorded_at,
    )
    assert row_bytes(row) == canonical


def test_an_export_line_reads_back_as_the_same_row_whatever_its_state() -> None:
    for state in (b'{"summary":"\xe6\x9a\x96\\u6c14 \\"q\\""}', b"\x00\xff binary"):
        row = LedgerRow(
            uuid4(),
            3,
            uuid4(),
            1,
            "domain.complaint:Complaint.Filed",
            state,
            datetime(2026, 2, 14, 9, 30, 0, 0, tzinfo=UTC),
            bytes(range(32)),
            bytes(32),
        )
        assert decode_line(encode_line(row)) == row
