"""The complainant's status page and API: by the case's secret link, or by its tracking number
and a one-time code that arrives by e-mail on a real SMTP server on loopback; their own
answers recorded as theirs (C4, H5, H6, S10); nothing internal and no other case shown."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from aiosmtpd.controller import Controller

from domain import commands as c
from domain.errors import Refused
from domain.tenant import tenant_id_for
from services.api.app import create_app
from services.engines import free_port
from services.handlers.tracking import access_hash, new_access
from services.runtime import Runtime
from services.store.idempotency import IdempotentRequest
from tests.fakes import FakeClock
from tests.projections.support import caught_up
from tests.services.gateway_support import Gateway, listening_gateway
from tests.services.support import TenantKeys, new_tenant, staff_key

NOTE = "internal: the surgeon on duty was Dr Secret-Wang"
FEATURES = {"scar": "scar-over-left-eye-secret"}
STAFF_NAME = "Hidden-Staff-Name"
EMAIL = "li.wei@example.com"


class Inbox:
    def __init__(self) -> None:
        self.mails: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture(scope="module")
def inbox() -> Iterator[tuple[Inbox, int]]:
    box, port = Inbox(), free_port()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    yield box, port
    server.stop()


@pytest.fixture(scope="module")
async def http(runtime: Runtime, inbox: tuple[Inbox, int]) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its mail going to the loopback SMTP server."""
    mailing = copy.copy(runtime)
    mailing.settings = replace(runtime.settings, smtp_host="127.0.0.1", smtp_port=inbox[1])
    transport = httpx.ASGITransport(app=create_app(mailing))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


@dataclass
class Filed:
    tenant: TenantKeys
    case_id: str
    token: str
    tracking: str

    @property
    def api(self) -> str:
        return f"/public/{self.tenant.slug}/api/cases/{self.token}"

    @property
    def page(self) -> str:
        return f"/public/{self.tenant.slug}/cases/{self.token}"


async def file_case(
    runtime: Runtime, tenant: TenantKeys, category: str | None = None, email: str = EMAIL
) -> Filed:
    """A case as intake files it: a tracking number and the hash of its link's secret."""
    token, digest = new_access()
    tracking = f"T-{uuid.uuid4().hex[:8].upper()}"
    directory_tenant = await runtime.directory.get(tenant_id_for(tenant.slug))
    assert directory_tenant is not None
    command = c.File(
        received_at=runtime.clock.now(),
        channel="web",
        summary="The night nurse never came",
        complainant={"name": "Li Wei", "email": email},
        category=category,
        tracking=tracking,
        access_sha256=digest,
    )
    request = IdempotentRequest(directory_tenant.id, uuid.uuid4(), None, uuid.uuid4().hex)
    answer = await runtime.cases.file_new(
        directory_tenant, command, c.Actor("admin", frozenset({"admin"})), request
    )
    await caught_up(runtime, directory_tenant.id)
    return Filed(tenant, str(answer.body.id), token, tracking)


async def file_publicly(http: httpx.AsyncClient, tenant: TenantKeys, email: str = EMAIL) -> Filed:
    """A case filed by the complainant on the public intake, followed by its link."""
    answer = await http.post(
        f"/public/{tenant.slug}/complaints",
        json={"summary": "The night nurse never came", "name": "Li Wei", "email": email,
              "consent": True},
    )  # fmt: skip
    assert answer.status_code == 201, answer.text
    filed = answer.json()
    token = filed["link"].rsplit("/cases/", 1)[1]
    return Filed(tenant, filed["case_id"], token, filed["tracking"])


async def staff(http: httpx.AsyncClient, tenant: TenantKeys, roles: list[str]) -> dict[str, str]:
    return await staff_key(http, tenant, f"p-{uuid.uuid4().hex[:6]}", roles, name=STAFF_NAME)


async def act(
    http: httpx.AsyncClient, key: dict[str, str], case: Filed, action: str, body: dict
) -> None:
    answer = await http.post(f"/v1/complaints/{case.case_id}/{action}", headers=key, json=body)
    assert answer.status_code == 200, answer.text


async def status(http: httpx.AsyncClient, case: Filed) -> dict[str, Any]:
    answer = await http.get(case.api)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_status_changes_after_staff_acts_and_shows_it_in_words(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    head = await staff(http, tenant, ["department_head"])
    case = await file_publicly(http, tenant)
    await caught_up(runtime, tenant_id_for(tenant.slug))
    first = await status(http, case)
    assert first["tracking"] == case.tracking and first["stage"] == "open"
    assert first["can"] == ["materials"] and first["proposal"] is None

    await act(http, head, case, "classify", {"category": "medical_dispute"})
    await act(http, head, case, "acknowledge", {})
    await act(http, head, case, "propose-resolution",
              {"text": "We apologise and refund the fee", "compensation_fen": 12050})  # fmt: skip
    now = await status(http, case)
    assert now["stage_text"] == "科室正在调查处理"  # the tenant's language (zh-CN)
    assert now["proposal"] == {
        "text": "We apologise and refund the fee",
        "compensation_yuan": "120.50",
        "awaiting_answer": True,
    }
    assert now["can"] == ["accept", "decline", "materials"]
    english = await http.get(case.api, params={"lang": "en"})
    assert english.json()["stage_text"] == "The department is looking into it"
    page = await http.get(case.page, params={"lang": "en"})
    assert page.status_code == 200
    assert "The department is looking into it" in page.text and "120.50" in page.text
    assert 'action="' + case.page + '/response"' in page.text


async def test_H5_C4_accepting_through_the_link_ends_the_case_on_the_department_rung(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    head = await staff(http, tenant, ["department_head"])
    case = await file_case(runtime, tenant, category="medical_dispute")
    await act(http, head, case, "propose-resolution", {"text": "A written apology"})

    answer = await http.post(f"{case.api}/response", json={"accepted": True, "text": "OK"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["stage"] == "resolved" and answer.json()["can"] == []

    staff_view = (await http.get(f"/v1/complaints/{case.case_id}", headers=head)).json()
    assert (staff_view["status"], staff_view["level"], staff_view["rung"]) == (
        "resolved",
        0,
        "department",
    )
    history = (await http.get(f"/v1/complaints/{case.case_id}/history", headers=head)).json()
    responded = [h for h in history if h["event"] == "ComplainantResponded"]
    assert [(h["by"], h["data"]["accepted"], h["data"]["via"]) for h in responded] == [
        ("complainant", True, None)
    ]
    resolved = [h for h in history if h["event"] == "Resolved"]
    assert "H5" in resolved[0]["data"]["outcome"]


async def test_C4_the_complainant_may_not_close_or_escalate(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    case = await file_case(runtime, tenant, category="medical_dispute")
    directory_tenant = await runtime.directory.get(tenant_id_for(tenant.slug))
    assert directory_tenant is not None
    for command in (c.Close(reason="done"), c.Escalate(reason="higher")):
        request = IdempotentRequest(directory_tenant.id, uuid.uuid4(), None, uuid.uuid4().hex)
        with pytest.raises(Refused) as refused:
            await runtime.cases.act(
                directory_tenant, UUID(case.case_id), command, c.COMPLAINANT, None, request
            )
        assert refused.value.rule == "C4"
    # and the API offers no such answer: an unknown answer's page is a 404
    assert (await http.post(f"{case.api}/close", json={})).status_code in (404, 405)
    page = await http.post(f"{case.page}/close", data={"reason": "done"})
    assert page.status_code == 404


async def test_C4_a_refused_answer_is_a_403_naming_the_rule(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    head = await staff(http, tenant, ["department_head"])
    case = await file_case(runtime, tenant, category="medical_dispute")
    await act(http, head, case, "propose-resolution", {"text": "An apology"})
    assert (await http.post(f"{case.api}/response", json={"accepted": True})).status_code == 200
    again = await http.post(f"{case.api}/response", json={"accepted": False})
    assert again.status_code == 403 and again.json()["rule"] == "C4"
    page = await http.post(f"{case.page}/response", data={"accepted": "false"})
    assert page.status_code == 403 and "C4" in page.text


async def test_bad_input_is_a_422_naming_the_field(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    case = await file_case(runtime, tenant)
    wrong = await http.post(f"{case.api}/materials", json={"description": ""})
    assert wrong.status_code == 422 and "description" in wrong.text
    wrong = await http.post(f"{case.api}/response", json={"accepted": "maybe"})
    assert wrong.status_code == 422 and "accepted" in wrong.text
    page = await http.post(f"{case.page}/materials", data={"description": " "})
    assert page.status_code == 422 and "description" in page.text


async def test_H6_after_declining_at_medical_affairs_the_complainants_materials_are_the_step(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    head = await staff(http, tenant, ["department_head"])
    affairs = await staff(http, tenant, ["medical_affairs"])
    case = await file_case(runtime, tenant, category="medical_dispute")
    await act(http, head, case, "propose-resolution", {"text": "The department's answer"})
    assert (await http.post(f"{case.api}/response", json={"accepted": False})).status_code == 200
    await act(http, affairs, case, "escalate", {"reason": "declined at the department"})
    await act(http, affairs, case, "propose-resolution", {"text": "Medical affairs' answer"})
    assert (await http.post(f"{case.api}/response", json={"accepted": False})).status_code == 200
    waiting = await status(http, case)
    assert waiting["stage_text"] == "医务科正在调查处理"
    assert waiting["next"] == "请提交书面材料" and "materials" in waiting["can"]

    page = await http.post(f"{case.page}/materials", data={"description": "My written account"})
    assert page.status_code == 200 and "已收到您的材料" in page.text
    staff_view = (await http.get(f"/v1/complaints/{case.case_id}", headers=affairs)).json()
    assert "written_materials_received" in staff_view["flags"]
    assert (await status(http, case))["next"] != "请提交书面材料"


async def test_S10_the_complainant_answers_the_follow_up_once_after_the_solution(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "school@1")
    reception = await staff(http, tenant, ["campus_reception"])
    head = await staff(http, tenant, ["department_head"])
    case = await file_case(runtime, tenant, category="campus/service/facilities/complaint")
    # S10 ④ the customer's feedback ends handling, ⑤ the solution is carried out, ⑥ the visit
    await act(http, reception, case, "resolve", {"outcome": "We will fix the heating"})
    assert (await status(http, case))["can"] == []  # nothing carried out yet to visit on
    solution = {"authority": "department_head", "target": "solution", "opinion": "fixed"}
    await act(http, head, case, "outcomes", solution)
    resolved = await status(http, case)
    assert resolved["stage"] == "resolved" and resolved["can"] == ["follow-up"]

    first = await http.post(f"{case.api}/follow-up", json={"score": 4, "comment": "warm now"})

    assert first.status_code == 200, first.text
    assert first.json()["can"] == []
    second = await http.post(f"{case.api}/follow-up", json={"score": 5})
    assert second.status_code == 403 and second.json()["rule"] == "S10"
    history = (await http.get(f"/v1/complaints/{case.case_id}/history", headers=head)).json()
    (visit,) = [h for h in history if h["event"] == "SatisfactionRecorded"]
    assert (visit["by"], visit["data"]["score"], visit["data"]["comment"]) == (
        "complainant",
        4,
        "warm now",
    )
    await act(http, reception, case, "close", {"reason": "We fixed the heating in room 3"})
    closed = await status(http, case)
    assert closed["stage"] == "closed" and closed["can"] == []
    assert closed["replies"][-1]["kind"] == "closing"
    assert closed["replies"][-1]["text"] == "We fixed the heating in room 3"
    assert closed["replies"][-1]["sender"] == f"Tenant {tenant.slug}"


async def test_another_link_sees_nothing_and_nothing_internal_is_shown(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "bank@1")
    general = await staff(http, tenant, ["general_department", "security_guard", "president"])
    case = await file_case(runtime, tenant, category="ordinary")
    other = await file_case(runtime, tenant, category="ordinary", email="other@example.com")
    await act(http, general, case, "notes", {"text": NOTE})
    await act(http, general, case, "handovers", {"text": NOTE + " handover"})
    await act(http, general, case, "identifying-features", {"features": FEATURES})
    await act(http, general, case, "evidence", {"description": "CCTV", "reference": "cctv-9"})
    await act(http, general, case, "written-replies", {"text": "We are sorry for the wait"})

    shown = await status(http, case)
    assert [(r["kind"], r["sender"], r["text"]) for r in shown["replies"]] == [
        ("reply", f"Tenant {tenant.slug}", "We are sorry for the wait")
    ]
    page = await http.get(case.page)
    for text in (str(shown), page.text):
        for secret in (NOTE, FEATURES["scar"], STAFF_NAME, "cctv-9", "CCTV", case.case_id):
            assert secret not in text
    assert "We are sorry for the wait" in page.text

    theirs = await status(http, other)
    assert theirs["replies"] == [] and "We are sorry" not in str(theirs)
    # a link of another tenant, an unknown token and a wrong slug: the same 404
    elsewhere = await new_tenant(http, "bank@1")
    for path in (
        f"/public/{elsewhere.slug}/api/cases/{case.token}",
        f"/public/{tenant.slug}/api/cases/{'x' * 43}",
        f"/public/no-such-tenant/api/cases/{case.token}",
    ):
        answer = await http.get(path)
        assert answer.status_code == 404
        assert answer.json()["detail"] == "no case for this link"
    missing = await http.get(f"/public/{elsewhere.slug}/cases/{case.token}")
    assert missing.status_code == 404 and "We are sorry" not in missing.text


def code_in(mail: Any) -> str:
    found = re.search(r"(?:is|是) (\d{6})\b", mail.get_content())
    assert found, mail.get_content()
    return found.group(1)


async def mail_to(box: Inbox, address: str, before: int) -> Any:
    async with asyncio.timeout(10):
        while True:
            fresh = [m for m in box.mails[before:] if m["To"] == address]
            if fresh:
                return fresh[-1]
            await asyncio.sleep(0.05)


async def test_a_code_by_mail_opens_the_case_and_five_wrong_tries_end_it(
    http: httpx.AsyncClient, runtime: Runtime, inbox: tuple[Inbox, int], owner: asyncpg.Connection
) -> None:
    box = inbox[0]
    tenant = await new_tenant(http, "hospital@1")
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    case = await file_publicly(http, tenant, email=address)
    await caught_up(runtime, tenant_id_for(tenant.slug))
    assert re.fullmatch(r"HOSP-\d{4}-\d{6}", case.tracking)
    track = f"/public/{tenant.slug}/track"

    before = len(box.mails)
    asked = await http.post(track, json={"tracking": case.tracking})
    assert asked.status_code == 202
    unknown = await http.post(track, json={"tracking": "HOSP-1999-000001"})
    assert (unknown.status_code, unknown.json()) == (202, asked.json())  # nothing told apart
    code = code_in(await mail_to(box, address, before))
    assert len([m for m in box.mails[before:] if m["To"] == address]) == 1

    wrong = "000000" if code != "000000" else "111111"
    failed = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": wrong})
    assert failed.status_code == 404
    right = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": code})
    assert right.status_code == 200, right.text
    granted = right.json()
    assert granted["status"]["tracking"] == case.tracking
    opened = await http.get(f"/public/{tenant.slug}/api/cases/{granted['access_token']}")
    assert opened.status_code == 200 and opened.json()["tracking"] == case.tracking
    used = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": code})
    assert used.status_code == 404  # a code opens once
    kept = await owner.fetch(
        "SELECT token_sha256 FROM complainant_tokens WHERE tenant_id = $1",
        tenant_id_for(tenant.slug),
    )
    assert [r["token_sha256"] for r in kept] == [access_hash(granted["access_token"])]

    # a new code, five wrong tries: then even the right one is dead
    before = len(box.mails)
    assert (await http.post(track, json={"tracking": case.tracking})).status_code == 202
    code = code_in(await mail_to(box, address, before))
    wrong = "000000" if code != "000000" else "111111"
    row = await owner.fetchrow(
        "SELECT * FROM complainant_codes WHERE tenant_id = $1", tenant_id_for(tenant.slug)
    )
    assert code not in str(dict(row)) and row["tries_left"] == 5  # a salted hash only
    for _ in range(5):
        answer = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": wrong})
        assert answer.status_code == 404
    dead = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": code})
    assert dead.status_code == 404


async def test_the_pages_ask_for_a_code_and_open_the_case_with_it(
    http: httpx.AsyncClient, runtime: Runtime, inbox: tuple[Inbox, int]
) -> None:
    box = inbox[0]
    tenant = await new_tenant(http, "hospital@1")
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    case = await file_case(runtime, tenant, email=address)
    # a message's link names the number: the page comes with it filled in
    form = await http.get(
        f"/public/{tenant.slug}/track", params={"lang": "en", "number": case.tracking}
    )
    assert form.status_code == 200 and "Tracking number" in form.text
    assert f'value="{case.tracking}"' in form.text
    before = len(box.mails)
    sent = await http.post(
        f"/public/{tenant.slug}/track/form", data={"tracking": case.tracking},
        params={"lang": "en"},
    )  # fmt: skip
    assert sent.status_code == 200 and "If this number exists" in sent.text
    code = code_in(await mail_to(box, address, before))
    opened = await http.post(
        f"/public/{tenant.slug}/track/verify/form", data={"tracking": case.tracking, "code": code}
    )
    assert opened.status_code == 303
    page = await http.get(opened.headers["location"])
    assert page.status_code == 200 and case.tracking in page.text


async def test_codes_asked_for_too_often_answer_429(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    answers = [
        (await http.post(f"/public/{tenant.slug}/track", json={"tracking": "HOSP-2026-999999"}))
        for _ in range(6)
    ]
    assert [a.status_code for a in answers[:5]] == [202] * 5
    assert answers[5].status_code == 429 and int(answers[5].headers["retry-after"]) >= 1


async def test_what_comes_next_is_the_earliest_step_in_the_tenants_time_zone(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "school@1")
    case = await file_case(runtime, tenant, category="campus/service/facilities/complaint")
    reception = await staff(http, tenant, ["campus_reception"])
    held = (await http.get(f"/v1/complaints/{case.case_id}", headers=reception)).json()
    zone = ZoneInfo((await http.get("/v1/tenant", headers=tenant.admin)).json()["timezone"])
    first = min((d for d in held["deadlines"] if d["state"] == "open"), key=lambda d: d["due_at"])
    shown = await status(http, case)
    assert shown["next_by"] == first["due_at"]
    local = datetime.fromisoformat(first["due_at"]).astimezone(zone).strftime("%Y-%m-%d %H:%M")
    assert local in shown["next"]
    assert shown["stage_text"] == "校区接待正在处理"


async def test_the_access_a_code_gives_ends_after_an_hour(
    http: httpx.AsyncClient, runtime: Runtime, inbox: tuple[Inbox, int], fixed_clock: FakeClock
) -> None:
    box = inbox[0]
    tenant = await new_tenant(http, "hospital@1")
    address = f"{uuid.uuid4().hex[:8]}@example.com"
    case = await file_case(runtime, tenant, email=address)
    track = f"/public/{tenant.slug}/track"
    before = len(box.mails)
    assert (await http.post(track, json={"tracking": case.tracking})).status_code == 202
    code = code_in(await mail_to(box, address, before))
    fixed_clock.advance(timedelta(minutes=11))  # the code lives ten minutes
    late = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": code})
    assert late.status_code == 404

    before = len(box.mails)
    assert (await http.post(track, json={"tracking": case.tracking})).status_code == 202
    code = code_in(await mail_to(box, address, before))
    granted = await http.post(f"{track}/verify", json={"tracking": case.tracking, "code": code})
    token = granted.json()["access_token"]
    fixed_clock.advance(timedelta(minutes=59))
    assert (await http.get(f"/public/{tenant.slug}/api/cases/{token}")).status_code == 200
    fixed_clock.advance(timedelta(minutes=2))
    assert (await http.get(f"/public/{tenant.slug}/api/cases/{token}")).status_code == 404
    assert (await http.get(case.api)).status_code == 200  # the link itself does not end


async def test_a_status_is_kept_by_no_cache_and_its_link_sent_to_no_one(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    case = await file_case(runtime, tenant)
    for path in (case.api, case.page):
        answer = await http.get(path)
        assert answer.headers["cache-control"] == "no-store", path
        assert answer.headers["referrer-policy"] == "no-referrer", path
    assert "script-src" not in (await http.get(case.page)).headers["content-security-policy"]


@pytest.fixture
async def gateway() -> AsyncIterator[Gateway]:
    async with listening_gateway() as receiver:
        yield receiver


async def set_gateway(http: httpx.AsyncClient, tenant: TenantKeys, gateway: Gateway) -> str:
    url = f"http://127.0.0.1:{gateway.port}/sms"
    put = await http.put("/v1/tenant/feedback-gateway", headers=tenant.admin, json={"url": url})
    assert put.status_code == 200, put.text
    return put.json()["secret"]


async def test_a_phone_only_complainant_gets_the_code_through_the_tenants_signed_gateway(
    http: httpx.AsyncClient, runtime: Runtime, inbox: tuple[Inbox, int], gateway: Gateway
) -> None:
    tenant = await new_tenant(http, "hospital@1")
    secret = await set_gateway(http, tenant, gateway)
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    filed = await http.post(
        f"/public/{tenant.slug}/complaints",
        json={"summary": "The night nurse never came", "name": "Li Wei", "phone": phone,
              "consent": True, "language": "en"},
    )  # fmt: skip
    assert filed.status_code == 201, filed.text
    tracking = filed.json()["tracking"]
    await caught_up(runtime, tenant_id_for(tenant.slug))
    track = f"/public/{tenant.slug}/track"

    mails, calls = len(inbox[0].mails), len(gateway.received)
    asked = await http.post(track, json={"tracking": tracking})
    assert asked.status_code == 202, asked.text
    unknown = await http.post(track, json={"tracking": "HOSP-1999-000001"})
    assert (unknown.status_code, unknown.json()) == (202, asked.json())  # nothing told apart
    headers, body = await gateway.next(calls)
    message = json.loads(body)
    assert (message["to_phone"], message["tracking"], message["step"]) == (phone, tracking, "code")
    assert message["tenant"] == tenant.slug and message["delivery"] == headers["webhook-id"]
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    key = base64.b64decode(secret.removeprefix("whsec_"))
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    assert headers["webhook-signature"] == f"v1,{expected}"
    found = re.search(r"is (\d{6}),", message["text"])
    assert found, message["text"]
    await asyncio.sleep(0.2)
    assert len(gateway.received) == calls + 1  # the unknown number sent nothing
    assert len(inbox[0].mails) == mails  # and no mail: there is no address

    right = await http.post(f"{track}/verify", json={"tracking": tracking, "code": found[1]})
    assert right.status_code == 200, right.text
    opened = await http.get(f"/public/{tenant.slug}/api/cases/{right.json()['access_token']}")
    assert opened.status_code == 200 and opened.json()["tracking"] == tracking


async def test_with_no_channel_for_codes_asking_is_a_422_whatever_the_number(
    client: httpx.AsyncClient, runtime: Runtime, gateway: Gateway
) -> None:
    """The session's app has no SMTP server: a tenant without a gateway sends codes by
    nothing, which is told the same for a number that exists and one that does not."""
    tenant = await new_tenant(client, "hospital@1")
    case = await file_case(runtime, tenant)
    track = f"/public/{tenant.slug}/track"
    refused = [
        await client.post(track, json={"tracking": number})
        for number in (case.tracking, "HOSP-1999-000001")
    ]
    for answer in refused:
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert refused[0].json()["errors"] == refused[1].json()["errors"]
    [error] = refused[0].json()["errors"]
    assert error["field"] == "tracking" and "neither by e-mail nor by SMS" in error["reason"]
    page = await client.post(
        f"{track}/form", data={"tracking": case.tracking}, params={"lang": "en"}
    )
    assert page.status_code == 422 and "cannot send codes" in page.text

    # with a gateway the tenant has a channel: an e-mail-only case is then a quiet 202
    await set_gateway(client, tenant, gateway)
    asked = await client.post(track, json={"tracking": case.tracking})
    assert asked.status_code == 202, asked.text
    await asyncio.sleep(0.2)
    assert gateway.received == []  # the case gave no phone


async def test_an_answer_the_cases_state_allows_not_is_a_409_on_the_page_as_in_the_api(
    http: httpx.AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(http, "school@1")
    reception = await staff(http, tenant, ["campus_reception"])
    case = await file_case(runtime, tenant, category="campus/service/facilities/complaint")
    await act(http, reception, case, "resolve", {"outcome": "We will fix the heating"})
    await act(http, reception, case, "close", {"reason": "We fixed the heating in room 3"})
    api = await http.post(f"{case.api}/materials", json={"description": "a photo"})
    assert api.status_code == 409 and api.json()["type"].endswith("/state"), api.text
    page = await http.post(f"{case.page}/materials", data={"description": "a photo"})
    assert page.status_code == 409 and page.headers["content-type"].startswith("text/html")
    assert "a closed case accepts only reopen" in page.text
