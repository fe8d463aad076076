"""``GET /v1/complaints/{id}/case-study``: a closed bank case as anonymised training
material (B14), refused while open, to roles that do not train staff, and where the
tenant's procedure has no case studies."""

from __future__ import annotations

import httpx

from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

NAME = "张伟"
PHONE = "13912345678"
ID_NUMBER = "52242519850312345X"
CARD = "6222 0212 3456 7890"
EMAIL = "zhang.wei@example.cn"
HANDLER_NAME = "刘经理"


async def bank_case(client: httpx.AsyncClient, tenant: TenantKeys) -> tuple[str, dict[str, str]]:
    """A bank case filed with personal details in its summary, with its A and B handlers."""
    head = await staff_key(client, tenant, "head.wang", ["branch_head"])
    # a directory name that is not the id, so redacting by id alone shows
    await staff_key(client, tenant, "handler.liu", ["handler"], HANDLER_NAME)
    await staff_key(client, tenant, "handler.ma", ["handler"])
    summary = f"{NAME} ({PHONE}, ID {ID_NUMBER}) says card {CARD} was charged twice; {EMAIL}"
    body = complaint_body(summary=summary, complainant={"name": NAME, "contact": PHONE})
    filed = await client.post("/v1/complaints", headers=head, json=body)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    for person, slot in (("handler.liu", "A"), ("handler.ma", "B")):
        assigned = await client.post(
            f"/v1/complaints/{case_id}/assign", headers=head, json={"person": person, "slot": slot}
        )
        assert assigned.status_code == 200, assigned.text
    return case_id, head


async def closed_bank_case(
    client: httpx.AsyncClient, tenant: TenantKeys
) -> tuple[str, dict[str, str]]:
    case_id, head = await bank_case(client, tenant)
    outcome = f"{HANDLER_NAME} refunded card {CARD} to {NAME}, told on {PHONE} and {EMAIL}"
    resolved = await client.post(
        f"/v1/complaints/{case_id}/resolve", headers=head, json={"outcome": outcome}
    )
    assert resolved.status_code == 200, resolved.text
    closed = await client.post(
        f"/v1/complaints/{case_id}/close", headers=head, json={"reason": "accepted"}
    )
    assert closed.status_code == 200, closed.text
    return case_id, head


async def test_B14_a_closed_bank_case_study_has_no_personal_details(
    client: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(client, "bank@1")
    case_id, _ = await closed_bank_case(client, tenant)
    trainer = await staff_key(client, tenant, "general.chen", ["general_department"])
    answer = await client.get(f"/v1/complaints/{case_id}/case-study", headers=trainer)
    assert answer.status_code == 200, answer.text
    study = answer.json()
    for secret in (NAME, PHONE, ID_NUMBER, CARD, EMAIL, HANDLER_NAME, "handler.liu", "head.wang"):
        assert secret not in answer.text
    assert study["summary"] == (
        "[redacted] ([phone], ID [id-number]) says card [card] was charged twice; [email]"
    )
    assert (
        study["resolution"]
        == "[staff] refunded card [card] to [redacted], told on [phone] and [email]"
    )
    assert study["policy"].startswith("bank")


async def test_B14_an_open_case_is_refused_naming_the_rule(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client, "bank@1")
    case_id, _ = await bank_case(client, tenant)
    trainer = await staff_key(client, tenant, "leader.sun", ["service_quality_leader"])
    answer = await client.get(f"/v1/complaints/{case_id}/case-study", headers=trainer)
    assert answer.status_code == 409, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "B14" in answer.json()["detail"]


async def test_B14_a_role_that_does_not_train_staff_is_refused(
    client: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(client, "bank@1")
    case_id, _ = await closed_bank_case(client, tenant)
    guard = await staff_key(client, tenant, "guard.zhao", ["security_guard"])
    answer = await client.get(f"/v1/complaints/{case_id}/case-study", headers=guard)
    assert answer.status_code == 403, answer.text
    assert answer.json()["rule"] == "B14"


async def test_B14_another_tenants_case_is_not_found(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client, "bank@1")
    case_id, _ = await closed_bank_case(client, tenant)
    other = await new_tenant(client, "bank@1")
    trainer = await staff_key(client, other, "general.chen", ["general_department"])
    answer = await client.get(f"/v1/complaints/{case_id}/case-study", headers=trainer)
    assert answer.status_code == 404, answer.text


async def test_B14_a_hospital_case_has_no_case_studies(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    lead = await staff_key(client, tenant, "affairs.sun", ["medical_affairs"])
    filed = await client.post("/v1/complaints", headers=lead, json=complaint_body())
    case_id = filed.json()["id"]
    closed = await client.post(f"/v1/complaints/{case_id}/close", headers=lead, json={})
    assert closed.status_code == 200, closed.text
    answer = await client.get(f"/v1/complaints/{case_id}/case-study", headers=lead)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert "has no case studies" in problem["detail"] and "hospital" in problem["detail"]


async def test_B14_the_openapi_document_names_the_refusal_of_an_open_case(
    client: httpx.AsyncClient,
) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    answers = document["paths"]["/v1/complaints/{case_id}/case-study"]["get"]["responses"]
    assert {"200", "403", "404", "409", "422"} <= set(answers)
