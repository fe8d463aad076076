"""Snapshots of long cases: a sealed cache beside the ledger that changes nothing but speed.

A case loaded through a snapshot equals the case replayed from its events, type for type;
time travel never uses a snapshot newer than its moment; an offboarded tenant's snapshot is
not used; an altered, moved or foreign snapshot is ignored; and a snapshot row holds no
personal data in clear.
"""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.complaint import Complaint
from domain.tenant import ERASED
from services.runtime import Runtime
from services.store.codec import make_mapper
from services.store.data_keys import FileKeyProvider
from services.store.ledger import RecordedEvent
from services.store.repository import NotFound
from services.store.snapshots import Row, Snapshots, Stored, decode_state, encode_state
from tests.domain.test_policy_invariants import TENANT_ID, Plan, plans
from tests.services.handlers.support import new_tenant
from tests.services.store.long_cases import (
    CONTACT,
    NAME,
    NOTE,
    POLICY,
    SUMMARY,
    file_long_case,
    grow,
    typed,
)

EVERY = 100  # the session runtime's setting (the default)
HASH = bytes(range(32))
MICRO = timedelta(microseconds=1)


@pytest.fixture(autouse=True)
def every(runtime: Runtime) -> None:
    assert runtime.snapshots.every == EVERY


class Spy:
    """Which snapshot versions loading opened (and whether each was usable)."""

    def __init__(self, snapshots: Snapshots, monkeypatch: pytest.MonkeyPatch) -> None:
        self.opened: list[tuple[int, bool]] = []
        original = snapshots.open

        def open_(*args: Any) -> Any:
            found = original(*args)
            self.opened.append((args[3].version, found is not None))
            return found

        monkeypatch.setattr(snapshots, "open", open_)


async def replayed(runtime: Runtime, tenant_id: UUID, case_id: UUID, **kw: Any) -> Complaint:
    """The independent answer: every event (recorded by ``as_of``) replayed, no snapshot."""
    recorded = await runtime.ledger.originator_events(tenant_id, case_id, **kw)
    case = runtime.repository.replay(tenant_id, recorded)
    assert isinstance(case, Complaint)
    return case


async def snapshot_rows(owner: asyncpg.Connection, case_id: UUID) -> list[asyncpg.Record]:
    return await owner.fetch(
        "SELECT * FROM snapshots WHERE originator_id = $1 ORDER BY originator_version", case_id
    )


async def loaded(runtime: Runtime, tenant_id: UUID, case_id: UUID, **kw: Any) -> Complaint:
    case = await runtime.repository.load(tenant_id, case_id, Complaint, **kw)
    await runtime.snapshots.settled()
    return case


# --- the codec, over random histories (no database) -------------------------------------

KEYS = FileKeyProvider(Path(tempfile.mkdtemp(prefix="snapshot-keys-")))
MAPPER = make_mapper(KEYS)
OFFLINE = Snapshots(None, KEYS, EVERY, kinds=(Complaint,))  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(st.one_of(plans("hospital"), plans("bank"), plans("school")), st.data())
def test_a_case_restored_from_a_snapshot_at_any_version_then_its_later_events_equals_its_replay(
    plan: Plan, data: st.DataObject
) -> None:
    events = plan.run().case.collect_events()
    stored = [MAPPER.encode(TENANT_ID, e) for e in events]  # sealed, and read back as served
    everything: Any = None
    for item in stored:
        everything = MAPPER.decode(TENANT_ID, item).mutate(everything)
    cut = data.draw(st.integers(1, len(stored)), label="snapshot version")
    head: Any = None
    for item in stored[:cut]:
        head = MAPPER.decode(TENANT_ID, item).mutate(head)
    taken = OFFLINE.take(TENANT_ID, head, HASH)
    assert taken is not None
    at = Stored(taken.version, taken.topic, taken.key_version, taken.event_hash, taken.sealed)
    row = Row(RecordedEvent(cut, everything.modified_on, stored[cut - 1]), HASH)
    restored = OFFLINE.open(TENANT_ID, head.id, Complaint, at, row)
    assert restored is not None and restored.version == cut
    for item in stored[cut:]:
        restored = MAPPER.decode(TENANT_ID, item).mutate(restored)
    assert typed(restored) == typed(everything)


def test_the_state_codec_keeps_types_json_does_not_have() -> None:
    from datetime import UTC, date, datetime, timezone
    from decimal import Decimal

    from domain.complaint import Deadline, DeadlineState, Status

    value = {
        "tuple": (1, "a", (2,)),
        "list": [1, [2, (3,)]],
        "uuid": uuid4(),
        "utc": datetime(2026, 3, 2, 9, 30, 1, 7, tzinfo=UTC),
        "east": datetime(2026, 3, 2, 9, tzinfo=timezone(timedelta(hours=8))),
        "date": date(2026, 3, 2),
        "decimal": Decimal("1.10"),
        "status": Status.OPEN,
        "ints": {1: "one"},
        "tagged": {"__t": "not a tag"},
        "deadline": Deadline(
            deadline_id="d1",
            kind="reply",
            rule="H2",
            started_at=datetime(2026, 3, 2, tzinfo=UTC),
            due_at=datetime(2026, 3, 9, tzinfo=UTC),
            roles=("department_head",),
            state=DeadlineState.PAUSED,
        ),
        "set": {"b", "a"},
    }
    assert typed(decode_state(encode_state(value))) == typed(value)


# --- through the ledger -----------------------------------------------------------------


@pytest.mark.parametrize(("shape", "events"), [("notes", 250), ("worked", 260), ("worked", EVERY)])
async def test_a_long_case_loads_through_its_snapshot_and_equals_its_events_replayed(
    runtime: Runtime,
    owner: asyncpg.Connection,
    monkeypatch: pytest.MonkeyPatch,
    shape: str,
    events: int,
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, events, shape)
    first = await loaded(runtime, tenant.id, case_id)  # from the events: leaves a snapshot
    head = first.version
    assert head >= events
    assert [r["originator_version"] for r in await snapshot_rows(owner, case_id)] == [head]
    spy = Spy(runtime.snapshots, monkeypatch)
    again = await loaded(runtime, tenant.id, case_id)
    assert spy.opened == [(head, True)]
    assert typed(again) == typed(first) == typed(await replayed(runtime, tenant.id, case_id))
    # more events: the snapshot and those after it
    grow(tenant, again, head + 30, shape)
    await runtime.ledger.append(tenant.id, runtime.repository.to_stored(again))
    later = await loaded(runtime, tenant.id, case_id)
    assert spy.opened[-1] == (head, True)
    assert typed(later) == typed(await replayed(runtime, tenant.id, case_id))


async def test_a_short_case_leaves_no_snapshot(runtime: Runtime, owner: asyncpg.Connection) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 20)
    await loaded(runtime, tenant.id, case_id)
    assert await snapshot_rows(owner, case_id) == []


async def test_a_command_on_a_long_case_loads_the_snapshot_and_the_events_after_it(
    runtime: Runtime, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from domain import commands as c
    from services.store.idempotency import IdempotentRequest

    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 1_000)
    await loaded(runtime, tenant.id, case_id)
    spy = Spy(runtime.snapshots, monkeypatch)
    actor = c.Actor("dr.li", frozenset({"department_head"}))
    for n in range(3):
        request = IdempotentRequest(tenant.id, tenant.id, None, f"note-{n}")
        answer = await runtime.cases.act(tenant, case_id, c.AddNote(f"n{n}"), actor, None, request)
        assert answer.body.version == 1_001 + n
    assert spy.opened == [(1_000, True)] * 3
    assert typed(await loaded(runtime, tenant.id, case_id)) == typed(
        await replayed(runtime, tenant.id, case_id)
    )


async def test_as_of_ignores_snapshots_newer_than_its_moment(
    runtime: Runtime, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 300, "worked")
    recorded = {  # the ledger stamps each row with its own time
        r["originator_version"]: r["recorded_at"]
        for r in await owner.fetch(
            "SELECT originator_version, recorded_at FROM events WHERE originator_id = $1",
            case_id,
        )
    }
    head = max(recorded)
    # a snapshot at version 120, and (by loading) one at the head
    case, row_hash = await at_version(runtime, owner, tenant.id, case_id, 120)
    taken = runtime.snapshots.take(tenant.id, case, row_hash)
    assert taken is not None
    await runtime.snapshots.save(taken)
    await loaded(runtime, tenant.id, case_id)
    assert [r["originator_version"] for r in await snapshot_rows(owner, case_id)] == [120, head]
    spy = Spy(runtime.snapshots, monkeypatch)
    with pytest.raises(NotFound):  # before the filing
        await runtime.repository.load(tenant.id, case_id, Complaint, as_of=recorded[1] - MICRO)
    for moment, used in [
        (recorded[119], []),  # the snapshot at 120 holds an event recorded after this
        (recorded[120] - MICRO, []),
        (recorded[120], [(120, True)]),
        (recorded[200], [(120, True)]),
        (recorded[head] - MICRO, [(120, True)]),  # the head's snapshot is newer
        (recorded[head], [(head, True)]),
    ]:
        spy.opened.clear()
        case = await loaded(runtime, tenant.id, case_id, as_of=moment)
        assert spy.opened == used, moment
        assert typed(case) == typed(await replayed(runtime, tenant.id, case_id, as_of=moment))
    # loading the past leaves no snapshot
    assert [r["originator_version"] for r in await snapshot_rows(owner, case_id)] == [120, head]


async def at_version(
    runtime: Runtime, owner: asyncpg.Connection, tenant_id: UUID, case_id: UUID, version: int
) -> tuple[Complaint, bytes]:
    """The case at ``version``, replayed, and the chain hash of its event at that version."""
    recorded = await runtime.ledger.originator_events(tenant_id, case_id)
    case = runtime.repository.replay(tenant_id, recorded[:version])
    assert isinstance(case, Complaint)
    row_hash = await owner.fetchval(
        "SELECT hash FROM events WHERE originator_id = $1 AND originator_version = $2",
        case_id,
        version,
    )
    return case, row_hash


async def test_a_snapshot_row_holds_no_personal_data_in_clear(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 150, "worked")
    case = await loaded(runtime, tenant.id, case_id)
    assert case.complainant == {"name": NAME, "contact": CONTACT} and case.summary == SUMMARY
    [row] = await snapshot_rows(owner, case_id)
    stored = b"".join(
        value if isinstance(value, bytes) else str(value).encode() for value in row.values()
    )
    for secret in (NAME, CONTACT, SUMMARY, NOTE, "The family asked twice", "photo", "shouted"):
        assert secret.encode() not in stored, secret
        assert secret.encode("utf-16-le") not in stored, secret
    assert b'"__t"' not in stored  # not even the state's shape in clear


async def test_an_offboarded_tenants_snapshot_is_not_used_and_its_case_reads_as_erased(
    runtime: Runtime, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 150, "worked")
    head = (await loaded(runtime, tenant.id, case_id)).version
    assert len(await snapshot_rows(owner, case_id)) == 1
    await runtime.data_keys.offboard(
        tenant.id, reason="contract ended", by="platform", now=runtime.clock.now()
    )
    spy = Spy(runtime.snapshots, monkeypatch)
    case = await loaded(runtime, tenant.id, case_id)
    assert spy.opened == [(head, False)]
    assert (case.summary, case.complainant, case.notes[0]["text"]) == (ERASED, {}, ERASED)
    assert typed(case) == typed(await replayed(runtime, tenant.id, case_id))
    assert await snapshot_rows(owner, case_id) == []  # dropped: it can never open again


@pytest.mark.parametrize(
    "alteration",
    [
        "UPDATE snapshots SET sealed = overlay(sealed PLACING '\\x00'::bytea FROM 40 FOR 1)",
        "UPDATE snapshots SET event_hash = sha256(event_hash)",
        "UPDATE snapshots SET key_version = key_version + 7",
        "UPDATE snapshots SET sealed = substring(sealed FROM 1 FOR 8)",
    ],
)
async def test_an_altered_snapshot_is_ignored_and_the_case_replays_from_its_events(
    runtime: Runtime, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch, alteration: str
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 120, "worked")
    head = (await loaded(runtime, tenant.id, case_id)).version
    await owner.execute(f"{alteration} WHERE originator_id = $1", case_id)
    spy = Spy(runtime.snapshots, monkeypatch)
    case = await loaded(runtime, tenant.id, case_id)
    assert spy.opened == [(head, False)]
    assert typed(case) == typed(await replayed(runtime, tenant.id, case_id))


async def test_a_snapshot_moved_onto_another_case_does_not_open_there(
    runtime: Runtime, owner: asyncpg.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    source = await file_long_case(runtime, tenant, 120)
    target = await file_long_case(runtime, tenant, 110)
    await loaded(runtime, tenant.id, source)
    # the row under the target's id, naming the target's own event at that version: only the
    # seal (its associated data names the source) tells them apart
    await owner.execute(
        "INSERT INTO snapshots (tenant_id, originator_id, shape, originator_version, topic,"
        "                       key_version, event_hash, sealed)"
        " SELECT s.tenant_id, $2, s.shape, 105, s.topic, s.key_version, e.hash, s.sealed"
        "   FROM snapshots s JOIN events e ON e.originator_id = $2 AND e.originator_version = 105"
        "  WHERE s.originator_id = $1",
        source,
        target,
    )
    spy = Spy(runtime.snapshots, monkeypatch)
    case = await loaded(runtime, tenant.id, target)
    assert spy.opened == [(105, False)]
    assert typed(case) == typed(await replayed(runtime, tenant.id, target))


async def test_a_lost_snapshot_changes_nothing_but_is_taken_again(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 130)
    before = await loaded(runtime, tenant.id, case_id)
    await owner.execute("DELETE FROM snapshots WHERE originator_id = $1", case_id)
    assert typed(await loaded(runtime, tenant.id, case_id)) == typed(before)
    assert len(await snapshot_rows(owner, case_id)) == 1


async def test_the_snapshots_table_is_a_cache_the_ledger_does_not_hold(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(runtime, POLICY)
    case_id = await file_long_case(runtime, tenant, 120)
    events = await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", tenant.id)
    await loaded(runtime, tenant.id, case_id)
    assert len(await snapshot_rows(owner, case_id)) == 1
    assert (
        await owner.fetchval("SELECT count(*) FROM events WHERE tenant_id = $1", tenant.id)
        == events
    )
    assert (await owner.fetchrow("SELECT * FROM ledger_verify($1)", tenant.id))["ok"]
