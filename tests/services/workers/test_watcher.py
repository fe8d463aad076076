"""The deadline watcher on a controlled clock around the 2026 Spring Festival: deadlines miss on
the right working day, fines are assessed once however many watchers run, and a standby takes
over when the active one goes."""

from __future__ import annotations

import asyncio
from datetime import datetime
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import asyncpg

from domain import commands as c
from domain.complaint import Complaint, Deadline
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.workers.watcher import DeadlineWatcher
from tests.fakes import FakeClock
from tests.services.bus.support import eventually, new_tenant

SHANGHAI = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2026, 2, 13, 10, tzinfo=SHANGHAI)  # the Friday before the festival
ADMIN = c.Actor("admin.zhou", frozenset({"administration"}))
RECEPTION = c.Actor("reception.qian", frozenset({"campus_reception"}))
FACILITIES = "campus/service/facilities/complaint"
# S10 ③: the receipt form to the department, with the handling period reception chose
PASSED_ON = c.Assign(person="head.sun", slot="department", handling_days=3)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


async def school_cases(runtime: Runtime) -> tuple[Tenant, UUID, UUID, UUID]:
    """A school with a headquarters problem complaint and two campus complaints, all received
    before the Spring Festival: reception passes the first one's receipt form on at once, with
    a 3-day handling period (S10), and never passes the second one's on."""
    tenant = new_tenant("school@1", RECEIVED)
    policy, calendar = load_policy("school@1"), tenant.calendar

    def filed(category: str, actor: c.Actor) -> Complaint:
        command = c.File(received_at=RECEIVED, channel="phone", summary=category, category=category)
        return file_complaint(uuid4(), tenant.id, command, actor, policy, RECEIVED, calendar)

    problem = filed("problem", ADMIN)
    campus, kept = filed(FACILITIES, RECEPTION), filed(FACILITIES, RECEPTION)
    execute(campus, PASSED_ON, RECEPTION, policy, RECEIVED, calendar)
    stored = runtime.repository.to_stored(tenant, problem, campus, kept)
    seq = (await runtime.ledger.append(tenant.id, stored))[-1]
    assert await runtime.projections.wait_for("deadlines", tenant.id, seq, 10) == seq
    return tenant, problem.id, campus.id, kept.id


async def deadlines(runtime: Runtime, tenant_id: UUID, case_id: UUID) -> dict[str, Deadline]:
    case = await runtime.repository.load(tenant_id, case_id, Complaint)
    return case.deadlines


async def events_named(owner: asyncpg.Connection, case_id: UUID, name: str) -> list[str]:
    rows = await owner.fetch(
        "SELECT convert_from(state, 'UTF8') AS s FROM events"
        " WHERE originator_id = $1 AND topic LIKE $2 ORDER BY seq",
        case_id,
        f"%.{name}",
    )
    return [r["s"] for r in rows]


async def test_S11_fines_are_assessed_once_when_two_watchers_miss_the_same_deadline(
    runtime: Runtime, owner: asyncpg.Connection, watchers: tuple[FakeClock, list[DeadlineWatcher]]
) -> None:
    clock, (first, second) = watchers
    tenant, _, campus, kept = await school_cases(runtime)
    # S11 ①: the receipt form is passed on within 2 (calendar) days: due end of 15 February.
    assert (await deadlines(runtime, tenant.id, kept))["receipt_form"].due_at == local(
        2026, 2, 15, 23, 59, 59
    )
    # S10 ②: investigated the day received, 13 February; ③: the 3 days reception chose
    # count from passing the form on, so handling ends on 16 February.
    passed_on = await deadlines(runtime, tenant.id, campus)
    assert passed_on["receipt_form"].state == "met"
    assert passed_on["investigation"].due_at == local(2026, 2, 13, 23, 59, 59)
    assert passed_on["handling"].due_at == local(2026, 2, 16, 23, 59, 59)
    # The sweeps see every tenant's due deadlines (other tests' too): count this case's misses.
    clock.set(local(2026, 2, 13, 23, 59))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert await events_named(owner, campus, "DeadlineMissed") == []
    assert await events_named(owner, kept, "DeadlineMissed") == []
    # Both at work on the same due deadlines at once, as after a lock lost unnoticed: each
    # investigation is missed at midnight of the day of receipt, once, and fines nobody.
    clock.set(local(2026, 2, 14, 0, 0, 30))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    for case in (campus, kept):
        missed = await events_named(owner, case, "DeadlineMissed")
        assert len(missed) == 1 and '"deadline_id":"investigation"' in missed[0]
        assert await events_named(owner, case, "PenaltyAssessed") == []
    clock.set(local(2026, 2, 15, 23, 59))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert len(await events_named(owner, kept, "DeadlineMissed")) == 1
    clock.set(local(2026, 2, 16, 0, 0, 30))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert len(await events_named(owner, kept, "DeadlineMissed")) == 2
    # S11 ②: the handling period ends on 16 February.
    assert len(await events_named(owner, campus, "DeadlineMissed")) == 1
    clock.set(local(2026, 2, 17, 0, 0, 30))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert len(await events_named(owner, campus, "DeadlineMissed")) == 2
    assert len(await events_named(owner, kept, "DeadlineMissed")) == 2
    late_form = await events_named(owner, kept, "PenaltyAssessed")
    unanswered = await events_named(owner, campus, "PenaltyAssessed")
    assert len(late_form) == 1 and len(unanswered) == 1
    assert '"amount_fen":10000' in late_form[0]
    assert '"target_role":"campus_reception"' in late_form[0]
    assert '"amount_fen":20000' in unanswered[0]
    assert '"target_role":"department_head"' in unanswered[0]
    assert all('"rule":"S11"' in fine for fine in (*late_form, *unanswered))


async def test_a_problem_complaint_misses_on_the_fifth_working_day_after_the_festival(
    runtime: Runtime, owner: asyncpg.Connection, watchers: tuple[FakeClock, list[DeadlineWatcher]]
) -> None:
    clock, (first, second) = watchers
    tenant, problem, campus, kept = await school_cases(runtime)
    # S3: five working days of receipt. Saturday 14 February is a make-up working day and the
    # festival closes 15–23 February, so the fifth working day is Friday 27 February.
    held = (await deadlines(runtime, tenant.id, problem))["final_plan"]
    assert held.due_at == local(2026, 2, 27, 23, 59, 59)

    tasks = [asyncio.create_task(w.run()) for w in (first, second)]
    try:
        await eventually(lambda: _one_active(first, second), 5, "one watcher takes the lock")
        active, standby = (first, second) if first.held else (second, first)
        # Counting calendar days the step would be late on 20 February; it is not.
        clock.set(local(2026, 2, 27, 23, 59))
        await eventually(lambda: _missed(runtime, tenant.id, campus, "handling"), 5, "S11 ②")
        await eventually(lambda: _missed(runtime, tenant.id, kept, "receipt_form"), 5, "S11 ①")
        await asyncio.sleep(0.3)  # rounds of both watchers at this time
        assert (await deadlines(runtime, tenant.id, problem))["final_plan"].state == "open"
        # once each: the handling period's fine, and the receipt form never passed on
        assert len(await events_named(owner, campus, "PenaltyAssessed")) == 1
        assert len(await events_named(owner, kept, "PenaltyAssessed")) == 1

        # The active watcher goes; the standby takes the lock and the work over.
        tasks[[first, second].index(active)].cancel()
        await eventually(lambda: _holds(standby), 5, "the standby takes over")
        clock.set(local(2026, 2, 28, 0, 0, 30))
        await eventually(lambda: _missed(runtime, tenant.id, problem, "final_plan"), 5, "S3")
        notices = await events_named(owner, problem, "RolesNotified")
        assert "deadline final_plan missed" in notices[-1] and "general_manager" in notices[-1]
        missed_at = await events_named(owner, problem, "DeadlineMissed")
        assert len(missed_at) == 1 and '"2026-02-28T00:00:30+08:00"' in missed_at[0]
        assert await events_named(owner, problem, "PenaltyAssessed") == []  # S3 steps: no fine
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _one_active(a: DeadlineWatcher, b: DeadlineWatcher) -> bool:
    return len(a.held) + len(b.held) == 1


async def _holds(watcher: DeadlineWatcher) -> bool:
    return watcher.held == {0}


async def _missed(runtime: Runtime, tenant_id: UUID, case_id: UUID, deadline_id: str) -> bool:
    return (await deadlines(runtime, tenant_id, case_id))[deadline_id].state == "missed"
