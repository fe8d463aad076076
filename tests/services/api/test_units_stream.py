"""``GET /v1/stream`` in a tenant with units (issue 14, H4): a department head placed in one
department is told of that department's cases, not of another's; a tenant-wide role of both."""

from __future__ import annotations

import asyncio

import httpx

from tests.services.bus.test_sse import Feed, feed
from tests.services.bus.test_unit_subjects import (
    HOSPITAL_UNITS,
    file_in,
    placed_key,
    tenant_with_units,
)


async def cases_told(into: Feed, until: str, timeout: float = 15.0) -> list[str]:
    """The cases whose RolesNotified reached the feed, up to and with the case ``until``."""
    told: list[str] = []
    async with asyncio.timeout(timeout):
        while until not in told:
            _, body = await into.next_of("RolesNotified", timeout)
            told.append(body["data"]["case_id"])
    return told


async def test_H4_a_department_head_is_told_of_their_departments_cases_only(
    client: httpx.AsyncClient, base_url: str
) -> None:
    hospital = await tenant_with_units(client, "hospital@1", HOSPITAL_UNITS)
    ortho_head = await placed_key(client, hospital, "head.ortho", {"ortho": ["department_head"]})
    cardio_head = await placed_key(client, hospital, "head.cardio", {"cardio": ["department_head"]})
    affairs = await placed_key(client, hospital, "affairs.qin", {}, roles=("medical_affairs",))
    async with (
        feed(base_url, ortho_head) as ortho,
        feed(base_url, cardio_head) as cardio,
        feed(base_url, affairs) as tenant_wide,
    ):
        first = await file_in(client, hospital, "ortho")
        in_cardio = await file_in(client, hospital, "cardio")
        second = await file_in(client, hospital, "ortho")
        # each feed read up to a case it must get, so a leak before it would be in the list
        assert await cases_told(ortho, second) == [first, second]
        assert await cases_told(cardio, in_cardio) == [in_cardio]
        assert await cases_told(tenant_wide, second) == [first, in_cardio, second]
    for one in ortho.seen:
        assert one[2]["data"]["unit"] == "ortho" and one[2]["data"]["role"] == "department_head"
