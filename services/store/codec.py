"""Domain events to and from stored bytes, through eventsourcing's Mapper and JSON transcoder,
with each tenant's personal fields sealed by its own key (services/personal_data.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID

from asyncpg import Record
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    UUIDAsHex,
)
from eventsourcing.utils import get_topic

from domain.tenant import Tenant
from projections.changes import Envelope
from services.store.data_keys import KeyProvider
from services.store.event_state import state_reader
from services.store.personal_data import (
    Place,
    erased,
    is_sealed,
    key_version,
    personal_fields,
    seal,
    unseal,
)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class TenantMapper(Mapper):
    """``encode`` and ``decode`` take the tenant whose key seals its personal fields.

    Without a key provider (tools that build synthetic ledgers, such as bench/) personal
    fields are written in clear and sealed ones are left sealed, never guessed at. With one,
    ``to_stored_event`` refuses an event with personal fields: it would write them in clear.
    Decoding accepts fields in clear too (rows written before sealing, or by such tools).
    Sealed fields open after upcasting, so an upcaster must not rename a personal field (its
    ciphertext is bound to the name): add a field instead.
    """

    def __init__(self, transcoder: JSONTranscoder, keys: KeyProvider | None = None) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys

    def encode(self, tenant_id: UUID, event: Any) -> StoredEvent:
        if self.keys is None:
            return super().to_stored_event(event)
        # Every write asks for the key, so an offboarded tenant takes no new event at all.
        key_version, key = self.keys.current(tenant_id)
        state = dict(vars(event))
        for name in personal_fields(get_topic(type(event))):
            if state.get(name) is not None:
                place = Place(tenant_id, state["originator_id"], state["originator_version"], name)
                state[name] = seal(key, key_version, place, self.transcoder.encode(state[name]))
        sealed = object.__new__(type(event))
        object.__setattr__(sealed, "__dict__", state)
        return super().to_stored_event(sealed)

    def decode(self, tenant_id: UUID, stored: StoredEvent) -> Any:
        event = super().to_domain_event(stored)
        self.open_sealed(
            tenant_id, stored.topic, stored.originator_id, stored.originator_version, vars(event)
        )
        return event

    def open_sealed(
        self, tenant_id: UUID, topic: str, originator_id: Any, version: int, state: dict[str, Any]
    ) -> None:
        """Open, in place, the sealed fields of a decoded event's state."""
        if self.keys is None:
            return
        keys: dict[int, bytes | None] = {}
        for name, value in state.items():
            if is_sealed(value):
                key_at = key_version(value)
                if key_at not in keys:
                    keys[key_at] = self.keys.get(tenant_id, key_at)
                place = Place(tenant_id, originator_id, version, name)
                plaintext = unseal(keys[key_at], place, value)
                state[name] = (
                    erased(topic, name) if plaintext is None else self.transcoder.decode(plaintext)
                )

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        if self.keys is not None and personal_fields(get_topic(type(domain_event))):
            raise TypeError("an event with personal fields is stored through encode(tenant, …)")
        return super().to_stored_event(domain_event)


def make_mapper(keys: KeyProvider | None = None) -> TenantMapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr(), DateAsISO()):
        transcoder.register(transcoding)
    return TenantMapper(transcoder, keys)


def tenant_of(aggregate: Aggregate) -> UUID:
    """Whose key seals an aggregate's events: a tenant's own, or the one it belongs to."""
    if isinstance(aggregate, Tenant):
        return aggregate.id
    tenant_id = getattr(aggregate, "tenant_id", None)
    if not isinstance(tenant_id, UUID):
        raise TypeError(f"{type(aggregate).__name__} names no tenant_id to seal its events")
    return tenant_id


def envelope_decoder(mapper: TenantMapper) -> Callable[[Record], Envelope]:
    """Decode a ledger row for the views: the domain event's attributes, plus its place.

    The attributes are read without building the event (``services/event_state.py``): a
    rebuild decodes every event of a tenant, and building the event was most of decoding."""
    read_state = state_reader(mapper)
    names: dict[str, tuple[str, str]] = {}  # topic -> (aggregate, event name)
    uuids: dict[UUID, UUID] = {}  # asyncpg's -> the standard library's, as the mapper gives

    def plain(value: UUID) -> UUID:
        found = uuids.get(value)
        if found is None:
            if len(uuids) >= 100_000:
                uuids.clear()
            found = uuids[value] = UUID(int=value.int)
        return found

    def decode(row: Record) -> Envelope:
        originator = plain(row["originator_id"])
        tenant_id = plain(row["tenant_id"])
        topic, version = row["topic"], row["originator_version"]
        data = read_state(tenant_id, topic, originator, version, row["state"])
        if topic not in names:
            path = topic.partition(":")[2].split(".")
            names[topic] = (path[0], path[-1])
        aggregate, name = names[topic]
        return Envelope(
            tenant_id=row["tenant_id"],
            seq=row["seq"],
            recorded_at=row["recorded_at"],
            originator_id=originator,
            version=version,
            aggregate=aggregate,
            name=name,
            data=data,
        )

    return decode
