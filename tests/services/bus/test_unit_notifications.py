"""Units on the bus, end to end on the real engines: a campus's copy of a notification reaches
that campus's readers (its subject, its reception's event stream, its webhook) and no other
campus's (S10); an escalation of a campus case to a rung of unit roles reaches the holders
placed on the region above the campus, and only that region's (S7, docs/units.md
"Escalation"), while the case stays in its campus.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import httpx

from services.bus.stream_config import unit_filter, unit_of
from services.runtime import Runtime
from tests.services.api.test_units_rules_api import SCHOOL_TREE, placed, tenant_with_tree
from tests.services.api.test_units_scope_api import inbox
from tests.services.bus.test_sse import Feed, feed
from tests.services.bus.test_unit_subjects import (
    CAMPUS_COMPLAINT,
    file_in,
    on,
    relayed,
    stored,
)
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import TenantKeys, staff_key

RECEPTION = "campus_reception"
REGIONAL = "regional_manager"
STARTED = "DeadlineStarted"  # how a campus case reaches reception at intake


async def cases_told(into: Feed, event: str, until: str, timeout: float = 15.0) -> list[str]:
    """The cases whose ``event`` reached the feed, up to and with the case ``until``: a feed
    read to a case it must get, so a copy it must not get, sent before, would be here."""
    told: list[str] = []
    async with asyncio.timeout(timeout):
        while until not in told:
            _, body = await into.next_of(event, timeout)
            if body["data"]["case_id"] not in told:  # a case may start two deadlines
                told.append(body["data"]["case_id"])
    return told


def hooked(endpoint: Receiver, event: str) -> list[dict[str, Any]]:
    return [json.loads(b)["data"] for _, b in endpoint.of(event)]


async def pushed(endpoint: Receiver, event: str, case_id: str, timeout: float = 30.0) -> None:
    async with asyncio.timeout(timeout):
        while case_id not in {d["case_id"] for d in hooked(endpoint, event)}:
            await asyncio.sleep(0.05)


async def hook(
    client: httpx.AsyncClient, tenant: TenantKeys, role: str, unit: str, url: str
) -> None:
    made = await client.post(
        "/v1/webhooks", headers=tenant.admin, json={"role": role, "url": url, "unit": unit}
    )
    assert made.status_code == 201, made.text


async def escalate(client: httpx.AsyncClient, tenant: TenantKeys, case_id: str, times: int) -> int:
    seq = 0
    for _ in range(times):
        up = await client.post(
            f"/v1/complaints/{case_id}/escalate",
            headers=tenant.admin,
            json={"reason": "not settled on the campus"},
        )
        assert up.status_code == 200, up.text
        seq = up.json()["seq"]
    return seq


def of_case(copies: Sequence[tuple[str, dict[str, Any]]], case_id: str) -> list[tuple[str, dict]]:
    return [(s, d) for s, d in copies if d["case_id"] == case_id]


# --- S10: the campus reception's copy --------------------------------------------------------


async def test_S10_a_campus_receptions_copy_reaches_that_campus_reception_only(
    client: httpx.AsyncClient, runtime: Runtime, base_url: str
) -> None:
    """S10: a campus-north complaint is campus-north reception's to receive (its same-day
    investigation starts, S10 ②, with the receipt form's two days, S11 ①): its copy is on
    campus-north's reception subject and not campus-south's nor the school's; campus-north's
    reception is told on its event stream and campus-south's is not; a reception webhook for
    campus-south is pushed only campus-south's case."""
    school = await tenant_with_tree(client, "school@1", SCHOOL_TREE)
    north = await placed(client, school, "rec.north", {"campus-north": [RECEPTION]})
    south = await placed(client, school, "rec.south", {"campus-south": [RECEPTION]})
    tenant_id = UUID(school.tenant_id)
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        await hook(client, school, RECEPTION, "campus-south", url)
        await asyncio.sleep(1.5)  # the dispatcher picks new webhooks up each second
        async with feed(base_url, north) as north_feed, feed(base_url, south) as south_feed:
            in_north = await file_in(client, school, "campus-north", category=CAMPUS_COMPLAINT)
            in_south = await file_in(client, school, "campus-south", category=CAMPUS_COMPLAINT)
            north_subject = on(school, RECEPTION, STARTED, "campus-north")
            south_subject = on(school, RECEPTION, STARTED, "campus-south")
            copies = await relayed(runtime, school, north_subject, south_subject)

            assert await cases_told(north_feed, STARTED, in_north) == [in_north]
            assert await cases_told(south_feed, STARTED, in_south) == [in_south]
            await pushed(endpoint, STARTED, in_south)
            await asyncio.sleep(0.5)  # the north copy came first: sent, it would be here
    reception = [(s, d) for s, d in of_case(copies, in_north) if d["role"] == RECEPTION]
    assert "S10" in {d["rule"] for _, d in reception}
    assert reception and {s for s, _ in reception} == {north_subject}
    assert {d["unit"] for _, d in reception} == {"campus-north"}
    js = runtime.nats.jetstream()
    south_reader = await stored(js, unit_filter(tenant_id, RECEPTION, "campus-south"))
    assert of_case(south_reader, in_north) == []
    assert of_case(south_reader, in_south) != []
    north_reader = await stored(js, unit_filter(tenant_id, RECEPTION, "campus-north"))
    assert of_case(north_reader, in_south) == []
    assert {d["case_id"] for d in hooked(endpoint, STARTED)} == {in_south}
    for _, _, body in north_feed.seen:
        assert body["data"]["unit"] == "campus-north"


# --- escalation: the rung's unit roles, held in the unit above the case's ---------------------


async def test_S7_an_escalated_campus_case_reaches_the_regional_manager_of_its_region_only(
    client: httpx.AsyncClient, runtime: Runtime, base_url: str
) -> None:
    """The regional manager's rung (C2, the ladder S7's regional manager stands on) is a rung
    of unit roles: a campus-north case escalated to it reaches the regional manager placed on
    region-east, above campus-north, in the inbox, on the event stream and on region-east's
    webhook; region-west's regional manager hears nothing. The copy goes on campus-north's
    subject and names region-east in its path; the case stays in campus-north. The next rung,
    administration, is the school's: it is told wherever the case is."""
    school = await tenant_with_tree(client, "school@1", SCHOOL_TREE)
    east = await placed(client, school, "rm.east", {"region-east": [REGIONAL]})
    west = await placed(client, school, "rm.west", {"region-west": [REGIONAL]})
    office = await staff_key(client, school, "admin.office", ["administration"])
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        await hook(client, school, REGIONAL, "region-west", url)
        await asyncio.sleep(1.5)  # the dispatcher picks new webhooks up each second
        async with feed(base_url, east) as east_feed, feed(base_url, west) as west_feed:
            in_north = await file_in(client, school, "campus-north", category=CAMPUS_COMPLAINT)
            in_south = await file_in(client, school, "campus-south", category=CAMPUS_COMPLAINT)
            # campus_reception -> department -> campus_supervisor -> regional_manager
            north_seq = await escalate(client, school, in_north, 3)
            south_seq = await escalate(client, school, in_south, 3)
            north_subject = on(school, REGIONAL, "Escalated", "campus-north")
            copies = await relayed(runtime, school, north_subject)

            assert await cases_told(east_feed, "Escalated", in_north) == [in_north]
            assert await cases_told(west_feed, "Escalated", in_south) == [in_south]
            await pushed(endpoint, "Escalated", in_south)
            await asyncio.sleep(0.5)  # the north copy came first: sent, it would be here
    assert {d["case_id"] for d in hooked(endpoint, "Escalated")} == {in_south}

    regional = [(s, d) for s, d in of_case(copies, in_north) if d["role"] == REGIONAL]
    assert regional and {s for s, _ in regional} == {north_subject}
    assert {tuple(d["unit_path"]) for _, d in regional} == {("region-east", "campus-north")}

    waiting = (await inbox(client, east, south_seq)).get(in_north)
    assert waiting is not None and waiting["rung"] == REGIONAL, waiting
    assert waiting["unit"] == "campus-north"
    assert in_north not in await inbox(client, west, north_seq)
    assert in_south in await inbox(client, west, south_seq)
    shown = await client.get(f"/v1/complaints/{in_north}", headers=east)
    assert (shown.status_code, shown.json()["unit"]) == (200, "campus-north")

    to_office = await escalate(client, school, in_north, 1)
    assert in_north in await inbox(client, office, to_office)
    administration = on(school, "administration", "Escalated")
    copies = await relayed(runtime, school, administration)
    told = [s for s, d in of_case(copies, in_north) if d["role"] == "administration"]
    assert told and all(unit_of(s) is None for s in told)
