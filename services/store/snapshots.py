"""Snapshots of long aggregates: a cache beside the ledger, never part of it.

eventsourcing's idea (``Snapshot.take`` / ``Snapshot.mutate``): keep an aggregate's state at
some version, and load it as that state plus the events recorded after it. Here a snapshot is
a row of the ``snapshots`` table (migration 040), never an event, so the ledger and its hash
chain stay the only record:

- **Sealed whole.** The state holds the complainant's name and contact, the summary, every
  note: it is AES-256-GCM with the tenant's current data key (services/store/data_keys.py),
  with associated data naming the tenant, aggregate, version, class, code and the ledger row
  it follows, so a row opens for that place only. Once the tenant's keys are destroyed
  (offboarding) it no longer opens, and loading replays the events, which read as erased.
- **Bound to the ledger.** A snapshot names the chain hash of the event at its version; it is
  used only while that row still carries that hash (the hash covers every earlier row of the
  tenant, so every event the snapshot summarises).
- **Bound to the code.** It names a fingerprint of the aggregate's source (``shape``):
  another version of the code reads it as unusable instead of trusting a state it might no
  longer produce.
- **Exact in time.** ``as_of`` uses only a snapshot whose events were all recorded by then.
- **A cache.** Anything unusable (missing, altered, another shape, keys destroyed) falls back
  to replaying events; nothing but speed depends on a snapshot.

The state travels as JSON with explicit tags for what JSON lacks (tuples, UUIDs, datetimes,
enums, dataclasses ...), so a restored aggregate equals the replayed one value for value and
type for type; classes are resolved only from the ``domain`` package. A state holding anything
else is not snapshotted.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import functools
import hashlib
import inspect
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from importlib.metadata import version as package_version
from types import ModuleType
from typing import Any
from uuid import UUID

import asyncpg
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from services.store.data_keys import KeyNotFound, KeyProvider, KeysDestroyed
from services.store.ledger import RecordedEvent
from services.store.tenant_rows import tenant_transaction

log = logging.getLogger(__name__)

NONCE_BYTES = 12
KEEP = 4  # snapshots kept per aggregate (the newest): older ones serve only old as_of reads
CLASSES_FROM = ("domain.",)  # the only modules a snapshot may name a class of
TAG = "__t"

# One round trip: the newest usable snapshot (if any) and the events from its version on.
# The snapshot's own event comes back too, to check its hash. With as_of, a snapshot is
# usable only if every event up to its version was recorded by then (versions are not
# promised to be in recorded_at order, so this asks exactly that). Migration 041.
LOAD = "SELECT * FROM snapshot_load($1, $2, $3, $4)"

EVENTS = """
SELECT originator_version, seq, topic, state, recorded_at, hash
  FROM ledger_originator_events($1, $2, 0, $3)
"""

# Keep the newest KEEP snapshots of the aggregate for this shape; those of other shapes can
# never be used again.
SAVE = f"""
WITH saved AS (
    INSERT INTO snapshots (tenant_id, originator_id, originator_version, topic, shape,
                           key_version, event_hash, sealed)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
    ON CONFLICT DO NOTHING
    RETURNING originator_version
)
DELETE FROM snapshots s
 WHERE s.tenant_id = $1 AND s.originator_id = $2
   AND (s.shape <> $5 OR s.originator_version < (
        SELECT min(k.originator_version) FROM (
            SELECT originator_version FROM snapshots
             WHERE tenant_id = $1 AND originator_id = $2 AND shape = $5
             ORDER BY originator_version DESC LIMIT {KEEP - 1}) k))
"""

FORGET = """
DELETE FROM snapshots
 WHERE tenant_id = $1 AND originator_id = $2 AND shape = $3 AND originator_version = $4
"""


class Unsnapshottable(TypeError):
    """The state holds a value the snapshot codec does not carry exactly."""


# --- the state as JSON, exactly ---------------------------------------------------------


def encode_state(state: Any) -> bytes:
    return json.dumps(_pack(state), separators=(",", ":"), ensure_ascii=False).encode()


def decode_state(data: bytes) -> Any:
    return json.loads(data, object_hook=_unpack)


def _pack(value: Any) -> Any:
    kind = type(value)
    if value is None or kind is str or kind is int or kind is float or kind is bool:
        return value
    if kind is list:
        return [_pack(v) for v in value]
    if kind is dict:
        if TAG not in value and all(type(k) is str for k in value):
            return {k: _pack(v) for k, v in value.items()}
        return {TAG: "dict", "v": [[_pack(k), _pack(v)] for k, v in value.items()]}
    if kind is tuple:
        return {TAG: "tuple", "v": [_pack(v) for v in value]}
    if kind is UUID:
        return {TAG: "uuid", "v": value.hex}
    if kind is datetime:
        return {TAG: "datetime", "v": value.isoformat()}
    if kind is date:
        return {TAG: "date", "v": value.isoformat()}
    if kind is time:
        return {TAG: "time", "v": value.isoformat()}
    if kind is Decimal:
        return {TAG: "decimal", "v": str(value)}
    if kind is set or kind is frozenset:
        return {TAG: kind.__name__, "v": [_pack(v) for v in value]}
    if isinstance(value, Enum):
        return {TAG: "enum", "c": _topic(kind), "v": _pack(value.value)}
    if dataclasses.is_dataclass(value) and hasattr(value, "__dict__"):
        return {TAG: "object", "c": _topic(kind), "v": _pack(dict(vars(value)))}
    raise Unsnapshottable(f"no exact snapshot of a {kind.__module__}.{kind.__qualname__}")


def _unpack(packed: dict[str, Any]) -> Any:
    tag = packed.get(TAG)
    if tag is None:
        return packed
    value = packed["v"]
    if tag == "tuple":
        return tuple(value)
    if tag == "uuid":
        return UUID(hex=value)
    if tag == "datetime":
        return datetime.fromisoformat(value)
    if tag == "dict":
        return {k: v for k, v in value}
    if tag == "enum":
        return _class(packed["c"])(value)
    if tag == "object":
        made = object.__new__(_class(packed["c"]))
        made.__dict__.update(value)
        return made
    if tag == "date":
        return date.fromisoformat(value)
    if tag == "time":
        return time.fromisoformat(value)
    if tag == "decimal":
        return Decimal(value)
    if tag == "set":
        return set(value)
    if tag == "frozenset":
        return frozenset(value)
    raise ValueError(f"unknown tag {tag!r} in a snapshot")


def _topic(cls: type) -> str:
    topic = get_topic(cls)
    if not topic.startswith(CLASSES_FROM):
        raise Unsnapshottable(f"{topic} is not a domain class")
    return topic


@functools.lru_cache(maxsize=256)
def _class(topic: str) -> type:
    if not topic.startswith(CLASSES_FROM):
        raise ValueError(f"a snapshot names {topic}, which is not a domain class")
    found = resolve_topic(topic)
    if not isinstance(found, type):
        raise ValueError(f"{topic} is not a class")
    return found


@functools.lru_cache(maxsize=64)
def shape(cls: type) -> str:
    """A fingerprint of the code that builds ``cls``'s state: its module's source and that of
    the domain modules it takes names from, and eventsourcing's version. Any change makes
    existing snapshots of ``cls`` unusable (they are replaced as cases are loaded)."""
    module = sys.modules[cls.__module__]
    modules: dict[str, ModuleType] = {module.__name__: module}
    for value in vars(module).values():
        found = (
            value
            if isinstance(value, ModuleType)
            else sys.modules.get(getattr(value, "__module__", None) or "")
        )
        if found is not None and found.__name__.startswith(CLASSES_FROM):
            modules[found.__name__] = found
    digest = hashlib.sha256(f"{get_topic(cls)}\n{package_version('eventsourcing')}\n".encode())
    for name in sorted(modules):
        try:
            source = inspect.getsource(modules[name])
        except (OSError, TypeError):
            source = f"class_version {getattr(cls, 'class_version', 1)}"
        digest.update(f"{name}\n{source}\n".encode())
    return digest.hexdigest()[:16]


# --- sealing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """What a sealed snapshot belongs to: its associated data, so it opens nowhere else."""

    tenant_id: UUID
    originator_id: UUID
    version: int
    topic: str
    shape: str
    event_hash: bytes

    def associated_data(self) -> bytes:
        return (
            f"complaints-snapshot/1\n{self.tenant_id}\n{self.originator_id}\n{self.version}\n"
            f"{self.topic}\n{self.shape}\n{self.event_hash.hex()}"
        ).encode()


def seal(key: bytes, place: Place, plaintext: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, place.associated_data())


def unseal(key: bytes, place: Place, sealed: bytes) -> bytes:
    """The plaintext; ``InvalidTag`` when the row was altered or moved."""
    return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], place.associated_data())


# --- the store --------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """A ledger row as loading needs it: the recorded event and the row's chain hash."""

    recorded: RecordedEvent
    hash: bytes


@dataclass(frozen=True)
class Stored:
    """A snapshot row as read, still sealed."""

    version: int
    topic: str
    key_version: int
    event_hash: bytes
    sealed: bytes


@dataclass(frozen=True)
class Fetched:
    snapshot: Stored | None
    rows: list[Row]  # from the snapshot's version on (all of them without a snapshot)


@dataclass(frozen=True)
class Taken:
    """A snapshot ready to write: sealed, with what its row names."""

    tenant_id: UUID
    originator_id: UUID
    version: int
    topic: str
    shape: str
    key_version: int
    event_hash: bytes
    sealed: bytes


class Snapshots:
    """Reads, seals, opens and writes snapshots of the aggregate classes in ``kinds``.

    ``every``: a load that had to apply at least this many events past its snapshot (or from
    the start) leaves a snapshot of what it loaded; 0 turns snapshots off. Writes go out in
    the background: a request never waits for one, and a failed one is only logged.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        keys: KeyProvider,
        every: int = 100,
        kinds: Iterable[type[Aggregate]] = (),
    ) -> None:
        self.pool = pool
        self.keys = keys
        self.every = every
        self.kinds = frozenset(kinds)
        self._writing: set[asyncio.Task[None]] = set()

    def covers(self, cls: type) -> bool:
        return self.every > 0 and cls in self.kinds

    async def fetch(
        self,
        tenant_id: UUID,
        originator_id: UUID,
        cls: type,
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> Fetched:
        records = await (conn or self.pool).fetch(LOAD, tenant_id, originator_id, shape(cls), as_of)
        snapshot = None
        if records and records[0]["part"] == 0:
            first = records[0]
            snapshot = Stored(
                first["originator_version"],
                first["topic"],
                first["key_version"],
                first["hash"],
                first["state"],
            )
            records = records[1:]
        return Fetched(snapshot, _rows(originator_id, records))

    async def events(
        self,
        tenant_id: UUID,
        originator_id: UUID,
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> list[Row]:
        """Every event of the aggregate (recorded by ``as_of``), as when no snapshot helps."""
        records = await (conn or self.pool).fetch(EVENTS, tenant_id, originator_id, as_of)
        return _rows(originator_id, records)

    def open(
        self, tenant_id: UUID, originator_id: UUID, cls: type, stored: Stored, row: Row | None
    ) -> Aggregate | None:
        """The aggregate the snapshot holds, or None when it cannot be used: it does not
        follow ``row`` (the ledger's event at its version), its tenant's keys are destroyed,
        or it does not open (altered, moved, or naming a key that does not exist)."""
        place = Place(
            tenant_id, originator_id, stored.version, stored.topic, shape(cls), stored.event_hash
        )
        if (
            row is None
            or row.recorded.stored.originator_version != stored.version
            or row.hash != stored.event_hash
            or stored.topic != get_topic(cls)
        ):
            self._forget_later(place)
            return None
        try:
            key = self.keys.get(tenant_id, stored.key_version)
        except KeyNotFound:  # a key version no key store has: the row was altered
            return None  # (if the keys were lost, the events say so when replayed)
        if key is None:  # crypto-shredded: what it sealed is gone for good
            self._forget_later(place)
            return None
        try:
            state = decode_state(unseal(key, place, stored.sealed))
            aggregate = Snapshot(
                originator_id=originator_id,
                originator_version=stored.version,
                timestamp=Snapshot.create_timestamp(),
                topic=stored.topic,
                state=state,
            ).mutate(None)
        except (InvalidTag, ValueError, TypeError, KeyError, AttributeError):
            log.warning(
                "snapshot of %s v%s (tenant %s) does not open; replaying its events",
                originator_id,
                stored.version,
                tenant_id,
            )
            self._forget_later(place)
            return None
        return aggregate if isinstance(aggregate, cls) else None

    def take(self, tenant_id: UUID, aggregate: Aggregate, event_hash: bytes) -> Taken | None:
        """Seal the aggregate's state now (before its caller changes it); None when it cannot
        be: the tenant's keys are destroyed, or the state holds a value the codec refuses."""
        try:
            version, key = self.keys.current(tenant_id)
        except (KeysDestroyed, KeyNotFound):
            return None
        snapshot = Snapshot.take(aggregate)
        cls = type(aggregate)
        place = Place(
            tenant_id, aggregate.id, aggregate.version, snapshot.topic, shape(cls), event_hash
        )
        try:
            plaintext = encode_state(snapshot.state)
        except (Unsnapshottable, ValueError) as error:
            log.warning("no snapshot of %s: %s", get_topic(cls), error)
            return None
        return Taken(
            tenant_id,
            aggregate.id,
            aggregate.version,
            snapshot.topic,
            place.shape,
            version,
            event_hash,
            seal(key, place, plaintext),
        )

    async def save(self, taken: Taken) -> None:
        async with tenant_transaction(self.pool, taken.tenant_id) as conn:
            await conn.execute(
                SAVE,
                taken.tenant_id,
                taken.originator_id,
                taken.version,
                taken.topic,
                taken.shape,
                taken.key_version,
                taken.event_hash,
                taken.sealed,
            )

    def save_later(self, taken: Taken) -> None:
        self._later(self.save(taken), f"saving a snapshot of {taken.originator_id}")

    def _forget_later(self, place: Place) -> None:
        async def forget() -> None:
            async with tenant_transaction(self.pool, place.tenant_id) as conn:
                await conn.execute(
                    FORGET, place.tenant_id, place.originator_id, place.shape, place.version
                )

        self._later(forget(), f"dropping an unusable snapshot of {place.originator_id}")

    def _later(self, work: Any, what: str) -> None:
        async def run() -> None:
            try:
                await work
            except (asyncpg.PostgresError, OSError, asyncpg.InterfaceError):
                log.warning("%s failed", what, exc_info=True)

        task = asyncio.get_running_loop().create_task(run())
        self._writing.add(task)
        task.add_done_callback(self._writing.discard)

    async def settled(self) -> None:
        """Wait for the writes in flight (tests, and closing)."""
        while self._writing:
            await asyncio.gather(*list(self._writing), return_exceptions=True)

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), 5)


def _rows(originator_id: UUID, records: Sequence[asyncpg.Record]) -> list[Row]:
    originator_id = UUID(int=originator_id.int)  # asyncpg's UUID subclass would not transcode
    return [
        Row(
            RecordedEvent(
                seq=r["seq"],
                recorded_at=r["recorded_at"],
                stored=StoredEvent(originator_id, r["originator_version"], r["topic"], r["state"]),
            ),
            r["hash"],
        )
        for r in records
    ]
