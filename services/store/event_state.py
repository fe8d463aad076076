"""A stored event's state as the domain event's attributes would hold it, without the event.

The views need an event's attributes, not the event object: msgspec reads the stored JSON into
a dict, and the transcoder's tagged values (``{"_type_": name, "_data_": value}``) are revived
by the transcoder's own transcodings, innermost first, as its JSON decoder's object hook does.
Personal fields open as the mapper opens them. What this cannot read the same way (an event
class with a class version, hence upcasters; a stored class version; JSON that only Python's
decoder accepts, such as NaN; a tag no transcoding names) goes through the mapper, which stays
the reference.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

import msgspec
from eventsourcing.persistence import Cipher, Compressor, JSONTranscoder, StoredEvent, Transcoder
from eventsourcing.utils import resolve_topic


class TenantMapper(Protocol):
    """What this reads of services/store/codec.py's mapper (so neither imports the other)."""

    transcoder: Transcoder
    cipher: Cipher | None
    compressor: Compressor | None

    def decode(self, tenant_id: UUID, stored: StoredEvent) -> Any: ...

    def open_sealed(
        self, tenant_id: UUID, topic: str, originator_id: UUID, version: int, state: dict
    ) -> None: ...


# (tenant, topic, originator, version, stored bytes) -> the event's attributes
ReadState = Callable[[UUID, str, UUID, int, bytes], dict[str, Any]]

TAG, DATA = "_type_", "_data_"


def state_reader(mapper: TenantMapper) -> ReadState:
    transcoder = mapper.transcoder
    direct_possible = (
        isinstance(transcoder, JSONTranscoder) and mapper.cipher is None and not mapper.compressor
    )
    revivers = {name: t.decode for name, t in getattr(transcoder, "names", {}).items()}
    decode_json = msgspec.json.Decoder().decode
    direct_topics: dict[str, bool] = {}

    def revive(value: Any) -> Any:
        if type(value) is list:
            for i, item in enumerate(value):
                if type(item) is dict or type(item) is list:
                    value[i] = revive(item)
            return value
        for key, item in value.items():
            if type(item) is dict:
                data = item.get(DATA)
                if len(item) == 2 and type(data) is str and TAG in item:
                    value[key] = revivers[item[TAG]](data)  # the usual leaf: no recursion
                else:
                    value[key] = revive(item)
            elif type(item) is list:
                value[key] = revive(item)
        if len(value) == 2 and TAG in value and DATA in value:
            return revivers[value[TAG]](value[DATA])
        return value

    def direct(topic: str) -> bool:
        known = direct_topics.get(topic)
        if known is None:
            cls = resolve_topic(topic)  # an unknown topic fails here as in the mapper
            known = direct_topics[topic] = direct_possible and (
                getattr(cls, "class_version", 1) == 1
            )
        return known

    def read(
        tenant_id: UUID, topic: str, originator_id: UUID, version: int, stored: bytes
    ) -> dict[str, Any]:
        state = None
        if direct(topic):
            try:
                state = revive(decode_json(stored))
            except Exception:  # the mapper says what is wrong with it, or reads it after all
                state = None
        if type(state) is not dict or "class_version" in state:
            event = mapper.decode(tenant_id, StoredEvent(originator_id, version, topic, stored))
            return vars(event)
        state["originator_id"] = originator_id
        state["originator_version"] = version
        mapper.open_sealed(tenant_id, topic, originator_id, version, state)
        return state

    return read
