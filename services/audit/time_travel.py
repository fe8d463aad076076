"""A case step by step: its state right after each recorded event, as replay rebuilds it.

Replay re-applies what was recorded and never asks a policy again, so each step is exactly
the state the service held after that event.

``moments`` is pure (rows in, steps out) so that it can run in a process of its own
(services/audit/heavy.py): a long case's replay is seconds of Python. Each step hands over
the live case, to be read (or encoded) before the next step changes it; copying it at every
step would cost the square of the case's length.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain.complaint import Complaint
from services.store.codec import TenantMapper
from services.store.ledger import ORIGINATOR_EVENTS
from services.store.repository import NotFound

# seq, version, topic, state, recorded_at: one ledger row, as plain data that pickles cheaply
Row = tuple[int, int, str, bytes, datetime]
FILED = get_topic(Complaint.Filed)


@dataclass(frozen=True)
class Moment:
    seq: int
    recorded_at: datetime
    event: Any  # the domain event
    case: Complaint  # the live case right after the event: read it before the next step


async def case_rows(pool: asyncpg.Pool, tenant_id: UUID, case_id: UUID) -> list[Row]:
    """The case's ledger rows in version order; ``NotFound`` unless it is the tenant's case."""
    records = await pool.fetch(ORIGINATOR_EVENTS, tenant_id, case_id, 0, None)
    if not records or records[0]["topic"] != FILED:
        raise NotFound("complaint", case_id)
    return [
        (r["seq"], r["originator_version"], r["topic"], r["state"], r["recorded_at"])
        for r in records
    ]


def moments(
    mapper: TenantMapper, tenant_id: UUID, case_id: UUID, rows: Sequence[Row]
) -> Iterator[Moment]:
    case: Any = None
    for seq, version, topic, state, recorded_at in rows:
        event = mapper.decode(tenant_id, StoredEvent(case_id, version, topic, state))
        case = event.mutate(case)
        if not isinstance(case, Complaint):
            raise ValueError(f"{case_id} is not a complaint")  # case_rows checked its start
        yield Moment(seq, recorded_at, event, case)
