"""B9 over HTTP: identifying features reach security and leadership only, on every read path;
and the tenant directory shows key ids to its administrator only."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import pytest
from httpx import AsyncClient
from nats.js.api import ConsumerConfig, DeliverPolicy

from services.bus.stream_config import STREAM, tenant_filter
from services.runtime import Runtime
from tests.services.bus.support import eventually, relay_position
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

# Nothing else in a case says this, so finding it anywhere is a leak.
SENTINEL = "mole-under-left-eye-7f3a"
FEATURES = {"height": "about 180 cm", "face": SENTINEL}
READERS = {"guard.zhao": ["security_guard"], "president.zhou": ["president"]}
OUTSIDERS = {
    "lobby.li": ["lobby_manager"],
    "general.chen": ["general_department"],
    "handler.liu": ["handler"],
    "auditor.qian": ["auditor"],
}


@dataclass(frozen=True)
class NotedCase:
    tenant: TenantKeys
    case_id: str
    seq: int  # of the features noted
    keys: dict[str, dict[str, str]]  # person -> Authorization header

    def readers(self) -> list[dict[str, str]]:
        return [self.keys[person] for person in READERS]

    def outsiders(self) -> list[dict[str, str]]:
        return [self.keys[person] for person in OUTSIDERS] + [self.tenant.admin]


@pytest.fixture(scope="module")
async def noted(client: AsyncClient) -> NotedCase:
    """A bank case whose features the guard noted, then an incident reported on it."""
    tenant = await new_tenant(client, "bank@1")
    keys = {
        person: await staff_key(client, tenant, person, roles)
        for person, roles in {**READERS, **OUTSIDERS}.items()
    }
    filed = await client.post(
        "/v1/complaints", headers=keys["lobby.li"], json=complaint_body(category="mild_agitation")
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    written = await client.post(
        f"/v1/complaints/{case_id}/identifying-features",
        headers=keys["guard.zhao"],
        json={"features": FEATURES},
    )
    assert written.status_code == 200, written.text
    await client.post(
        f"/v1/complaints/{case_id}/incidents",
        headers=keys["lobby.li"],
        json={"kind": "verbal_abuse", "description": "shouting at the counter"},
    )
    return NotedCase(tenant, case_id, written.json()["seq"], keys)


async def features_in_history(client: AsyncClient, case: NotedCase, key: dict[str, str]) -> dict:
    history = await client.get(f"/v1/complaints/{case.case_id}/history", headers=key)
    assert history.status_code == 200, history.text
    return next(item for item in history.json() if item["event"] == "IdentifyingFeaturesNoted")


async def test_B9_history_gives_the_features_to_security_and_leadership(
    client: AsyncClient, noted: NotedCase
) -> None:
    for reader in noted.readers():
        item = await features_in_history(client, noted, reader)
        assert item["data"]["features"] == FEATURES and item["withheld"] == []


async def test_B9_history_withholds_the_features_from_every_other_role(
    client: AsyncClient, noted: NotedCase
) -> None:
    for outsider in noted.outsiders():
        item = await features_in_history(client, noted, outsider)
        assert item["data"]["features"] == {} and item["withheld"] == ["features"]
        assert item["by"] == "guard.zhao"  # that they were noted, and by whom, is no secret
        answer = await client.get(f"/v1/complaints/{noted.case_id}/history", headers=outsider)
        assert SENTINEL not in answer.text


async def test_B9_the_case_now_and_as_of_a_moment_shows_the_features_to_readers_only(
    client: AsyncClient, noted: NotedCase
) -> None:
    for params in ({}, {"as_of": "2999-01-01T00:00:00Z"}):
        url = f"/v1/complaints/{noted.case_id}"
        for reader in noted.readers():
            case = (await client.get(url, headers=reader, params=params)).json()
            assert case["restricted"] == FEATURES and case["withheld"] == []
        for outsider in noted.outsiders():
            shown = await client.get(url, headers=outsider, params=params)
            assert shown.status_code == 200, shown.text
            assert shown.json()["restricted"] == {}
            assert shown.json()["withheld"] == ["restricted"]
            assert SENTINEL not in shown.text  # nor in its timeline


async def test_B9_a_replay_shows_the_features_to_readers_only(
    client: AsyncClient, noted: NotedCase
) -> None:
    url = f"/v1/complaints/{noted.case_id}/replay"
    for reader in noted.readers():
        steps = (await client.get(url, headers=reader)).json()
        assert steps[-1]["state"]["restricted"] == FEATURES
    for outsider in noted.outsiders():
        replayed = await client.get(url, headers=outsider)
        assert replayed.status_code == 200, replayed.text
        assert all(step["state"]["restricted"] == {} for step in replayed.json())
        assert SENTINEL not in replayed.text


async def test_B9_the_originating_bank_pack_withholds_the_features_from_the_general_department(
    client: AsyncClient, noted: NotedCase
) -> None:
    """B13's pack goes outside the bank; it is read by the general department, whom B9 does
    not name, so the features stay withheld there as on every other path."""
    url = f"/v1/complaints/{noted.case_id}/originating-bank-report"
    pack = await client.get(url, headers=noted.keys["general.chen"])
    assert pack.status_code == 200, pack.text
    noted_step = next(s for s in pack.json()["history"] if s["event"] == "IdentifyingFeaturesNoted")
    assert noted_step["data"]["features"] == {} and noted_step["withheld"] == ["features"]
    assert SENTINEL not in pack.text
    shown = await client.get(url, headers=noted.keys["president.zhou"])
    assert shown.status_code == 200, shown.text
    assert SENTINEL in shown.text  # leadership reads the pack whole


async def test_B9_lists_inbox_deadlines_and_stats_never_carry_the_features(
    client: AsyncClient, noted: NotedCase
) -> None:
    after = {"after_seq": noted.seq}
    for key in noted.readers() + noted.outsiders():
        for path in ("/v1/complaints", "/v1/inbox", "/v1/deadlines", "/v1/stats"):
            answer = await client.get(path, headers=key, params=after)
            assert answer.status_code == 200, (path, answer.text)
            assert SENTINEL not in answer.text, path


async def test_staff_read_the_people_and_their_roles_but_no_key_ids(
    client: AsyncClient, noted: NotedCase
) -> None:
    everyone = await client.get("/v1/tenant", headers=noted.tenant.admin)
    key_ids = [k["key_id"] for k in everyone.json()["keys"]]
    assert len(key_ids) == 1 + len(READERS) + len(OUTSIDERS)
    for person in [*READERS, *OUTSIDERS]:
        shown = await client.get("/v1/tenant", headers=noted.keys[person])
        assert shown.status_code == 200, shown.text
        people = {p["person_id"]: p["roles"] for p in shown.json()["people"]}
        assert people["guard.zhao"] == ["security_guard"] and people["admin"] == ["admin"]
        assert "keys" not in shown.json()
        assert not any(key_id in shown.text for key_id in key_ids)


async def test_B9_no_bus_message_carries_the_features_so_neither_sse_nor_webhooks_can(
    runtime: Runtime, noted: NotedCase
) -> None:
    """The SSE feed and the webhooks pass on the relay's signed copies as they are, so what no
    copy holds no subscriber gets, whichever role it listens for."""
    tenant_id = UUID(noted.tenant.tenant_id)

    async def relayed() -> bool:
        return await relay_position(runtime, tenant_id) >= noted.seq

    await eventually(relayed, 15, "the relay passed the features")
    sub = await runtime.nats.jetstream().subscribe(
        tenant_filter(tenant_id),
        stream=STREAM,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        ordered_consumer=True,
    )
    bodies = []
    try:
        while True:
            # the first copy may take a while: the server looks for the tenant's subjects
            # through the whole stream, which the other tests have filled
            wait = 1.0 if bodies else 15.0
            try:
                bodies.append((await sub.next_msg(timeout=wait)).data.decode())
            except TimeoutError:
                break
    finally:
        await sub.unsubscribe()
    assert bodies, "the case's notifications were relayed"
    assert not any(SENTINEL in body for body in bodies)
    assert not any("IdentifyingFeaturesNoted" in body for body in bodies)
