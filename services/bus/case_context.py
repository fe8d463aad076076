"""What a case looked like when an event was recorded: its summary and its level, read from the
case's own earlier events, so a message relayed again years later says what was said then; and
the policy it was filed under, which says what each role's copy may carry; and where the
event's unit sat in the tenant's tree then (its path from the top), which a webhook for a unit
reads to know the copy is of a case in that unit or below it."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

import asyncpg
from eventsourcing.utils import get_topic

from domain.complaint import Complaint
from domain.tenant import Tenant
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
# The tenant's tree as it was: every unit added or put under another, up to the batch's end.
TREE = """
SELECT tenant_id, seq, originator_id, originator_version, topic, state, recorded_at
  FROM events
 WHERE tenant_id = $1 AND originator_id = $1 AND seq <= $2 AND topic = ANY($3::text[])
 ORDER BY seq
"""
TREE_TOPICS = [get_topic(Tenant.UnitAdded), get_topic(Tenant.UnitChanged)]


async def case_contexts(
    conn: asyncpg.Connection,
    decode: Callable[[asyncpg.Record], Envelope],
    tenant_id: UUID,
    events: list[Envelope],
) -> dict[int, CaseContext]:
    """Each event's case context, by seq; ``events`` in ledger order."""
    cases = list({e.originator_id for e in events})
    rows = await conn.fetch(CONTEXT, tenant_id, cases, events[-1].seq, LEVEL_TOPICS)
    history = [decode(r) for r in rows]
    if any(e.data.get("unit_id") for e in events):
        tree = await conn.fetch(TREE, tenant_id, events[-1].seq, TREE_TOPICS)
        history = sorted([*history, *(decode(r) for r in tree)], key=lambda e: e.seq)
    return contexts_at(events, history)


def contexts_at(events: list[Envelope], history: list[Envelope]) -> dict[int, CaseContext]:
    """Each event's case context: a walk of the cases' history in ledger order, taking each
    event's snapshot once everything recorded up to it has been applied."""
    summary: dict[UUID, str] = {}
    level: dict[UUID, int] = {}
    policy: dict[UUID, str] = {}
    parent: dict[str, str | None] = {}  # the tenant's tree: each unit's parent
    found: dict[int, CaseContext] = {}
    pending = iter(events)
    upcoming = next(pending, None)
    for earlier in [*history, None]:
        while upcoming is not None and (earlier is None or upcoming.seq < earlier.seq):
            case = upcoming.originator_id
            found[upcoming.seq] = CaseContext(
                summary.get(case, ""),
                level.get(case, 0),
                policy.get(case, ""),
                unit_path(parent, upcoming.data.get("unit_id")),
            )
            upcoming = next(pending, None)
        if earlier is None:
            break
        case = earlier.originator_id
        if earlier.aggregate == "Tenant":
            parent[earlier.data["unit_id"]] = earlier.data.get("parent")
        elif earlier.name == "Filed":
            summary[case] = earlier.data.get("summary", "")
            policy[case] = earlier.data.get("policy", "")
        elif earlier.name == "Classified":
            level[case] = earlier.data["level"]
        elif earlier.name == "Escalated":
            level[case] = earlier.data["to_level"]
    return found


def unit_path(parent: dict[str, str | None], unit_id: str | None) -> tuple[str, ...]:
    """The units from the top down to ``unit_id`` in the tree ``parent`` describes; a unit
    the tree does not hold (a ledger written before its UnitAdded was read) stands alone."""
    chain: list[str] = []
    while unit_id is not None and unit_id not in chain:
        chain.append(unit_id)
        unit_id = parent.get(unit_id)
    return tuple(reversed(chain))
