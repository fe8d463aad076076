"""The reports people are judged by, from the views: a period's figures and the month's fines.

Each query reads the same tables as the dashboard (projections/stats.py), so the figures agree
with ``/v1/stats`` over the same cases. ``units`` narrows a report to the cases of those
units (the reader's scope, or the unit asked for); None reads every case of the tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg


class Cases:
    """The cases a report counts: received in [start, end), in ``units`` when given."""

    def __init__(
        self, tenant_id: UUID, start: datetime, end: datetime, units: Sequence[str] | None
    ) -> None:
        self.args: list[Any] = [tenant_id, start, end]
        self.where = "c.tenant_id = $1 AND c.received_at >= $2 AND c.received_at < $3"
        if units is not None:
            self.args.append(list(units))
            self.where += f" AND c.unit_id = ANY(${len(self.args)}::text[])"


# What the period's totals and each unit's row count of their cases (reopened: once or more)
CASE_COUNTS = """count(*) AS cases,
           count(*) FILTER (WHERE c.status = 'open') AS open,
           count(*) FILTER (WHERE c.status = 'resolved') AS resolved,
           count(*) FILTER (WHERE c.status = 'closed') AS closed,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM case_timeline t WHERE t.tenant_id = c.tenant_id
                  AND t.case_id = c.case_id AND t.event = 'Reopened')) AS reopened,
           coalesce(sum((SELECT count(*) FROM case_timeline t
               WHERE t.tenant_id = c.tenant_id AND t.case_id = c.case_id
                 AND t.event = 'IncidentReported')), 0)::bigint AS incidents"""


async def period(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    units: Sequence[str] | None = None,
) -> dict[str, Any]:
    """SLA compliance by rule and deadline kind (met, of those met late: after their due
    time, before the watcher saw them; missed, cancelled, running; the time they were
    paused), time to first response and to resolution
    (p50, p90), volumes by category, channel and level, satisfaction, reopen rate and
    incidents: for the cases received in the period; ``by_unit``, most of them per unit."""
    cases = Cases(tenant_id, start, end, units)

    async def rows(sql: str) -> list[dict[str, Any]]:
        return [dict(r) for r in await conn.fetch(sql.format(cases=cases.where), *cases.args)]

    durations = """
        SELECT count({end}) AS cases,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - c.received_at)) AS p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - c.received_at)) AS p90_seconds
          FROM case_list c WHERE {cases}"""  # noqa: E501
    volume = """
        SELECT {column} AS value, count(*) AS cases FROM case_list c
         WHERE {cases} GROUP BY 1 ORDER BY 2 DESC, 1"""
    totals = (await rows(f"SELECT {CASE_COUNTS} FROM case_list c WHERE {{cases}}"))[0]
    totals["reopen_rate"] = (
        round(totals["reopened"] / totals["cases"], 4) if totals["cases"] else None
    )
    return {
        "totals": totals,
        "sla": await rows("""
            SELECT d.rule, d.kind,
                   count(*) FILTER (WHERE d.state = 'met') AS met,
                   count(*) FILTER (WHERE d.state = 'met' AND d.ended_at > d.due_at)
                     AS met_late,
                   count(*) FILTER (WHERE d.state = 'missed') AS missed,
                   count(*) FILTER (WHERE d.state = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE d.state IN ('open', 'paused')) AS running,
                   round(count(*) FILTER (WHERE d.state = 'met')::numeric
                         / NULLIF(count(*) FILTER (WHERE d.state IN ('met', 'missed')), 0), 4)
                     AS compliance,
                   coalesce(sum((SELECT sum(p.paused_seconds) FROM deadline_pauses p
                       WHERE p.tenant_id = d.tenant_id AND p.case_id = d.case_id
                         AND p.deadline_id = d.deadline_id)), 0)::float8 AS paused_seconds
              FROM deadlines d JOIN case_list c USING (tenant_id, case_id)
             WHERE {cases} GROUP BY 1, 2 ORDER BY 1, 2"""),
        "first_response": (await rows(durations.replace("{end}", "c.acknowledged_at")))[0],
        "resolution": (await rows(durations.replace("{end}", "c.resolved_at")))[0],
        "by_category": await rows(volume.replace("{column}", "coalesce(c.category, '')")),
        "by_channel": await rows(volume.replace("{column}", "c.channel")),
        "by_level": await rows(volume.replace("{column}", "c.level::text")),
        "satisfaction": await rows("""
            SELECT s.stage, count(*) AS responses, round(avg(s.score), 2)::float8 AS average
              FROM satisfaction s JOIN case_list c USING (tenant_id, case_id)
             WHERE {cases} GROUP BY 1 ORDER BY 1"""),
        "by_unit": [
            r | {"reopen_rate": round(r["reopened"] / r["cases"], 4)} for r in await rows(BY_UNIT)
        ],
    }


# Each unit's own cases (not those of the units below it; null: the tenant's root), counted
# as the totals, the SLA and the durations above count the whole period's. The columns the
# dashboard's by_unit has (projections/stats.py) are counted the same way.
BY_UNIT = f"""
    WITH sla AS (
        SELECT c.unit_id, count(*) FILTER (WHERE d.state = 'met') AS met,
               count(*) FILTER (WHERE d.state = 'met' AND d.ended_at > d.due_at) AS met_late,
               count(*) FILTER (WHERE d.state = 'missed') AS missed
          FROM deadlines d JOIN case_list c USING (tenant_id, case_id)
         WHERE {{cases}} GROUP BY 1
    )
    SELECT c.unit_id AS unit, {CASE_COUNTS},
           coalesce(max(s.met), 0) AS met, coalesce(max(s.met_late), 0) AS met_late,
           coalesce(max(s.missed), 0) AS missed,
           round(max(s.met)::numeric / NULLIF(max(s.met) + max(s.missed), 0), 4) AS compliance,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.acknowledged_at - c.received_at)) AS first_response_p50_seconds,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.acknowledged_at - c.received_at)) AS first_response_p90_seconds,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.received_at)) AS resolution_p50_seconds,
           percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM c.resolved_at - c.received_at)) AS resolution_p90_seconds
      FROM case_list c LEFT JOIN sla s ON s.unit_id IS NOT DISTINCT FROM c.unit_id
     WHERE {{cases}}
     GROUP BY c.unit_id ORDER BY c.unit_id NULLS FIRST"""  # noqa: E501


async def penalty_sheet(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    start: datetime,
    end: datetime,
    units: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Every penalty and every reversal recorded in [start, end), oldest first, each with its
    case, rule, amount (a reversal's is negative), consequence for performance and the
    ledger seq that records it; a reversal names the seq of the penalty it takes back, which
    may be of an earlier month."""
    args: list[Any] = [tenant_id, start, end]
    in_units = ""
    if units is not None:
        args.append(list(units))
        in_units = " AND c.unit_id = ANY($4::text[])"
    rows = await conn.fetch(
        f"""
        WITH numbered AS (
            SELECT p.*, row_number() OVER (PARTITION BY p.case_id ORDER BY p.seq) AS ordinal
              FROM penalties p WHERE p.tenant_id = $1 AND p.reverses IS NULL
        )
        SELECT p.seq, p.at, p.case_id, p.person, p.target_role, p.rule, p.performance,
               p.reason, CASE WHEN p.reverses IS NULL THEN p.amount_fen ELSE -p.amount_fen END
                 AS amount_fen,
               o.seq AS reverses_seq, c.summary, c.unit_id AS unit
          FROM penalties p
          JOIN case_list c ON c.tenant_id = p.tenant_id AND c.case_id = p.case_id
          LEFT JOIN numbered o ON p.reverses IS NOT NULL AND o.case_id = p.case_id
               AND o.ordinal = p.reverses
         WHERE p.tenant_id = $1 AND p.at >= $2 AND p.at < $3{in_units}
         ORDER BY p.at, p.seq""",
        *args,
    )
    return [dict(r) for r in rows]
