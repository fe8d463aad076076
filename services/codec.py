"""Domain events to and from stored bytes, through eventsourcing's Mapper and JSON transcoder."""

from __future__ import annotations

from datetime import date

from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Mapper,
    Transcoding,
    UUIDAsHex,
)


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
