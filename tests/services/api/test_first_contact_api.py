"""S1 over HTTP: whoever first receives a complaint owns it until an explicit hand-on."""

from __future__ import annotations

from httpx import AsyncClient

from tests.services.support import complaint_body, new_tenant, staff_key

FACILITIES = "campus/service/facilities/complaint"
SOLUTION = {"authority": "department_head", "target": "solution", "opinion": "heater replaced"}


async def test_S1_no_action_but_a_hand_on_changes_the_owner(client: AsyncClient) -> None:
    school = await new_tenant(client, "school@1")
    reception = await staff_key(client, school, "reception.liu", ["campus_reception"])
    head = await staff_key(client, school, "head.zhang", ["department_head"])
    supervisor = await staff_key(client, school, "supervisor.chen", ["campus_supervisor"])
    administration = await staff_key(client, school, "admin.wu", ["administration"])
    filed = await client.post(
        "/v1/complaints",
        headers=reception,
        json=complaint_body(category=FACILITIES, site="Nanming campus"),
    )
    assert filed.status_code == 201, filed.text
    case = f"/v1/complaints/{filed.json()['id']}"

    actions = [
        (administration, "acknowledge", {}),
        # S10 ③: the receipt form passed on with the handling period reception chose
        (reception, "assign", {"person": "head.zhang", "slot": "department", "handling_days": 3}),
        (head, "notes", {"text": "heater ordered"}),
        (head, "handovers", {"text": "parent calls after 6pm"}),
        (head, "evidence", {"description": "photo of the heater", "reference": "img-1"}),
        (supervisor, "escalate", {"reason": "needs the campus supervisor"}),
        (
            supervisor,
            "contacts",
            {"kind": "media", "name": "Reporter", "organisation": "Daily", "purpose": "story"},
        ),
        (supervisor, "group", {"group": "winter heating"}),
        (head, "resolve", {"outcome": "heater replaced"}),
        (head, "outcomes", SOLUTION),  # S10 ⑤
        # S10 ⑥ ⑦: the follow-up visit and its scores are reception's alone
        (reception, "satisfaction", {"score": 4, "stage": "follow-up"}),
        (reception, "close", {"reason": "parent satisfied", "satisfaction": 5}),
        # S11 ③: the same fault again, after handling
        (supervisor, "reopen", {"reason": "the heater failed again", "recurrence": True}),
    ]
    for headers, action, body in actions:
        done = await client.post(f"{case}/{action}", headers=headers, json=body)
        assert done.status_code == 200, (action, done.text)
        assert (await client.get(case, headers=head)).json()["owner"] == "reception.liu", action

    refused = await client.post(f"{case}/hand-on", headers=head, json={"to_person": "head.zhang"})
    assert refused.status_code == 403
    assert refused.json()["rule"] == "S1"

    handed = await client.post(
        f"{case}/hand-on", headers=reception, json={"to_person": "admin.wu", "reason": "off shift"}
    )
    assert handed.status_code == 200, handed.text
    assert (await client.get(case, headers=head)).json()["owner"] == "admin.wu"
