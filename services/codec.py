"""Domain events to and from stored bytes, through eventsourcing's Mapper and JSON transcoder."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from asyncpg import Record
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    StoredEvent,
    Transcoding,
    UUIDAsHex,
)

from projections.changes import Envelope


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


def make_mapper() -> Mapper:
    transcoder = JSONTranscoder()
    for transcoding in (UUIDAsHex(), DatetimeAsISO(), DecimalAsStr(), DateAsISO()):
        transcoder.register(transcoding)
    return Mapper(transcoder=transcoder)


def envelope_decoder(mapper: Mapper) -> Callable[[Record], Envelope]:
    """Decode a ledger row for the views: the domain event's attributes, plus its place."""

    def decode(row: Record) -> Envelope:
        originator = UUID(int=row["originator_id"].int)
        stored = StoredEvent(originator, row["originator_version"], row["topic"], row["state"])
        event = mapper.to_domain_event(stored)
        path = row["topic"].partition(":")[2].split(".")
        return Envelope(
            tenant_id=row["tenant_id"],
            seq=row["seq"],
            recorded_at=row["recorded_at"],
            originator_id=originator,
            version=row["originator_version"],
            aggregate=path[0],
            name=path[-1],
            data=vars(event),
        )

    return decode
