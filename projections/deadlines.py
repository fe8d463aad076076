"""Every deadline a policy started, with its state: open, paused, met, missed or cancelled (its
work no longer wanted: neither met nor missed, so never counted in the SLA)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from projections.changes import Change, Delete, Envelope, Patch, Upsert, View

TABLES = ("deadlines",)


def project(e: Envelope) -> list[Change]:
    if e.aggregate == "Tenant" and e.name == "Offboarded":
        # an offboarded tenant's deadlines run no more: the watcher must not wait on them
        return [Delete("deadlines", {"tenant_id": e.tenant_id, "state": "open"})]
    if e.aggregate != "Complaint" or not e.name.startswith("Deadline"):
        return []
    d = e.data
    key = {"tenant_id": e.tenant_id, "case_id": e.originator_id, "deadline_id": d["deadline_id"]}
    match e.name:
        case "DeadlineStarted":
            return [
                Upsert(
                    "deadlines",
                    tuple(key),
                    {
                        **key,
                        "kind": d["kind"],
                        "rule": d["rule"],
                        "roles": list(d["roles"]),
                        "started_at": e.at,
                        "due_at": d["due_at"],
                        "state": "open",
                        "ended_at": None,
                    },
                )
            ]
        case "DeadlineMet":
            return [Patch("deadlines", key, {"state": "met", "ended_at": e.at})]
        case "DeadlineMissed":
            return [Patch("deadlines", key, {"state": "missed", "ended_at": e.at})]
        case "DeadlineCancelled":
            return [Patch("deadlines", key, {"state": "cancelled", "ended_at": e.at})]
        case "DeadlinePaused":
            return [Patch("deadlines", key, {"state": "paused"})]
        case "DeadlineResumed":
            return [Patch("deadlines", key, {"state": "open", "due_at": d["due_at"]})]
        case "DeadlineExtended":
            return [Patch("deadlines", key, {"due_at": d["due_at"]})]
    return []


VIEW = View("deadlines", TABLES, project)


async def list_deadlines(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    state: str,
    now: datetime,
    limit: int = 200,
    after: tuple[datetime, UUID, str] | None = None,
) -> list[asyncpg.Record]:
    """``open``: running and not yet due; ``overdue``: past due and not met. Soonest due
    first; ``after`` the (due_at, case_id, deadline_id) of the last row of the page before."""
    condition = {
        "open": "state = 'open' AND due_at >= $3",
        "overdue": "(state = 'missed' OR (state = 'open' AND due_at < $3))",
    }[state]
    args: list[object] = [tenant_id, limit, now]
    if after is not None:
        condition += " AND (due_at, case_id, deadline_id) > ($4, $5, $6)"
        args += after
    return await conn.fetch(
        f"SELECT case_id, deadline_id, kind, rule, roles, started_at, due_at, state"
        f"  FROM deadlines WHERE tenant_id = $1 AND {condition}"
        f" ORDER BY due_at, case_id, deadline_id LIMIT $2",
        *args,
    )
