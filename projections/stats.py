"""Facts the dashboard counts beyond the case list: escalations per rung, penalties,
satisfaction scores."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from projections.changes import Change, Envelope, Upsert, View

TABLES = ("escalations", "penalties", "satisfaction")


COUNTED = frozenset({"Escalated", "PenaltyAssessed", "SatisfactionRecorded"})


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
    if e.name == "PenaltyAssessed":
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


async def dashboard(conn: asyncpg.Connection, tenant_id: UUID, timezone: str) -> dict[str, Any]:
    """Counts per day and week, SLA compliance per deadline kind, response and resolution
    times (median, 90th percentile, seconds), escalations per rung, penalties, and the
    average satisfaction score per stage. A cancelled deadline (its work no longer wanted) is
    counted beside the met and missed ones, and in neither: compliance is met / (met +
    missed)."""

    async def rows(sql: str, *args: Any) -> list[dict[str, Any]]:
        return [dict(r) for r in await conn.fetch(sql, tenant_id, *args)]

    counts = """
        SELECT {period} AS period, category, level, status, count(*) AS cases
          FROM case_list WHERE tenant_id = $1 GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4"""
    day = "(received_at AT TIME ZONE $2)::date"
    week = "date_trunc('week', received_at AT TIME ZONE $2)::date"
    durations = """
        SELECT count(*) AS cases,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - received_at)) AS p50_seconds,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM {end} - received_at)) AS p90_seconds
          FROM case_list WHERE tenant_id = $1 AND {end} IS NOT NULL"""  # noqa: E501
    return {
        "per_day": await rows(counts.format(period=day), timezone),
        "per_week": await rows(counts.format(period=week), timezone),
        "sla": await rows("""
            SELECT kind, count(*) FILTER (WHERE state = 'met') AS met,
                   count(*) FILTER (WHERE state = 'missed') AS missed,
                   count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
                   count(*) FILTER (WHERE state IN ('open', 'paused')) AS running,
                   round(count(*) FILTER (WHERE state = 'met')::numeric
                         / NULLIF(count(*) FILTER (WHERE state IN ('met', 'missed')), 0), 4)
                     AS compliance
              FROM deadlines WHERE tenant_id = $1 GROUP BY kind ORDER BY kind"""),
        "first_response": (await rows(durations.format(end="acknowledged_at")))[0],
        "resolution": (await rows(durations.format(end="resolved_at")))[0],
        "escalations_per_rung": await rows(
            "SELECT to_level, rung, count(*) AS escalations FROM escalations"
            " WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 1"
        ),
        "penalties": await rows(
            "SELECT target_role, person, count(*) AS penalties, sum(amount_fen) AS amount_fen"
            "  FROM penalties WHERE tenant_id = $1 GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        "satisfaction": await rows(
            "SELECT stage, count(*) AS responses, round(avg(score), 2)::float8 AS average"
            "  FROM satisfaction WHERE tenant_id = $1 GROUP BY 1 ORDER BY 1"
        ),
    }
