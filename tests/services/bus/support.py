"""Helpers for bus tests: cases appended straight to the ledger, what each role must receive,
and reading a role's durable consumer to the end."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from nats.js import JetStreamContext

from domain import commands as c
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from services.bus.consumers import role_subscription
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.store.codec import envelope_decoder
from services.store.tenant_rows import tenant_transaction

DESK = c.Actor("desk", frozenset({"department_head", "medical_affairs", "nurse"}))
# What H6 asks of medical affairs before a case goes up to the vice-president.
H6_STEPS = (
    c.AttachEvidence("the family's written account", reference="doc/1"),
    c.RecordOutcome("investigation", "department:surgery", "dressing two hours late"),
    c.ProposeResolution("waive the dressing fees and apologise"),
)
# Which field of an event names its roles: the contract of docs/bus.md, restated here.
ROUTED_BY = {
    "Escalated": "notify",
    "IncidentReported": "notify",
    "RolesNotified": "roles",
    "DeadlineStarted": "roles",
    "PenaltyAssessed": "target_role",
}


def new_tenant(policy: str, at: datetime) -> Tenant:
    return Tenant.create(
        slug=f"bus-{uuid4().hex[:10]}",
        name="Bus test",
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy=policy,
        by="test",
        at=at,
    )


async def create_tenant(runtime: Runtime, policy: str = "hospital@1") -> Tenant:
    tenant = new_tenant(policy, datetime(2026, 3, 2, 9, tzinfo=UTC))
    await runtime.ledger.append(tenant.id, runtime.repository.to_stored(tenant))
    return tenant


async def file_and_escalate(runtime: Runtime, tenant: Tenant, cases: int) -> None:
    """Hospital complaints filed, declined at the department and escalated to medical
    affairs; every other one declined again and taken up to the vice-president (H6)."""
    policy, calendar = load_policy(tenant.policy), tenant.calendar
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    stored = []
    for n in range(cases):
        at = start + timedelta(minutes=n)
        filed = c.File(
            received_at=at, channel="phone", summary=f"case {n}", category="medical_dispute"
        )
        case = file_complaint(uuid4(), tenant.id, filed, DESK, policy, at, calendar)
        for rung in range(1 + n % 2):
            execute(case, c.RecordResponse(accepted=False), DESK, policy, at, calendar)
            if rung == 1:  # H6: medical affairs' steps before the vice-president's rung
                for step in H6_STEPS:
                    execute(case, step, DESK, policy, at, calendar)
            execute(case, c.Escalate(reason="not accepted"), DESK, policy, at, calendar)
        stored += runtime.repository.to_stored(case)
    for first in range(0, len(stored), 2000):
        await runtime.ledger.append(tenant.id, stored[first : first + 2000])


async def expected_messages(runtime: Runtime, tenant_id: UUID) -> dict[str, set[str]]:
    """role -> the message ids it must receive, read from the ledger."""
    decode = envelope_decoder(runtime.repository.mapper)
    async with tenant_transaction(runtime.pool, tenant_id) as conn:
        rows = await conn.fetch("SELECT * FROM events WHERE tenant_id = $1 ORDER BY seq", tenant_id)
    wanted: dict[str, set[str]] = {}
    for event in map(decode, rows):
        field = ROUTED_BY.get(event.name) if event.aggregate == "Complaint" else None
        if field is None:
            continue
        roles = event.data[field]
        for role in [roles] if isinstance(roles, str) else roles:
            wanted.setdefault(role, set()).add(f"{tenant_id.hex}:{event.seq}:{role}")
    return wanted


async def read_all(js: JetStreamContext, tenant_id: UUID, role: str) -> Counter[str]:
    """Everything the role's durable consumer delivers until it runs dry, by message id."""
    sub = await role_subscription(js, tenant_id, role)
    seen: Counter[str] = Counter()
    try:
        while True:
            try:
                batch = await sub.fetch(1000, timeout=0.25)
            except TimeoutError:  # nats' own, or asyncio's from a lingering pull
                return seen
            for msg in batch:
                seen[msg.headers["Nats-Msg-Id"]] += 1
                await msg.ack()
    finally:
        await sub.unsubscribe()


async def relay_position(runtime: Runtime, tenant_id: UUID) -> int:
    return await runtime.pool.fetchval("SELECT view_position('relay', $1)", tenant_id) or 0


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        await asyncio.sleep(0.02)
