"""Tenant policy options over HTTP: the bank switches on the regulator's clock (BR1–BR3) and
reads "at once" as a number of hours (B4, B5)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from httpx import AsyncClient

from tests.fakes import FakeClock
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

TZ = ZoneInfo("Asia/Shanghai")
RECEIVED = datetime(2024, 9, 27, 10, tzinfo=TZ)
OPTIONS = "/v1/tenant/policy-options"
# every policy declares its warnings before a deadline (domain/reminders.py)
REMINDERS = {
    "reminders": [{"name": "half-time", "fraction": 0.5}, {"name": "last-hour", "hours_before": 1}]
}


@pytest.fixture
def fixed_clock(clock: FakeClock) -> Iterator[FakeClock]:
    clock.set(RECEIVED)
    yield clock
    clock.reset()


@pytest.fixture
async def bank(client: AsyncClient, fixed_clock: FakeClock) -> TenantKeys:
    return await new_tenant(client, "bank@1")


async def file(client: AsyncClient, headers: dict) -> str:
    filed = await client.post("/v1/complaints", headers=headers, json=complaint_body())
    assert filed.status_code == 201, filed.text
    return filed.json()["id"]


async def deadlines(client: AsyncClient, headers: dict, case_id: str) -> dict[str, dict]:
    shown = (await client.get(f"/v1/complaints/{case_id}", headers=headers)).json()
    return {d["deadline_id"]: d for d in shown["deadlines"]}


def end_of(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 23, 59, 59, tzinfo=TZ)


async def test_BR1_the_tenant_admin_sets_only_options_the_policy_declares(
    client: AsyncClient, bank: TenantKeys
) -> None:
    lobby = await staff_key(client, bank, "lobby.li", ["lobby_manager"])
    shown = (await client.get(OPTIONS, headers=lobby)).json()
    assert shown["declared"]["regulator_clock"]["default"] is False
    assert shown["declared"]["regulator_clock"]["rule"] == "BR1"
    assert shown["in_force"] == {"at_once_hours": 1, "regulator_clock": False} | REMINDERS

    forbidden = await client.put(
        OPTIONS, headers=lobby, json={"options": {"regulator_clock": True}}
    )
    assert forbidden.status_code == 403
    for options, field in (
        ({"weekend_clock": True}, "options.weekend_clock"),
        ({"regulator_clock": "yes"}, "options.regulator_clock"),
    ):
        wrong = await client.put(OPTIONS, headers=bank.admin, json={"options": options})
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["errors"][0]["field"] == field

    switched = await client.put(
        OPTIONS, headers=bank.admin, json={"options": {"regulator_clock": True}}
    )
    assert switched.status_code == 200, switched.text
    assert switched.json()["in_force"] == {"at_once_hours": 1, "regulator_clock": True} | REMINDERS
    assert switched.json()["seq"] > 0
    tenant = (await client.get("/v1/tenant", headers=bank.admin)).json()
    assert tenant["policy_options"] == {"regulator_clock": True}


async def test_BR1_a_case_keeps_the_options_in_force_when_it_was_filed(
    client: AsyncClient, bank: TenantKeys
) -> None:
    lobby = await staff_key(client, bank, "lobby.li", ["lobby_manager"])
    general = await staff_key(client, bank, "general.chen", ["general_department"])
    on = await client.put(OPTIONS, headers=bank.admin, json={"options": {"regulator_clock": True}})
    assert on.status_code == 200
    under_clock = await file(client, lobby)
    regulator = (await deadlines(client, lobby, under_clock))["regulator_decision"]
    assert (regulator["rule"], datetime.fromisoformat(regulator["due_at"])) == (
        "BR1",
        end_of(10, 12),
    )
    history = (await client.get(f"/v1/complaints/{under_clock}/history", headers=lobby)).json()
    assert (
        history[0]["data"]["policy_options"]
        == {
            "at_once_hours": 1,
            "regulator_clock": True,
        }
        | REMINDERS
    )

    off = await client.put(OPTIONS, headers=bank.admin, json={"options": {}})
    assert off.status_code == 200
    assert "regulator_decision" not in await deadlines(client, lobby, await file(client, lobby))

    # the earlier case still runs under the clock it was filed with (BR2 extension)
    extend = f"/v1/complaints/{under_clock}/deadline-extended"
    body = {"deadline_id": "regulator_decision", "reason": "records from the card scheme"}
    unapproved = await client.post(extend, headers=general, json=body)
    assert unapproved.status_code == 403
    assert unapproved.json()["rule"] == "BR2"
    approved = await client.post(
        extend, headers=general, json={**body, "approved_by": "director.qian"}
    )
    assert approved.status_code == 200, approved.text
    regulator = (await deadlines(client, lobby, under_clock))["regulator_decision"]
    assert datetime.fromisoformat(regulator["due_at"]) == end_of(10, 27)


async def test_B4_at_once_hours_out_of_range_is_refused_and_changes_nothing(
    client: AsyncClient, bank: TenantKeys
) -> None:
    lobby = await staff_key(client, bank, "lobby.li", ["lobby_manager"])
    two = await client.put(OPTIONS, headers=bank.admin, json={"options": {"at_once_hours": 2}})
    assert two.status_code == 200, two.text
    before = (await client.get("/v1/tenant", headers=bank.admin)).json()
    for hours in (0, 25):
        wrong = await client.put(
            OPTIONS, headers=bank.admin, json={"options": {"at_once_hours": hours}}
        )
        assert wrong.status_code == 422, wrong.text
        assert wrong.json()["errors"][0]["field"] == "options.at_once_hours"
    assert (await client.get("/v1/tenant", headers=bank.admin)).json() == before
    shown = (await client.get(OPTIONS, headers=lobby)).json()
    assert shown["in_force"] == {"at_once_hours": 2, "regulator_clock": False} | REMINDERS

    # filing still works, under the value that was kept
    case_id = await file(client, lobby)
    history = (await client.get(f"/v1/complaints/{case_id}/history", headers=lobby)).json()
    assert (
        history[0]["data"]["policy_options"]
        == {
            "at_once_hours": 2,
            "regulator_clock": False,
        }
        | REMINDERS
    )
