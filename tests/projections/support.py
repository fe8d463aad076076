"""Helpers for read-side tests: fill a tenant's ledger fast, and fingerprint view tables."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from domain import commands as c
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from projections.runner import VIEWS
from services.handlers.policies import load_policy
from services.runtime import Runtime

TABLES = sorted({t for v in VIEWS for t in v.tables})
CLERK = c.Actor("clerk", frozenset({"department_head", "medical_affairs", "nurse"}))


async def hospital_with_cases(runtime: Runtime, cases: int, start: datetime | None = None) -> UUID:
    """A hospital tenant with ``cases`` complaints, each with a few actions, appended straight
    to the ledger (no HTTP) so tests can build thousands of events quickly."""
    now = start or datetime(2026, 3, 2, 9, tzinfo=UTC)
    tenant = Tenant.create(
        slug=f"h-{uuid4().hex[:10]}",
        name="H",
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy="hospital@1",
        by="test",
        at=now,
    )
    policy, calendar = load_policy("hospital@1"), tenant.calendar
    stored = runtime.repository.to_stored(tenant)
    for n in range(cases):
        at = now + timedelta(minutes=n)
        command = c.File(
            received_at=at,
            channel="phone",
            summary=f"case {n} about parking",
            category="medical_dispute",
        )
        case = file_complaint(uuid4(), tenant.id, command, CLERK, policy, at, calendar)
        execute(case, c.AddNote(f"note {n}"), CLERK, policy, at, calendar)
        if n % 3 == 0:
            execute(case, c.Acknowledge(), CLERK, policy, at + timedelta(hours=1), calendar)
        stored += runtime.repository.to_stored(case)
    for start_at in range(0, len(stored), 2000):
        await runtime.ledger.append(tenant.id, stored[start_at : start_at + 2000])
    return tenant.id


async def fingerprint(owner: asyncpg.Connection, tenant_id: UUID) -> dict[str, str]:
    """An md5 over every row of each view table for the tenant (as the owner: no RLS)."""
    return {
        table: await owner.fetchval(
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            f"  FROM {table} t WHERE tenant_id = $1",
            tenant_id,
        )
        for table in TABLES
    }


async def caught_up(runtime: Runtime, tenant_id: UUID) -> None:
    head = (await runtime.ledger.head(tenant_id))[0]
    for view in VIEWS:
        assert await runtime.projections.wait_for(view.name, tenant_id, head, 20) == head
