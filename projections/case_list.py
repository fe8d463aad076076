"""The case list and the roles each case waits on (the role inbox)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from domain.tenant import ERASED
from projections.changes import Change, Delete, Envelope, First, MergeJson, Patch, Upsert, View

TABLES = ("case_list", "case_roles")


def project(e: Envelope) -> list[Change]:
    if e.aggregate == "Tenant" and e.name == "Offboarded":
        # its keys are destroyed next: the texts copied here from sealed fields go with them
        tenant = {"tenant_id": e.tenant_id}
        return [
            Patch("case_list", tenant, {"summary": ERASED, "group_id": ERASED}),
            Patch("case_roles", tenant, {"reason": ERASED}),
        ]
    if e.aggregate != "Complaint":
        return []
    key = {"tenant_id": e.tenant_id, "case_id": e.originator_id}
    d = e.data
    if e.name == "Filed":
        return [
            Upsert(
                "case_list",
                ("tenant_id", "case_id"),
                {
                    **key,
                    "summary": d["summary"],
                    "channel": d["channel"],
                    "policy": d["policy"],
                    "status": "open",
                    "owner": d["by"],
                    "received_at": d["received_at"],
                    "unit_id": d.get("unit_id"),  # cases filed before units: the root's
                    # how the complainant finds their case (services/api/public)
                    "tracking": d.get("tracking"),
                    "access_sha256": d.get("access_sha256"),
                    "filed_at": e.at,
                    "updated_at": e.at,
                    "version": e.version,
                    "last_seq": e.seq,
                },
            )
        ]
    touched = {"updated_at": e.at, "version": e.version, "last_seq": e.seq}
    changes: list[Change] = []
    match e.name:
        case "Classified":
            touched |= {"category": d["category"], "level": d["level"], "rung": d["rung"]}
        case "Escalated":
            touched |= {"level": d["to_level"], "rung": d["rung"]}
            changes += waits_on(e, d["notify"], d["reason"], d["rule"])
        case "Acknowledged":
            touched |= {"acknowledged_at": First(e.at)}
        case "Assigned":
            touched |= {"handlers": MergeJson({d["slot"]: d["person"]})}
        case "OwnershipHandedOn":
            touched |= {"owner": d["to_person"]}
        case "LinkedToGroup":
            touched |= {"group_id": d["group"]}
        case "MovedToUnit":
            touched |= {"unit_id": d["unit_id"]}
        case "Resolved":
            touched |= {"status": "resolved", "resolved_at": e.at}
            changes.append(Delete("case_roles", key))
        case "Closed":
            touched |= {"status": "closed", "closed_at": e.at}
            changes.append(Delete("case_roles", key))
        case "Reopened":
            touched |= {"status": "open", "closed_at": None, "resolved_at": None}
        case "RolesNotified":
            changes += waits_on(e, d["roles"], d["reason"], d["rule"])
        case "IncidentReported":
            changes += waits_on(e, d["notify"], f"incident: {d['kind']}", d["rule"])
        case "DeadlineStarted":
            changes += waits_on(e, d["roles"], f"deadline {d['kind']}", d["rule"])
    return [Patch("case_list", key, touched), *changes]


def waits_on(e: Envelope, roles: list[str], reason: str, rule: str) -> list[Change]:
    return [
        Upsert(
            "case_roles",
            ("tenant_id", "case_id", "role"),
            {
                "tenant_id": e.tenant_id,
                "case_id": e.originator_id,
                "role": role,
                "reason": reason,
                "rule": rule,
                "since": e.at,
            },
            keep=frozenset({"since"}),
        )
        for role in roles
    ]


VIEW = View("case_list", TABLES, project)


# --- queries ---------------------------------------------------------------------------

LIST_COLUMNS = """c.case_id, c.summary, c.channel, c.status, c.category, c.level, c.rung,
c.owner, c.handlers, c.group_id, c.unit_id AS unit, c.tracking, c.received_at, c.updated_at,
c.version,
(SELECT min(d.due_at) FROM deadlines d WHERE d.tenant_id = c.tenant_id
   AND d.case_id = c.case_id AND d.state = 'open') AS next_due_at"""

OVERDUE = """EXISTS (SELECT 1 FROM deadlines d WHERE d.tenant_id = c.tenant_id
   AND d.case_id = c.case_id AND (d.state = 'missed' OR (d.state = 'open' AND d.due_at < {})))"""


class Query:
    """Builds a WHERE clause with numbered parameters."""

    def __init__(self, tenant_id: UUID) -> None:
        self.args: list[object] = [tenant_id]
        self.conditions = ["c.tenant_id = $1"]

    def add(self, condition: str, *values: object) -> None:
        names = []
        for value in values:
            self.args.append(value)
            names.append(f"${len(self.args)}")
        self.conditions.append(condition.format(*names))

    @property
    def where(self) -> str:
        return " AND ".join(self.conditions)


async def list_cases(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    *,
    status: str | None = None,
    category: str | None = None,
    level: int | None = None,
    role: str | None = None,
    assignee: str | None = None,
    overdue: bool | None = None,
    received_from: datetime | None = None,
    received_to: datetime | None = None,
    text: str | None = None,
    after: tuple[datetime, UUID] | None = None,
    limit: int = 50,
    now: datetime | None = None,
    group: str | None = None,
    units: Collection[str] | None = None,
) -> list[asyncpg.Record]:
    """``units``: only the cases of these units (the reader's, or a subtree; None: all)."""
    q = Query(tenant_id)
    if units is not None:
        q.add("c.unit_id = ANY({}::text[])", sorted(units))
    if status:
        q.add("c.status = {}", status)
    if category:
        q.add("c.category = {}", category)
    if group:
        q.add("c.group_id = {}", group)
    if level is not None:
        q.add("c.level = {}", level)
    if role:
        q.add(
            "EXISTS (SELECT 1 FROM case_roles r WHERE r.tenant_id = c.tenant_id"
            " AND r.case_id = c.case_id AND r.role = {})",
            role,
        )
    if assignee:
        q.add(
            "(c.owner = {0} OR EXISTS (SELECT 1 FROM jsonb_each_text(c.handlers) h"
            " WHERE h.value = {0}))",
            assignee,
        )
    if overdue is not None:
        q.add(OVERDUE if overdue else f"NOT {OVERDUE}", now)
    if received_from:
        q.add("c.received_at >= {}", received_from)
    if received_to:
        q.add("c.received_at < {}", received_to)
    if text:
        # words of the summary, or the tracking number a complainant reads out on the phone
        pattern = "%" + text.replace("%", r"\%").replace("_", r"\_") + "%"
        q.add("(c.summary ILIKE {0} OR c.tracking = upper({1}))", pattern, text.strip())
    if after:
        q.add("(c.received_at, c.case_id) < ({}, {})", *after)
    q.args.append(limit)
    return await conn.fetch(
        f"SELECT {LIST_COLUMNS} FROM case_list c WHERE {q.where}"
        f" ORDER BY c.received_at DESC, c.case_id DESC LIMIT ${len(q.args)}",
        *q.args,
    )


async def group_cases(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    group: str,
    limit: int = 1000,
    units: Collection[str] | None = None,
) -> list[UUID]:
    """The cases linked to ``group`` that are not closed, oldest first (B12); ``units``:
    only those of these units."""
    in_units = "" if units is None else " AND unit_id = ANY($4::text[])"
    rows = await conn.fetch(
        "SELECT case_id FROM case_list WHERE tenant_id = $1 AND group_id = $2"
        f" AND status <> 'closed'{in_units} ORDER BY received_at, case_id LIMIT $3",
        tenant_id,
        group,
        limit,
        *([] if units is None else [sorted(units)]),
    )
    return [row["case_id"] for row in rows]


INBOX_ROWS = """
        SELECT c.case_id, c.summary, c.status, c.category, c.level, c.rung, c.unit_id AS unit,
               array_agg(DISTINCT r.role) AS roles, min(r.since) AS since,
               string_agg(DISTINCT r.reason, '; ') AS reasons,
               (SELECT min(d.due_at) FROM deadlines d
                 WHERE d.tenant_id = c.tenant_id AND d.case_id = c.case_id
                   AND d.state = 'open' AND d.roles && {due_roles}) AS due_at
          FROM case_roles r JOIN case_list c USING (tenant_id, case_id)
         WHERE r.tenant_id = $1 AND {counts} AND c.status = 'open'
         GROUP BY c.tenant_id, c.case_id
        """
# A reader holding roles only in some units ($4, $5: each (role, unit) they cover): a row
# for role R counts when R is theirs tenant-wide ($2) or the case's unit is one R covers.
# The first test keeps the case_roles index in use; the second picks the rows that count.
PAIRS = "unnest($4::text[], $5::text[]) AS u(role, unit_id)"
SCOPED_COUNTS = f"""r.role = ANY($2::text[] || $4::text[])
           AND (r.role = ANY($2::text[])
                OR (r.role, c.unit_id) IN (SELECT u.role, u.unit_id FROM {PAIRS}))"""
SCOPED_DUE_ROLES = f"($2::text[] || ARRAY(SELECT u.role FROM {PAIRS} WHERE u.unit_id = c.unit_id))"
INBOX_ORDER = "ORDER BY due_at NULLS LAST, since, case_id LIMIT $3"


def inbox_sql(scoped: bool, after: bool) -> str:
    """The inbox's query; with ``after``, the page after the row (due_at, since, case_id)
    given in the three parameters after the others: 'infinity' stands for no deadline,
    which sorts last, so one row comparison follows the order."""
    rows = INBOX_ROWS.format(
        counts=SCOPED_COUNTS if scoped else "r.role = ANY($2::text[])",
        due_roles=SCOPED_DUE_ROLES if scoped else "$2::text[]",
    )
    if not after:
        return f"{rows} {INBOX_ORDER}"
    first = 6 if scoped else 4
    return f"""
        SELECT * FROM ({rows}) i
         WHERE (coalesce(i.due_at, 'infinity'), i.since, i.case_id)
             > (coalesce(${first}::timestamptz, 'infinity'), ${first + 1}::timestamptz,
                ${first + 2}::uuid)
         {INBOX_ORDER}
        """


INBOX_SQL = inbox_sql(scoped=False, after=False)


async def inbox(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    roles: Sequence[str],
    limit: int = 100,
    after: tuple[datetime | None, datetime, UUID] | None = None,
    role_units: Sequence[tuple[str, str]] = (),
) -> list[asyncpg.Record]:
    """What waits on these roles, most urgent first: the earliest open deadline that names
    one of the roles, then the oldest; ``after`` the (due_at, since, case_id) of the last
    row of the page before. ``roles`` are the reader's tenant-wide roles; ``role_units``
    each (role, unit) a role held only in units covers (domain/units.py ``role_units``)."""
    args: list[object] = [tenant_id, list(roles), limit]
    if role_units:
        args += [[role for role, _ in role_units], [unit for _, unit in role_units]]
    sql = inbox_sql(scoped=bool(role_units), after=after is not None)
    return await conn.fetch(sql, *args, *(after or ()))
