"""Time left to a deadline, counted in the tenant's working days (public holidays and make-up
working days included), as the deadlines themselves are counted."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from domain.calendar import WorkingCalendar
from tests.e2e.console.support import Console, Hospital
from tests.services.support import bearer

TIME_LEFT = """async (days) => {
  const core = await import("/console/static/console.js");  // the page's own module
  const due = new Date(core.now() + days * 86400000).toISOString();
  await core.loadWorkingDays([due]);
  const late = new Date(core.now() - 7200000).toISOString();
  return [core.timeLeft(due).text, core.timeLeft(late).text];
}"""


async def test_working_days_follow_the_chinese_calendar_with_its_make_up_days(
    http: httpx.AsyncClient, hospital: Hospital
) -> None:
    answer = await http.get(
        "/console/working-days",
        params={"from": "2025-09-26", "to": "2025-10-13"},
        headers=bearer(hospital.doctor_key),
    )

    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "timezone": "Asia/Shanghai",
        # Sunday 28 September and Saturday 11 October are worked; the National Day week is not
        "working_days": [
            "2025-09-26", "2025-09-28", "2025-09-29", "2025-09-30",
            "2025-10-09", "2025-10-10", "2025-10-11", "2025-10-13",
        ],
    }  # fmt: skip


async def test_working_days_answer_a_bounded_range_to_a_tenant_only(
    http: httpx.AsyncClient, hospital: Hospital
) -> None:
    too_long = await http.get(
        "/console/working-days",
        params={"from": "2025-01-01", "to": "2027-01-01"},
        headers=bearer(hospital.doctor_key),
    )
    anonymous = await http.get(
        "/console/working-days", params={"from": "2025-01-01", "to": "2025-01-02"}
    )

    assert too_long.status_code == 422
    assert anonymous.status_code == 401


async def test_the_console_tells_time_left_in_working_days_and_overdue_in_hours(
    console: Console, hospital: Hospital
) -> None:
    await console.sign_in(hospital.doctor_key)

    left, overdue = await console.page.evaluate(TIME_LEFT, 10)

    calendar = WorkingCalendar(timezone="Asia/Shanghai")
    today = datetime.now(UTC).astimezone(calendar.zone).date()
    due = (datetime.now(UTC) + timedelta(days=10)).astimezone(calendar.zone).date()
    working = sum(
        calendar.is_working_day(today + timedelta(days=n)) for n in range(1, (due - today).days + 1)
    )
    assert left == f"剩余 {working} 个工作日"
    assert re.fullmatch(r"已超时 (2 小时|1 小时 59 分钟)", overdue)
