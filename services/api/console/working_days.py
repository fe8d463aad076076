"""``GET /console/working-days``: which days the caller's tenant works, so the console can
tell a deadline's time left in working days (public holidays, make-up working days and the
tenant's own closures counted, as the deadlines themselves are)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant
from services.api.problems import FieldError
from services.handlers.directory import TenantDirectory

MAX_DAYS = 400  # a deadline further out than a year is shown by its date alone


class WorkingDays(msgspec.Struct, frozen=True):
    timezone: str  # the tenant's, in which the days are counted
    working_days: list[str]  # ISO dates, in order


@get(
    "/working-days",
    guards=[tenant_member],
    operation_id="consoleWorkingDays",
    tags=["console"],
    summary="The days the caller's tenant works, from one date to another",
)
async def working_days(
    request: Request[Principal, Any, Any],
    directory: NamedDependency[TenantDirectory],
    first: Annotated[date, QueryParameter(name="from")],
    last: Annotated[date, QueryParameter(name="to")],
) -> WorkingDays:
    if not timedelta(0) <= last - first <= timedelta(days=MAX_DAYS):
        raise FieldError("to", f"must be from 'from' to {MAX_DAYS} days after it")
    tenant = await caller_tenant(directory, request.user)
    calendar = tenant.calendar
    days = (first + timedelta(days=n) for n in range((last - first).days + 1))
    return WorkingDays(
        timezone=tenant.timezone,
        working_days=[day.isoformat() for day in days if calendar.is_working_day(day)],
    )
