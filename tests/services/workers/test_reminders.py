"""C3, S1: with two watchers running, a warning before a working-day deadline that spans the
2026 Spring Festival is recorded once, when half of its working time has gone, not half of
the calendar's, and the relay sends it to the roles the deadline waits on."""

from __future__ import annotations

import asyncio

import asyncpg

from services.runtime import Runtime
from services.workers.watcher import DeadlineWatcher
from tests.fakes import FakeClock
from tests.services.workers.test_watcher import events_named, local, school_cases


async def test_C3_S1_half_time_of_a_working_day_deadline_is_reminded_once_after_the_festival(
    runtime: Runtime, owner: asyncpg.Connection, watchers: tuple[FakeClock, list[DeadlineWatcher]]
) -> None:
    clock, (first, second) = watchers
    _, problem, _, _ = await school_cases(runtime)
    # S3's final plan: five working days from Friday 13 February 10:00, the make-up Saturday
    # included and the festival (15–23 February) not: 39 working hours (09:00 to 17:00), due
    # 27 February. Half of them have gone at 09:30 on Wednesday 25 February; half the
    # calendar's would have been on 20 February, in the middle of the festival.
    clock.set(local(2026, 2, 20, 12, 0))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert await events_named(owner, problem, "DeadlineReminded") == []

    clock.set(local(2026, 2, 25, 9, 28))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    assert not any(
        '"final_plan"' in e for e in await events_named(owner, problem, "DeadlineReminded")
    )

    clock.set(local(2026, 2, 25, 9, 30, 30))
    for _ in range(3):  # both at work at once, as after a lock lost unnoticed, and again
        await asyncio.gather(first.sweep({0}), second.sweep({0}))

    sent = [
        e for e in await events_named(owner, problem, "DeadlineReminded") if '"final_plan"' in e
    ]
    assert len(sent) == 1
    assert '"reminder":"half-time"' in sent[0] and '"owner":"admin.zhou"' in sent[0]
    assert '"rule":"S3"' in sent[0]

    clock.set(local(2026, 2, 27, 16, 0, 30))  # one working hour left
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    await asyncio.gather(first.sweep({0}), second.sweep({0}))
    sent = [
        e for e in await events_named(owner, problem, "DeadlineReminded") if '"final_plan"' in e
    ]
    assert len(sent) == 2 and '"reminder":"last-hour"' in sent[1]
