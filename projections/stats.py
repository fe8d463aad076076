"""Facts the dashboard counts beyond the case list: escalations per rung, penalties,
satisfaction scores."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any
from uuid import UUID

import asyncpg

from projections.changes import Change, Envelope, Upsert, View
from projections.deadlines import CASES_IN_UNITS

TABLES = ("escalations", "penalties", "satisfaction")


COUNTED = frozenset({"Escalated", "PenaltyAssessed", "PenaltyReversed", "SatisfactionRecorded"})


def project(e: Envelope) -> list[Change]:
    if e.aggregate != "Complaint" or e.name not in COUNTED:
        return []
    d = e.data
    base = {"tenant_id": e.tenant_id, "case_id": e.originator_id, "seq": e.seq, "at": e.at}
    if e.name == "Escalated":
        return [
            Upsert(
                "escalations",
                ("tenant_id", "seq"),
                {**base, "to_level": d["to_level"], "rung": d["rung"]},
            )
        ]
    if e.name in ("PenaltyAssessed", "PenaltyReversed"):
        # a reversal is a row of its own, in the month it is recorded: the sheet shows the
        # correction beside the penalty (the nth of its case) it takes back
        return [
            Upsert(
                "penalties",
                ("tenant_id", "seq"),
                {
                    **base,
                    "target_role": d["target_role"],
                    "person": d.get("person"),
                    "amount_fen": d["amount_fen"],
                    "performance": d.get("performance"),
                    "rule": d["rule"],
                    "reason": d.get("reason"),
                    "reverses": d.get("penalty"),
                },
            )
        ]
    if e.name == "SatisfactionRecorded":
        # S10: at the follow-up visit, and at closure (Close with a score).
        return [
            Upsert(
                "satisfaction",
                ("tenant_id", "seq"),
                {**base, "stage": d["stage"], "score": d["score"]},
            )
        ]
    return []


VIEW = View("stats", TABLES, project)


async def dashboard(
    conn: asyncpg.Connection,
    tenant_id: UUID,
    timezone: str,
    units: Collection[str] | None = None,
) -> dict[str, Any]:
    """Counts per day and week, SLA compliance per deadline kind, response and resolution
    times (median, 90th percentile, seconds), escalations per rung, penalties, the
    average satisfaction score per stage, and the cases and SLA of each unit. A cancelled
    deadline (its work no longer wanted) is counted beside the met and missed ones, and in
    neither: compliance is met / (met + missed). ``units``: only the cases of these units
    (the reader's, or a subtree; None: every case)."""
    args: list[Any] = [] if units is None else [sorted(units)]
    # $2 is the time zone in the counts per period; the units come after it there
    cases = "" if units is None else " AND unit_id = ANY(${}::text[])"
    of_cases = "" if units is None else f" AND case_id IN ({CASES_IN_UNITS})"

    async def rows(sql: str, *values: Any) -> list[dict[str, Any]]:
        at = len(values) + 2
        sql = sql.replace("{cases}", cases.format(at)).replace("{of_cases}", of_cases.format(at))
        return [dict(r) for r in await conn.fetch(sql, tenant_id, *values, *args)]

    counts = """
        SELECT {period} AS period, category, level, status, count(*) AS cases
          FROM case_list WHERE tenant_id = $1{cases} GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
    day = "(received_at AT TIME ZONE $2)::date"
    week = "date_trunc('week', received_at AT TIME ZONE $2)::date"
    durations = """
        SELECT count(*) AS cases,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - received_at)) AS p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - received_at)) AS p90_seconds
          FROM case_list WHERE tenant_id = $1 AND {end} IS NOT NULL{cases}"""  # noqa: E501
    return {
        "per_day": await rows(counts.replace("{period}", day), timezone),
        "per_week": await rows(counts.replace("{period}", week), timezone),
        "sla": await rows("""
            SELECT kind, count(*) FILTER (WHERE state = 'met') AS met,
                   count(*) FILTER (WHERE state = 'missed') AS missed,
                   count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE state IN ('open', 'paused')) AS running,
                   round(count(*) FILTER (WHERE state = 'met')::numeric
                         / NULLIF(count(*) FILTER (WHERE state IN ('met', 'missed')), 0), 4)
                     AS compliance
              FROM deadlines WHERE tenant_id = $1{of_cases} GROUP BY kind ORDER BY kind"""),
        "first_response": (await rows(durations.replace("{end}", "acknowledged_at")))[0],
        "resolution": (await rows(durations.replace("{end}", "resolved_at")))[0],
        "escalations_per_rung": await rows(
            "SELECT to_level, rung, count(*) AS escalations FROM escalations"
            " WHERE tenant_id = $1{of_cases} GROUP BY 1, 2 ORDER BY 1"
        ),
        "penalties": await rows(
            # a reversal is a row of its own (S11, B6): it counts against the amount, not as one
            "SELECT target_role, person, count(*) FILTER (WHERE reverses IS NULL) AS penalties,"
            " sum(CASE WHEN reverses IS NULL THEN amount_fen ELSE -amount_fen END)"
            " AS amount_fen FROM penalties WHERE tenant_id = $1{of_cases}"
            " GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        "satisfaction": await rows(
            "SELECT stage, count(*) AS responses, round(avg(score), 2)::float8 AS average"
            "  FROM satisfaction WHERE tenant_id = $1{of_cases} GROUP BY 1 ORDER BY 1"
        ),
        "by_unit": await rows(BY_UNIT),
    }


# Each unit's cases by status and their deadlines met and missed (null: the tenant's root).
BY_UNIT = """
    SELECT c.unit_id AS unit, count(*) AS cases,
           count(*) FILTER (WHERE c.status = 'open') AS open,
           count(*) FILTER (WHERE c.status = 'resolved') AS resolved,
           count(*) FILTER (WHERE c.status = 'closed') AS closed,
           coalesce(sum(d.met), 0)::bigint AS met, coalesce(sum(d.missed), 0)::bigint AS missed,
           round(sum(d.met) / NULLIF(sum(d.met) + sum(d.missed), 0), 4) AS compliance
      FROM case_list c
      LEFT JOIN (SELECT case_id, count(*) FILTER (WHERE state = 'met') AS met,
                        count(*) FILTER (WHERE state = 'missed') AS missed
                   FROM deadlines WHERE tenant_id = $1 GROUP BY case_id) d USING (case_id)
     WHERE c.tenant_id = $1{cases}
     GROUP BY c.unit_id ORDER BY c.unit_id NULLS FIRST"""
