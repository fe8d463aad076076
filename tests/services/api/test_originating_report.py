"""B13: within 3 days after an agitation incident is handled, the whole event and its outcome go
to the originating bank: the pack holds every recorded step with its ledger seq, the outcome
and the report's own deadline, for the general department and the leaders only."""

from __future__ import annotations

from httpx import AsyncClient

from tests.services.api.test_reports_api import held_accountable
from tests.services.support import complaint_body, new_tenant, staff_key


async def test_B13_the_pack_holds_the_whole_event_and_its_outcome_from_the_ledger(
    client: AsyncClient,
) -> None:
    lobby, general, case, seq = await held_accountable(client)
    for slot, person in (("A", "teller.gao"), ("B", "teller.wu")):  # B7
        assigned = await client.post(
            f"/v1/complaints/{case}/assign", headers=lobby, json={"person": person, "slot": slot}
        )
        assert assigned.status_code == 200, assigned.text
    resolved = await client.post(
        f"/v1/complaints/{case}/resolve", headers=general, json={"outcome": "fee refunded"}
    )
    assert resolved.status_code == 200, resolved.text

    answer = await client.get(f"/v1/complaints/{case}/originating-bank-report", headers=general)

    assert answer.status_code == 200, answer.text
    pack = answer.json()
    history = (await client.get(f"/v1/complaints/{case}/history", headers=general)).json()
    assert [step["seq"] for step in pack["history"]] == [step["seq"] for step in history]
    assert {"Filed", "Escalated", "PenaltyAssessed", "PenaltyReversed", "Resolved"} <= {
        step["event"] for step in pack["history"]
    }
    outcome = pack["outcome"]
    assert outcome["handled"] and outcome["resolution"] == "fee refunded"
    assert outcome["level_reached"] >= 2
    assert {p["target_role"] for p in outcome["accountability"]} == {
        "handler",
        "branch_head",
        "service_quality_leader",
    }
    assert pack["report_deadline"]["kind"] == "originating_bank_report"
    assert pack["report_deadline"]["state"] == "open"  # it is the general department's next step
    assert pack["ledger"]["last_seq"] == history[-1]["seq"] > seq
    assert pack["ledger"]["head_seq"] >= pack["ledger"]["last_seq"]
    assert len(pack["ledger"]["head_hash"]) == 64


async def test_B13_the_lobby_does_not_read_the_pack_nor_does_another_procedure_have_one(
    client: AsyncClient,
) -> None:
    lobby, _, case, _ = await held_accountable(client)

    refused = await client.get(f"/v1/complaints/{case}/originating-bank-report", headers=lobby)

    assert refused.status_code == 403 and refused.json()["rule"] == "B13"
    hospital = await new_tenant(client, "hospital@1")
    affairs = await staff_key(client, hospital, "affairs.li", ["medical_affairs"])
    filed = await client.post("/v1/complaints", headers=affairs, json=complaint_body())
    other = await client.get(
        f"/v1/complaints/{filed.json()['id']}/originating-bank-report", headers=affairs
    )
    assert other.status_code == 404
