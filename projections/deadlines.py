"""Every deadline a policy started, with its state: open, paused, met, missed or cancelled (its
work no longer wanted: neither met nor missed, so never counted in the SLA)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from uuid import UUID

import asyncpg

from projections.changes import Change, Delete, Envelope, Patch, Upsert, View

TABLES = ("deadlines", "deadline_pauses")


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
                        "remind_at": first_reminder(d.get("reminders")),
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
            resumed = {"state": "open", "due_at": d["due_at"]}
            paused = {**key, "seq": e.seq, "paused_seconds": d["paused_for_seconds"]}
            return [
                Patch("deadlines", key, resumed | next_reminder(d)),
                Upsert("deadline_pauses", ("tenant_id", "seq"), paused),
            ]
        case "DeadlineExtended":
            return [Patch("deadlines", key, {"due_at": d["due_at"]} | next_reminder(d))]
        case "DeadlineReminded":
            return [Patch("deadlines", key, {"remind_at": d["next_at"]})]
    return []


def first_reminder(reminders: list[dict[str, str]] | None) -> datetime | None:
    """The soonest warning still to send (the events list them soonest first)."""
    return datetime.fromisoformat(reminders[0]["at"]) if reminders else None


def next_reminder(d: dict) -> dict[str, datetime | None]:
    # an event recorded before reminders existed leaves the column as it was
    return {"remind_at": first_reminder(d["reminders"])} if "reminders" in d else {}


VIEW = View("deadlines", TABLES, project)


async def list_deadlines(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    state: str,
    now: datetime,
    limit: int = 200,
    after: tuple[datetime, UUID, str] | None = None,
    units: Collection[str] | None = None,
) -> list[asyncpg.Record]:
    """``open``: running and not yet due; ``overdue``: past due and not met. Soonest due
    first; ``after`` the (due_at, case_id, deadline_id) of the last row of the page before;
    ``units``: only the deadlines of cases of these units (None: every case's)."""
    condition = {
        "open": "state = 'open' AND due_at >= $3",
        "overdue": "(state = 'missed' OR (state = 'open' AND due_at < $3))",
    }[state]
    args: list[object] = [tenant_id, limit, now]
    if after is not None:
        condition += " AND (due_at, case_id, deadline_id) > ($4, $5, $6)"
        args += after
    if units is not None:
        args.append(sorted(units))
        condition += f" AND case_id IN ({CASES_IN_UNITS.format(len(args))})"
    return await conn.fetch(
        f"SELECT case_id, deadline_id, kind, rule, roles, started_at, due_at, state"
        f"  FROM deadlines WHERE tenant_id = $1 AND {condition}"
        f" ORDER BY due_at, case_id, deadline_id LIMIT $2",
        *args,
    )


# The cases of some units (parameter ${}: their ids), for the views keyed by case.
CASES_IN_UNITS = (
    "SELECT c.case_id FROM case_list c WHERE c.tenant_id = $1 AND c.unit_id = ANY(${}::text[])"
)
