"""Units on the bus (issue 14): a copy for a role the policy means per unit goes to the case's
unit's subject, every other copy to the tenant's; a webhook for a unit gets only its cases."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import httpx
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy

from domain.policies.hospital.policy import HospitalPolicy
from projections.changes import Envelope
from services.bus.case_context import contexts_at
from services.bus.messages import CaseContext, UnknownPolicy, cloud_event, copy_unit
from services.bus.stream_config import STREAM, subject, tenant_filter, unit_filter, unit_of
from services.bus.webhook_dispatch import in_unit
from services.bus.webhooks import Webhook
from services.runtime import Runtime
from tests.services.bus.test_webhooks import Receiver, serving
from tests.services.support import TenantKeys, bearer, complaint_body, new_tenant

Copy = tuple[str, dict[str, Any]]  # (subject, the CloudEvent's data)
HOSPITAL_UNITS = (("ortho", "骨科", "department"), ("cardio", "心内科", "department"))
BANK_UNITS = (("branch-east", "城东支行", "branch"), ("branch-west", "城西支行", "branch"))
SCHOOL_UNITS = (("campus-north", "北校区", "campus"), ("campus-south", "南校区", "campus"))
CAMPUS_COMPLAINT = "campus/service/facilities/complaint"


# --- support: a tenant with units, people placed in them (the units routes) ----------------


async def tenant_with_units(
    client: httpx.AsyncClient, policy: str, units: tuple[tuple[str, str, str], ...]
) -> TenantKeys:
    tenant = await new_tenant(client, policy)
    for unit_id, name, kind in units:
        made = await client.post(
            "/v1/units",
            headers=tenant.admin,
            json={"unit_id": unit_id, "name": name, "kind": kind},
        )
        assert made.status_code == 201, made.text
    return tenant


async def placed_key(
    client: httpx.AsyncClient,
    tenant: TenantKeys,
    person: str,
    units: dict[str, list[str]],
    roles: tuple[str, ...] = (),
) -> dict[str, str]:
    """A key of a person holding ``roles`` tenant-wide and ``units``' roles in those units."""
    made = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": person, "name": person, "roles": list(roles), "units": units},
    )
    assert made.status_code == 201, made.text
    key = await client.post("/v1/keys", headers=tenant.admin, json={"person_id": person})
    assert key.status_code == 201, key.text
    return bearer(key.json()["key"])


async def file_in(
    client: httpx.AsyncClient, tenant: TenantKeys, unit: str | None, **body: Any
) -> str:
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(unit=unit, **body)
    )
    assert filed.status_code == 201, filed.text
    return filed.json()["id"]


# --- support: what the stream holds -------------------------------------------------------


async def stored(js: JetStreamContext, filter_subject: str) -> list[Copy]:
    """Every message the stream holds on ``filter_subject`` now, in stream order."""
    sub = await js.subscribe(
        filter_subject,
        stream=STREAM,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL),
        ordered_consumer=True,
    )
    found: list[Copy] = []
    try:
        while True:
            try:
                msg = await sub.next_msg(timeout=0.3)
            except TimeoutError:
                return found
            found.append((msg.subject, json.loads(msg.data)["data"]))
    finally:
        await sub.unsubscribe()


async def relayed(runtime: Runtime, tenant: TenantKeys, *subjects: str) -> list[Copy]:
    """The tenant's copies once every subject named holds one (the relay is asynchronous)."""
    js = runtime.nats.jetstream()
    async with asyncio.timeout(15):
        while True:
            copies = await stored(js, tenant_filter(UUID(tenant.tenant_id)))
            if set(subjects) <= {s for s, _ in copies}:
                return copies
            await asyncio.sleep(0.1)


def on(tenant: TenantKeys, role: str, event: str, unit: str | None = None) -> str:
    return subject(UUID(tenant.tenant_id), role, event, unit)


# --- subjects ------------------------------------------------------------------------------


def test_a_unit_subject_has_five_tokens_and_names_its_unit() -> None:
    tenant = uuid4()
    assert subject(tenant, "head_nurse", "RolesNotified", "ortho") == (
        f"complaints.{tenant.hex}.head_nurse.ortho.RolesNotified"
    )
    assert unit_of(subject(tenant, "head_nurse", "RolesNotified", "ortho")) == "ortho"
    assert unit_of(subject(tenant, "medical_affairs", "RolesNotified")) is None
    assert (
        unit_filter(tenant, "head_nurse", "ortho") == f"complaints.{tenant.hex}.head_nurse.ortho.*"
    )
    # a unit id can never add a token or a wildcard
    assert (
        subject(tenant, "nurse", "Escalated", "a.>")
        == f"complaints.{tenant.hex}.nurse.a__.Escalated"
    )


def notified(unit_id: str | None) -> Envelope:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    data = {"roles": ["department_head", "medical_affairs"], "reason": "r", "rule": "H4",
            "by": "desk", "at": at, "unit_id": unit_id}  # fmt: skip
    return Envelope(uuid4(), 7, at, uuid4(), 2, "Complaint", "RolesNotified", data)


def test_H4_only_the_roles_the_policy_means_per_unit_go_to_the_units_subject() -> None:
    hospital = HospitalPolicy()
    assert copy_unit(notified("ortho"), "department_head", hospital) == "ortho"
    assert copy_unit(notified("ortho"), "medical_affairs", hospital) is None
    assert copy_unit(notified(None), "department_head", hospital) is None
    # a plug-in's policy unknown here: every copy of a unit's case stays in its unit
    assert copy_unit(notified("ortho"), "medical_affairs", UnknownPolicy()) == "ortho"


def test_a_copy_says_which_unit_its_case_was_in_and_where_that_unit_sat() -> None:
    case = CaseContext("late", 1, "hospital@1", ("surgery", "ortho"))
    body = json.loads(cloud_event(notified("ortho"), "department_head", ("department_head",), case))
    assert body["data"]["unit"] == "ortho"
    assert body["data"]["unit_path"] == ["surgery", "ortho"]
    root = json.loads(cloud_event(notified(None), "department_head", ("department_head",), case))
    assert root["data"]["unit"] is None


# --- the relay on real engines -------------------------------------------------------------


async def test_H4_a_case_in_ortho_tells_orthos_department_head_and_head_nurse_on_orthos_subjects(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    hospital = await tenant_with_units(client, "hospital@1", HOSPITAL_UNITS)
    case_id = await file_in(client, hospital, "ortho")
    head = on(hospital, "department_head", "RolesNotified", "ortho")
    nurse = on(hospital, "head_nurse", "RolesNotified", "ortho")
    affairs = on(hospital, "medical_affairs", "RolesNotified")
    copies = await relayed(runtime, hospital, head, nurse, affairs)
    told = {s: data for s, data in copies if data["case_id"] == case_id}
    assert {head, nurse, affairs} <= set(told)
    assert {told[s]["unit"] for s in (head, nurse, affairs)} == {"ortho"}
    assert told[head]["unit_path"] == ["ortho"]
    # nothing of the case on the role's tenant subject, nor on cardio's
    assert on(hospital, "department_head", "RolesNotified") not in told
    tenant_id = UUID(hospital.tenant_id)
    assert (
        await stored(runtime.nats.jetstream(), unit_filter(tenant_id, "department_head", "cardio"))
        == []
    )
    cardio = f"complaints.{tenant_id.hex}.department_head.cardio.>"
    assert await stored(runtime.nats.jetstream(), cardio) == []


async def test_B3_B4_a_branch_case_tells_the_branch_and_its_escalation_the_banks_office(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    bank = await tenant_with_units(client, "bank@1", BANK_UNITS)
    head = await placed_key(client, bank, "head.zhao", {"branch-east": ["branch_head"]})
    case_id = await file_in(client, bank, "branch-east", category="ordinary")
    east = [
        on(bank, role, "RolesNotified", "branch-east") for role in ("branch_head", "lobby_manager")
    ]
    await relayed(runtime, bank, *east)

    escalated = await client.post(
        f"/v1/complaints/{case_id}/escalate", headers=head, json={"reason": "business stopped"}
    )
    assert escalated.status_code == 200, escalated.text
    office = on(bank, "general_department", "Escalated")
    copies = await relayed(runtime, bank, office)
    of_case = [(s, d) for s, d in copies if d["case_id"] == case_id]
    level_one = [(s, d) for s, d in of_case if d["role"] in ("branch_head", "lobby_manager")]
    assert level_one and all(unit_of(s) == "branch-east" for s, _ in level_one)  # B3
    level_two = [(s, d) for s, d in of_case if d["role"] == "general_department"]
    assert level_two and all(unit_of(s) is None for s, _ in level_two)  # B4: the bank's own
    assert {d["unit"] for _, d in level_two} == {"branch-east"}  # still says where it arose


async def test_S7_S10_a_campus_case_tells_that_campus_supervisor_on_the_campus_subject(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    school = await tenant_with_units(client, "school@1", SCHOOL_UNITS)
    case_id = await file_in(client, school, "campus-north", category=CAMPUS_COMPLAINT)
    intake = on(school, "campus_supervisor", "RolesNotified", "campus-north")
    await relayed(runtime, school, intake)
    visit = {"kind": "inspection", "name": "Wang", "organisation": "education bureau",
             "purpose": "spot check"}  # fmt: skip
    contact = await client.post(
        f"/v1/complaints/{case_id}/contacts", headers=school.admin, json=visit
    )
    assert contact.status_code == 200, contact.text
    copies = await relayed(runtime, school, intake)
    async with asyncio.timeout(15):
        while not [d for _, d in copies if d["rule"] == "S7"]:
            await asyncio.sleep(0.1)
            copies = await relayed(runtime, school, intake)
    supervisor = [(s, d) for s, d in copies if d["role"] == "campus_supervisor"]
    assert {d["rule"] for _, d in supervisor} >= {"S7"}
    assert all(unit_of(s) == "campus-north" for s, _ in supervisor)
    general = [s for s, d in copies if d["role"] == "general_manager" and d["rule"] == "S7"]
    assert general and all(unit_of(s) is None for s in general)  # the school's, not a campus's


async def test_a_webhook_for_branch_east_gets_branch_easts_copies_and_not_branch_wests(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    bank = await tenant_with_units(client, "bank@1", BANK_UNITS)
    endpoint = Receiver(fails_first=False)
    async with serving(endpoint) as url:
        made = await client.post(
            "/v1/webhooks",
            headers=bank.admin,
            json={"role": "branch_head", "url": url, "unit": "branch-east"},
        )
        assert made.status_code == 201, made.text
        assert made.json()["unit"] == "branch-east"
        listed = (await client.get("/v1/webhooks", headers=bank.admin)).json()
        assert [h["unit"] for h in listed] == ["branch-east"]
        await asyncio.sleep(1.5)  # the dispatcher picks new webhooks up each second
        west = await file_in(client, bank, "branch-west", category="ordinary")
        east = await file_in(client, bank, "branch-east", category="ordinary")
        async with asyncio.timeout(30):
            while not [b for _, b in endpoint.requests if json.loads(b)["data"]["case_id"] == east]:
                await asyncio.sleep(0.05)
        # the west case was relayed before the east one: had it been sent, it would be here
        await relayed(runtime, bank, on(bank, "branch_head", "RolesNotified", "branch-west"))
        await asyncio.sleep(0.5)
    cases = {json.loads(b)["data"]["case_id"] for _, b in endpoint.requests}
    assert east in cases and west not in cases


async def test_a_webhook_names_a_unit_the_tenant_has(client: httpx.AsyncClient) -> None:
    bank = await tenant_with_units(client, "bank@1", BANK_UNITS)
    body = {"role": "branch_head", "url": "https://hooks.example.org/x", "unit": "branch-north"}
    refused = await client.post("/v1/webhooks", headers=bank.admin, json=body)
    assert refused.status_code == 422, refused.text
    assert "unit" in refused.text


def tenant_event(seq: int, name: str, unit_id: str, parent: str | None, tenant: UUID) -> Envelope:
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    data = {"unit_id": unit_id, "parent": parent, "name": unit_id, "by": "admin", "at": at}
    return Envelope(tenant, seq, at, tenant, seq, "Tenant", name, data)


def test_a_copy_carries_the_tree_as_it_was_and_a_units_webhook_reads_it() -> None:
    """A unit moved under another: copies recorded after the move are the new parent's too
    (its webhook gets them), those recorded before stay as they were said."""
    tenant, case = uuid4(), uuid4()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    filed = Envelope(tenant, 3, at, case, 1, "Complaint", "Filed",
                     {"summary": "late", "policy": "hospital@1", "unit_id": "ortho"})  # fmt: skip
    before, after = notified("ortho"), notified("ortho")
    before = Envelope(tenant, 4, at, case, 2, "Complaint", before.name, before.data)
    after = Envelope(tenant, 6, at, case, 3, "Complaint", after.name, after.data)
    history = [
        tenant_event(1, "UnitAdded", "surgery", None, tenant),
        tenant_event(2, "UnitAdded", "ortho", None, tenant),
        filed,
        tenant_event(5, "UnitChanged", "ortho", "surgery", tenant),
    ]
    found = contexts_at([before, after], history)
    assert found[4].unit_path == ("ortho",)
    assert found[6].unit_path == ("surgery", "ortho")
    surgery = Webhook(tenant, uuid4(), "department_head", "https://x", "whsec_", at, "surgery")
    sent = {
        seq: in_unit(surgery, cloud_event(e, "department_head", ("department_head",), found[seq]))
        for seq, e in ((4, before), (6, after))
    }
    assert sent == {4: False, 6: True}
    everything = Webhook(tenant, uuid4(), "department_head", "https://x", "whsec_", at)
    assert in_unit(everything, cloud_event(before, "department_head", (), found[4]))
