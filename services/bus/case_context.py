"""What a case looked like when an event was recorded: its summary and its level, read from the
case's own earlier events, so a message relayed again years later says what was said then; and
the policy it was filed under, which says what each role's copy may carry."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from domain.complaint import Complaint
from projections.changes import Envelope
from services.bus.messages import CaseContext

# The case's first event (its summary) and every change of level, up to the batch's end.
CONTEXT = """
SELECT tenant_id, seq, originator_id, originator_version, topic, state, recorded_at
  FROM events
 WHERE tenant_id = $1 AND originator_id = ANY($2::uuid[]) AND seq <= $3
   AND (originator_version = 1 OR topic = ANY($4::text[]))
 ORDER BY seq
"""
LEVEL_TOPICS = [get_topic(Complaint.Classified), get_topic(Complaint.Escalated)]


async def case_contexts(
    conn: asyncpg.Connection,
    decode: Callable[[asyncpg.Record], Envelope],
    tenant_id: UUID,
    events: list[Envelope],
) -> dict[int, CaseContext]:
    """Each event's case context, by seq; ``events`` in ledger order."""
    cases = list({e.originator_id for e in events})
    rows = await conn.fetch(CONTEXT, tenant_id, cases, events[-1].seq, LEVEL_TOPICS)
    return contexts_at(events, [decode(r) for r in rows])


def contexts_at(events: list[Envelope], history: list[Envelope]) -> dict[int, CaseContext]:
    """Each event's case context: a walk of the cases' history in ledger order, taking each
    event's snapshot once everything recorded up to it has been applied."""
    summary: dict[UUID, str] = {}
    level: dict[UUID, int] = {}
    policy: dict[UUID, str] = {}
    found: dict[int, CaseContext] = {}
    pending = iter(events)
    upcoming = next(pending, None)
    for earlier in [*history, None]:
        while upcoming is not None and (earlier is None or upcoming.seq < earlier.seq):
            case = upcoming.originator_id
            found[upcoming.seq] = CaseContext(
                summary.get(case, ""), level.get(case, 0), policy.get(case, "")
            )
            upcoming = next(pending, None)
        if earlier is None:
            break
        case = earlier.originator_id
        if earlier.name == "Filed":
            summary[case] = earlier.data.get("summary", "")
            policy[case] = earlier.data.get("policy", "")
        elif earlier.name == "Classified":
            level[case] = earlier.data["level"]
        elif earlier.name == "Escalated":
            level[case] = earlier.data["to_level"]
    return found
