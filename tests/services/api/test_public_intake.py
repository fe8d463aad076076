"""A complainant files without a key (the JSON API and the form page) and gets a tracking number
and a secret link; staff intake gets them too, told once; only the link's hash is recorded;
bad input is a 422 naming the field and files nothing; filings are limited per client address
and per tenant (429 with Retry-After)."""

from __future__ import annotations

import copy
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from litestar import Litestar

from domain.tenant import hash_secret
from services.api.app import create_app
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.settings import Settings
from tests.projections.support import caught_up
from tests.services.support import PLATFORM, TenantKeys, complaint_body, new_tenant, staff_key

POLICY = "hospital@1"
TRACKING = re.compile(r"^HOSP-\d{4}-\d{6}$")
LINK = re.compile(
    r"^https?://[^/]+/public/(?P<slug>[a-z0-9-]+)/cases/(?P<token>[A-Za-z0-9_-]{43,})$"
)


def tuned_app(runtime: Runtime, **limits: Any) -> Litestar:
    """The app over the session's runtime with these public filing limits (none by default)."""
    tuned = copy.copy(runtime)
    tuned.settings = replace(
        runtime.settings,
        **{"public_filings_per_address": 0, "public_filings_per_tenant": 0, **limits},
    )
    return create_app(tuned)


def app_client(app: Litestar, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """A client of ``app`` whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=app, client=(address, 4321))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", timeout=30)


@pytest.fixture
async def web(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(tuned_app(runtime)) as client:
        yield client


@pytest.fixture
async def hospital(web: httpx.AsyncClient) -> TenantKeys:
    return await new_tenant(web, POLICY)


async def everyone(web: httpx.AsyncClient, tenant: TenantKeys) -> dict[str, str]:
    return await staff_key(web, tenant, "all.roles", sorted(load_policy(POLICY).roles))


def filing(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "summary": "I waited four hours at the outpatient desk",
        "details": "Nobody told me why; my appointment was at nine.",
        "name": "Chen Jing",
        "email": "chen.jing@example.com",
        "phone": "+86 138-0000-1111",
        "consent": True,
        "language": "en",
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


async def events_of(owner: asyncpg.Connection, tenant: TenantKeys) -> int:
    return await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1", UUID(tenant.tenant_id)
    )


async def test_a_complainant_files_without_a_key_and_gets_a_number_and_a_link(
    web: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    first = await web.post(f"/public/{hospital.slug}/complaints", json=filing())
    second = await web.post(f"/public/{hospital.slug}/complaints", json=filing(summary="Again"))

    assert first.status_code == 201, first.text
    body = first.json()
    assert TRACKING.match(body["tracking"]), body
    link = LINK.match(body["link"])
    assert link and link["slug"] == hospital.slug, body
    assert second.status_code == 201, second.text
    assert second.json()["tracking"] != body["tracking"]
    assert second.json()["link"] != body["link"]
    assert second.json()["case_id"] != body["case_id"]


async def test_the_link_opens_at_once_and_staff_find_the_case_by_its_number(
    web: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    staff = await everyone(web, hospital)
    filed = (await web.post(f"/public/{hospital.slug}/complaints", json=filing())).json()
    token = filed["link"].rsplit("/", 1)[-1]

    # the answer came once the case list held the case: the link opens straight away
    status = await web.get(f"/public/{hospital.slug}/api/cases/{token}")
    assert status.status_code == 200, status.text
    assert status.json()["tracking"] == filed["tracking"]
    # the number read out on the phone, in any case, finds it in the staff's list
    found = await web.get("/v1/complaints", headers=staff, params={"q": filed["tracking"].lower()})
    assert [(i["case_id"], i["tracking"]) for i in found.json()["items"]] == [
        (filed["case_id"], filed["tracking"])
    ]


async def test_staff_read_the_complainants_case_with_its_number_and_contact(
    web: httpx.AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    filed = (await web.post(f"/public/{hospital.slug}/complaints", json=filing())).json()

    case = await web.get(
        f"/v1/complaints/{filed['case_id']}", headers=await everyone(web, hospital)
    )

    assert case.status_code == 200, case.text
    shown = case.json()
    assert shown["tracking"] == filed["tracking"]
    assert (shown["filed_by"], shown["channel"]) == ("complainant", "web")
    assert shown["summary"] == "I waited four hours at the outpatient desk"
    assert shown["complainant"]["name"] == "Chen Jing"
    assert shown["complainant"]["email"] == "chen.jing@example.com"
    assert shown["complainant"]["phone"] == "+86 138-0000-1111"
    assert "chen.jing@example.com" in shown["complainant"]["contact"]
    # the contact is sealed in the ledger, as staff intake's is: not there in clear
    in_clear = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND position($2::bytea in state) > 0",
        UUID(hospital.tenant_id),
        b"chen.jing@example.com",
    )
    assert in_clear == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 501}, "summary"),
        ({"summary": "   "}, "summary"),
        ({"details": "x" * 10_001}, "details"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"email": "not an address"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"phone": "1" * 31}, "phone"),
        ({"email": None, "phone": None}, "email"),  # neither: no way to answer
        ({"consent": False}, "consent"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field_and_files_nothing(
    web: httpx.AsyncClient,
    hospital: TenantKeys,
    owner: asyncpg.Connection,
    change: dict[str, Any],
    field: str,
) -> None:
    before = await events_of(owner, hospital)

    answer = await web.post(f"/public/{hospital.slug}/complaints", json=filing(**change))

    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in answer.json()["errors"]] == [field]
    assert await events_of(owner, hospital) == before


async def test_one_of_email_and_phone_is_enough(
    web: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    by_phone = await web.post(f"/public/{hospital.slug}/complaints", json=filing(email=None))
    by_mail = await web.post(f"/public/{hospital.slug}/complaints", json=filing(phone=None))
    assert (by_phone.status_code, by_mail.status_code) == (201, 201), by_phone.text


async def test_an_unknown_or_offboarded_tenant_is_not_found(
    web: httpx.AsyncClient, runtime: Runtime
) -> None:
    answer = await web.post("/public/no-such-hospital/complaints", json=filing())
    assert answer.status_code == 404, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    page = await web.get("/public/no-such-hospital")
    assert page.status_code == 404
    assert "No such organisation" in page.text or "未找到该机构" in page.text

    gone = await new_tenant(web, POLICY)
    offboarded = await web.post(
        f"/v1/tenants/{gone.tenant_id}/offboard", headers=PLATFORM, json={"reason": "left"}
    )
    assert offboarded.status_code == 200, offboarded.text
    assert (await web.post(f"/public/{gone.slug}/complaints", json=filing())).status_code == 404
    assert (await web.get(f"/public/{gone.slug}")).status_code == 404


async def test_the_abuse_limits_answer_429_with_retry_after(
    runtime: Runtime, web: httpx.AsyncClient, owner: asyncpg.Connection
) -> None:
    tenant = await new_tenant(web, POLICY)
    app = tuned_app(runtime, public_filings_per_address=2, public_filings_per_tenant=3)
    async with app_client(app, "10.0.0.1") as limited, app_client(app, "10.0.0.2") as other:
        for _ in range(2):
            filed = await limited.post(f"/public/{tenant.slug}/complaints", json=filing())
            assert filed.status_code == 201, filed.text
        before = await events_of(owner, tenant)

        refused = await limited.post(f"/public/{tenant.slug}/complaints", json=filing())

        assert refused.status_code == 429, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert int(refused.headers["Retry-After"]) >= 1
        assert await events_of(owner, tenant) == before
        # the form page is limited the same way, with a page
        page = await limited.post(f"/public/{tenant.slug}?lang=en", data=form(summary="third try"))
        assert page.status_code == 429
        assert int(page.headers["Retry-After"]) >= 1
        assert "Too many complaints" in page.text
        assert "third try" in page.text  # what they wrote is kept for the next try

        # another address files until the tenant's own limit (3) is reached
        passes = await other.post(f"/public/{tenant.slug}/complaints", json=filing())
        assert passes.status_code == 201, passes.text
        tenant_full = await other.post(f"/public/{tenant.slug}/complaints", json=filing())
        assert tenant_full.status_code == 429
        assert int(tenant_full.headers["Retry-After"]) >= 1


async def test_staff_intake_answers_the_number_and_link_once(
    runtime: Runtime, web: httpx.AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    staff = await everyone(web, hospital)
    headers = {**staff, "Idempotency-Key": "intake-0001"}
    body = complaint_body(channel="visit")

    first = await web.post("/v1/complaints", headers=headers, json=body)
    counter = "SELECT last FROM tracking_counters WHERE tenant_id = $1"
    drawn = await owner.fetchval(counter, UUID(hospital.tenant_id))
    again = await web.post("/v1/complaints", headers=headers, json=body)

    assert first.status_code == 201, first.text
    told = first.json()
    assert TRACKING.match(told["tracking"])
    token = LINK.match(told["link"])["token"]  # type: ignore[index]
    assert again.status_code == 201, again.text
    assert again.json()["id"] == told["id"]
    assert again.json()["tracking"] == told["tracking"]
    assert again.json()["link"] is None  # told once: only its hash is kept
    assert await owner.fetchval(counter, UUID(hospital.tenant_id)) == drawn  # none drawn again
    case = (await web.get(f"/v1/complaints/{told['id']}", headers=staff)).json()
    assert case["tracking"] == told["tracking"]

    # the secret is in no recorded row: not in the ledger, nor in the kept answers
    needle = token.encode()
    in_events = await owner.fetchval(
        "SELECT count(*) FROM events WHERE tenant_id = $1 AND position($2::bytea in state) > 0",
        UUID(hospital.tenant_id),
        needle,
    )
    in_answers = await owner.fetchval(
        "SELECT count(*) FROM idempotency_keys WHERE position($1::bytea in body) > 0", needle
    )
    assert (in_events, in_answers) == (0, 0)
    await caught_up(runtime, UUID(hospital.tenant_id))
    hashed = await owner.fetchval(
        "SELECT access_sha256 FROM case_list WHERE tenant_id = $1 AND case_id = $2",
        UUID(hospital.tenant_id),
        UUID(told["id"]),
    )
    assert hashed == hash_secret(token)  # the view keeps the hash a link is looked up by


def form(**overrides: str) -> dict[str, str]:
    values = {
        "summary": "The ward was noisy all night",
        "details": "",
        "name": "Wang Fang",
        "email": "wang.fang@example.com",
        "phone": "",
        "consent": "yes",
    }
    values.update(overrides)
    return values


async def test_the_form_page_files_and_shows_the_number_and_link(
    web: httpx.AsyncClient, hospital: TenantKeys
) -> None:
    page = await web.get(f"/public/{hospital.slug}?lang=en")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert '<form method="post" action="/public/' in page.text
    assert 'name="consent"' in page.text and "recorded" in page.text
    chinese = await web.get(f"/public/{hospital.slug}?lang=zh-CN")
    assert "提交投诉" in chinese.text and "我同意" in chinese.text
    style = await web.get("/public/public.css")  # the pages' style, not a tenant named so
    assert style.headers["content-type"].startswith("text/css")

    filed = await web.post(f"/public/{hospital.slug}?lang=en", data=form())

    assert filed.status_code == 200, filed.text
    number = re.search(r'class="tracking">(HOSP-\d{4}-\d{6})<', filed.text)
    assert number, filed.text
    assert f"/public/{hospital.slug}/cases/" in filed.text
    assert "default-src 'none'" in filed.headers["content-security-policy"]


async def test_the_form_page_shows_errors_beside_the_fields_and_files_nothing(
    web: httpx.AsyncClient, hospital: TenantKeys, owner: asyncpg.Connection
) -> None:
    before = await events_of(owner, hospital)

    page = await web.post(
        f"/public/{hospital.slug}?lang=en",
        data={**form(email="", phone=""), "consent": "", "name": "Wang <b>Fang</b>"},
    )

    assert page.status_code == 422
    assert 'id="email-error"' in page.text and "Give an e-mail address" in page.text
    assert 'id="consent-error"' in page.text
    assert 'id="summary-error"' not in page.text
    assert "The ward was noisy all night" in page.text  # what they wrote stays
    assert "Wang &lt;b&gt;Fang&lt;/b&gt;" in page.text  # escaped, never markup
    assert await events_of(owner, hospital) == before


def test_the_public_limits_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {"COMPLAINTS_PUBLIC_RATE_PER_ADDRESS": "3", "COMPLAINTS_PUBLIC_ADDRESS_MINUTES": "5",
         "COMPLAINTS_PUBLIC_RATE_PER_TENANT": "0", "COMPLAINTS_PUBLIC_TENANT_MINUTES": "30"}
    )  # fmt: skip
    assert (settings.public_filings_per_address, settings.public_address_minutes) == (3, 5.0)
    assert (settings.public_filings_per_tenant, settings.public_tenant_minutes) == (0, 30.0)
    defaults = Settings()
    assert (defaults.public_filings_per_address, defaults.public_address_minutes) == (5, 10.0)
    assert (defaults.public_filings_per_tenant, defaults.public_tenant_minutes) == (100, 60.0)
