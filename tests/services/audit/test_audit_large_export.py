"""A ledger of 100,000 events exports and verifies, in constant memory, in seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
import pytest

from domain.audit import AuditTrail
from services.audit.export import ndjson_lines
from services.audit.verify import verify_file
from services.cli import parser
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from services.store.codec import make_mapper

EVENTS = 100_000
ORIGINATORS = 1000

BATCH = 2000
# INSERT ... SELECT as the owner: the chain trigger assigns seq, time and hash to every row.
# In batches, each its own transaction: the trigger moves the head row once a row, and one
# transaction's row versions pile up on it, so a single 100,000-row statement took 167 s
# where 50 of 2,000 rows take seconds.
GENERATE = """
INSERT INTO events (tenant_id, seq, originator_id, originator_version, topic, state,
                    recorded_at, prev_hash, hash)
SELECT $1::uuid, 0, md5($1::uuid::text || (g % $4)::text)::uuid, g / $4 + 1, $2, $3, now(), '', ''
  FROM generate_series($5::int, $6::int) AS g
"""


def sample_event() -> tuple[str, bytes]:
    """A real event's topic and JSON, so anything that decodes the ledger can read it."""
    trail = AuditTrail.start(uuid4(), datetime.now(UTC))
    trail.record_read(by="auditor", key_id="k1", what="GET /v1/audit/ledger", at=trail.created_on)
    stored = make_mapper().to_stored_event(trail.collect_events()[-1])
    return stored.topic, stored.state


@pytest.fixture(scope="module")
async def big_tenant(owner: asyncpg.Connection) -> UUID:
    tenant_id = uuid4()
    topic, state = sample_event()
    started = time.perf_counter()
    for first in range(1, EVENTS + 1, BATCH):
        last = first + BATCH - 1
        await owner.execute(GENERATE, tenant_id, topic, state, ORIGINATORS, first, last)
    print(f"\ngenerated {EVENTS} chained events in {time.perf_counter() - started:.1f} s")
    return tenant_id


async def test_an_untouched_export_of_100000_events_verifies(
    big_tenant: UUID,
    owner: asyncpg.Connection,
    settings: Settings,
    database_url: str,
    engine_urls: EngineUrls,
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.ndjson"
    args = parser().parse_args(["audit", "export", "--tenant", str(big_tenant), "-o", str(path)])
    started = time.perf_counter()
    assert await args.run(args, settings, EngineUrls(database_url, engine_urls.nats_url)) == 0
    exported = time.perf_counter()
    verdict = verify_file(path)
    verified = time.perf_counter()
    print(
        f"exported {path.stat().st_size / 1e6:.0f} MB in {exported - started:.1f} s,"
        f" verified offline in {verified - exported:.1f} s"
    )
    head = await owner.fetchrow(
        "SELECT seq, hash FROM ledger_heads WHERE tenant_id = $1", big_tenant
    )
    assert verdict.ok, verdict.reason
    assert (verdict.rows, verdict.head_seq, verdict.head_hash) == (EVENTS, EVENTS, head["hash"])


async def test_the_export_stream_holds_one_chunk_in_memory_not_the_ledger(
    big_tenant: UUID, runtime: Runtime
) -> None:
    before = reset_peak_rss()
    total = chunks = 0
    async for chunk in ndjson_lines(runtime.pool, big_tenant):
        total, chunks = total + len(chunk), chunks + 1
    grown = peak_rss() - before
    print(f"streamed {total / 1e6:.0f} MB in {chunks} chunks; peak RSS grew {grown / 1e6:.1f} MB")
    assert total > 50_000_000
    assert grown < 20_000_000  # decoded rows would take several times the 65 MB of text


def reset_peak_rss() -> int:
    """Linux: writing 5 to clear_refs resets the process's peak RSS to its current RSS."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pytest.skip("needs Linux's /proc/self/clear_refs")
    return _status_kb("VmRSS") * 1024


def peak_rss() -> int:
    return _status_kb("VmHWM") * 1024


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)
