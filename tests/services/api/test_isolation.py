"""Tenant isolation, generated from the route table: every route, every method, called with
tenant A's keys (administrator, staff holding every role of the policy, auditor) on tenant
B's real ids, with bodies built from the OpenAPI schema so that validation cannot hide a
missing tenant check. A never gets a 2xx about B's things, never sees B's data anywhere, and
B's ledger, views and webhooks are byte for byte what they were.

A new route is covered by being in the table; a path parameter this test cannot fill with
B's value fails it until someone says where B's value comes from.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from services.api.app import create_app
from services.handlers.policies import load_policy
from services.runtime import Runtime
from tests.projections.support import caught_up, fingerprint
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

POLICY = "hospital@1"
SECRET_NAME = "Zhang Wei-B-secret"
SECRET_PHONE = "13999990000"
SECRET_SUMMARY = "B-secret summary: the patient in bed 12 was left alone"
# Routes whose answer is not a tenant's: the API's own documents
# The OpenAPI document, the descriptions of problem types and the console's pages and files
# (the same for everyone: the console's data comes from the routes tested here)
NOT_TENANT_DATA = re.compile(r"^/(schema|problems/|console)")
# Server-Sent Events never end: checked by listening (test_a_stream_never_carries_b_events)
STREAMS = {"/v1/stream"}
# Anyone may file a complaint with any organisation, without a key: that is what these are
# for (the filing, its limits and what it records: test_public_intake.py)
FILING_FOR_ANYONE = {("POST", "/public/{slug}/complaints"), ("POST", "/public/{slug}")}
# Operators' scrape: lag per tenant id by design, nothing else (docs/security.md)
OPERATOR = {"/metrics"}
ALLOWED = {401, 403, 404, 405}
# path parameters that name no tenant's data: the caller's own template for a step and language
SHARED_NAMES = frozenset({"step", "lang"})
# The complainant's pages and API (no key): open by design, the case by its secret only
PUBLIC = re.compile(r"^/public/")


@dataclass(frozen=True)
class Victim:
    tenant: TenantKeys
    staff: dict[str, str]
    case_id: str
    deadline_id: str
    group: str
    key_id: str
    webhook_id: str
    unit_id: str
    person_id: str

    def path_values(self) -> dict[str, str]:
        """B's value for each kind of path parameter."""
        return {
            "case_id": self.case_id,
            "key_id": self.key_id,
            "webhook_id": self.webhook_id,
            "group": self.group,
            "tenant_id": self.tenant.tenant_id,
            "deadline_id": self.deadline_id,
            "unit_id": self.unit_id,
            "person_id": self.person_id,
            # the complainant's pages: B's slug, and a token that opens none of B's cases
            "slug": self.tenant.slug,
            "token": "A" * 43,
            # a template is named by its step and language, the same in every tenant
            "step": "reply",
            "lang": "en",
        }

    def markers(self) -> list[str]:
        """Strings that must never reach A in any answer."""
        return [SECRET_NAME, SECRET_PHONE, SECRET_SUMMARY, self.tenant.slug]

    def ids(self) -> list[str]:
        """B's ids: an error may echo the one A sent, a success must hold none (a deadline's
        id is a name within its case, such as A's cases have too)."""
        ids = {**self.path_values(), "tenant_hex": UUID(self.tenant.tenant_id).hex}
        # the slug is a marker (never shown), save on the tenant's own public pages
        shared = {"deadline_id", "slug", *SHARED_NAMES}  # names every tenant's data has too
        return [value for name, value in ids.items() if name not in shared]


@pytest.fixture(scope="module")
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
async def victim(http: httpx.AsyncClient) -> Victim:
    b = await new_tenant(http, POLICY)
    staff = await staff_key(http, b, "b.everyone", sorted(load_policy(POLICY).roles))
    body = complaint_body(
        summary=SECRET_SUMMARY,
        category="medical_dispute",
        complainant={"name": SECRET_NAME, "contact": SECRET_PHONE},
    )
    filed = await http.post("/v1/complaints", headers=staff, json=body)
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    group = f"b-group-{uuid.uuid4().hex[:8]}"
    linked = await http.post(
        f"/v1/complaints/{case_id}/group", headers=staff, json={"group": group}
    )
    assert linked.status_code == 200, linked.text
    await http.post(f"/v1/complaints/{case_id}/escalate", headers=staff, json={"reason": "r"})
    deadlines = (await http.get(f"/v1/complaints/{case_id}", headers=staff)).json()["deadlines"]
    hook = await http.post(
        "/v1/webhooks", headers=b.admin, json={"role": "nurse", "url": "https://b.invalid/h"}
    )
    assert hook.status_code == 201, hook.text
    key_id = (await http.get("/v1/tenant", headers=b.admin)).json()["keys"][-1]["key_id"]
    unit_id = f"b-ward-{uuid.uuid4().hex[:8]}"
    unit = await http.post(
        "/v1/units", headers=b.admin, json={"unit_id": unit_id, "name": "Ward", "kind": "ward"}
    )
    assert unit.status_code == 201, unit.text
    return Victim(
        b, staff, case_id, deadlines[0]["deadline_id"] if deadlines else "none", group, key_id,
        hook.json()["webhook_id"], unit_id, "b.everyone",
    )  # fmt: skip


@pytest.fixture(scope="module")
async def attacker_keys(http: httpx.AsyncClient) -> dict[str, dict[str, str]]:
    a = await new_tenant(http, POLICY)
    everyone = await staff_key(http, a, "a.everyone", sorted(load_policy(POLICY).roles))
    auditor = await staff_key(http, a, "a.auditor", ["auditor"])
    filed = await http.post("/v1/complaints", headers=everyone, json=complaint_body())
    assert filed.status_code == 201, filed.text  # A has data of its own to list
    return {"admin": a.admin, "staff": everyone, "auditor": auditor}


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the route's template
    params: tuple[str, ...]
    exclude_from_auth: bool

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def route_table(app: Litestar) -> Iterator[Call]:
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or NOT_TENANT_DATA.match(route.path_format):
            continue
        for handler in route.route_handlers:
            for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"}):
                yield Call(
                    method,
                    route.path_format,
                    tuple(route.path_parameters),
                    bool(handler.opt.get("exclude_from_auth")),
                )


async def test_no_route_lets_tenant_a_read_or_change_tenant_b(
    runtime: Runtime,
    http: httpx.AsyncClient,
    victim: Victim,
    attacker_keys: dict[str, dict[str, str]],
    owner: asyncpg.Connection,
) -> None:
    app = create_app(runtime)
    document = app.openapi_schema.to_schema()
    # routes without B's ids first: later, A's audit trail records the paths A asked for,
    # B's ids included, and an export would echo A's own requests back
    calls = sorted(
        (
            c
            for c in route_table(app)
            if c.path not in STREAMS and (c.method, c.path) not in FILING_FOR_ANYONE
        ),
        key=lambda c: c.params,
    )
    unknown = {f"{c}: {p}" for c in calls for p in c.params if p not in victim.path_values()}
    assert not unknown, f"say where tenant B's value for these comes from: {sorted(unknown)}"
    assert len(calls) > 40  # the table was read, not an empty list

    b_id = UUID(victim.tenant.tenant_id)
    await caught_up(runtime, b_id)
    before = await b_state(owner, b_id)
    failures = []
    for call in calls:
        path = call.path.format(**victim.path_values())
        body = request_body(document, call, victim)
        for who, headers in attacker_keys.items():
            answer = await http.request(call.method, path, headers=headers, json=body)
            failures += judge(call, who, answer, victim)
    await caught_up(runtime, b_id)
    assert await b_state(owner, b_id) == before, "tenant B changed"
    assert not failures, "\n".join(failures)


def judge(call: Call, who: str, answer: httpx.Response, victim: Victim) -> list[str]:
    text = answer.text
    if PUBLIC.match(call.path):
        # the tenant's public pages name the tenant and link to its pages by its slug
        text = text.replace(victim.tenant.slug, "")
    found = [m for m in victim.markers() if m in text]
    if call.path in OPERATOR:
        return [f"{call} as {who}: B's {found} in the scrape"] if found else []
    problems = [f"{call} as {who}: B's data {found} in a {answer.status_code}"] if found else []
    names_b = set(call.params) - SHARED_NAMES  # a route named by step and language is A's own
    if names_b and not call.exclude_from_auth and answer.status_code not in ALLOWED:
        problems.append(f"{call} as {who} on B's ids: {answer.status_code} {text[:200]}")
    if 200 <= answer.status_code < 300:
        leaked = [i for i in victim.ids() if i in text]
        if leaked:
            problems.append(f"{call} as {who}: B's ids {leaked} in a {answer.status_code}")
    return problems


async def b_state(owner: asyncpg.Connection, tenant_id: UUID) -> dict[str, Any]:
    """B's ledger, view tables and webhooks, read below the application."""
    return {
        "events": await owner.fetchval(
            "SELECT count(*) FROM events WHERE tenant_id = $1", tenant_id
        ),
        "views": await fingerprint(owner, tenant_id),
        "webhooks": [
            tuple(r)
            for r in await owner.fetch(
                "SELECT webhook_id, active FROM webhooks WHERE tenant_id = $1 ORDER BY 1",
                tenant_id,
            )
        ],
    }


async def test_a_stream_never_carries_b_events(
    http: httpx.AsyncClient, victim: Victim, attacker_keys: dict[str, dict[str, str]]
) -> None:
    """A's security staff listen while both tenants report an incident: A hears its own."""
    a_staff = attacker_keys["staff"]
    a_case = await http.post("/v1/complaints", headers=a_staff, json=complaint_body())
    heard: list[str] = []
    subscribed = asyncio.Event()

    async def listen() -> None:
        async with http.stream("GET", "/v1/stream", headers=a_staff) as response:
            assert response.status_code == 200
            async for line in response.aiter_lines():
                subscribed.set()
                if line.startswith("data: "):
                    heard.append(line)

    listener = asyncio.create_task(listen())
    try:
        async with asyncio.timeout(5):
            await subscribed.wait()
        incident = {"kind": "assault", "description": "a relative hit a nurse"}
        for headers, case_id in ((victim.staff, victim.case_id), (a_staff, a_case.json()["id"])):
            answer = await http.post(
                f"/v1/complaints/{case_id}/incidents", headers=headers, json=incident
            )
            assert answer.status_code == 200, answer.text
        async with asyncio.timeout(10):
            while not any(a_case.json()["id"] in line for line in heard):
                await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # B's event, relayed at the same time, would be here by now
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    assert not [line for line in heard for i in victim.ids() if i in line]


# --- request bodies from the OpenAPI schema ---------------------------------------------

SAMPLES = ["x", "nurse", "medical_dispute", "hospital@1", "CN", "https://example.invalid/hook"]


def request_body(document: dict[str, Any], call: Call, victim: Victim) -> Any:
    """A valid body for the operation: B's values where a field names one of B's things, the
    policy's words where it needs them, the schema's simplest value elsewhere."""
    # the complainant's pages are outside the document: forms, no JSON body
    operation = document["paths"].get(call.path, {}).get(call.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    hints: dict[str, Any] = {
        "deadline_id": victim.deadline_id,
        "group": victim.group,
        "person_id": "admin",
        "person": "admin",
        "to_person": "admin",
        "role": "nurse",
        "roles": ["nurse"],
        "category": "medical_dispute",
        "policy": POLICY,
        "slug": f"iso-{uuid.uuid4().hex[:8]}",
        "url": "https://example.invalid/hook",
        "score": 5,
        "options": {},
        "features": {"scar": "left hand"},
    }
    return instance(document, content["application/json"]["schema"], hints)


def instance(document: dict[str, Any], schema: dict[str, Any], hints: dict[str, Any]) -> Any:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for alternative in schema.get("oneOf", []) + schema.get("anyOf", []):
        if alternative.get("type") != "null":
            return instance(document, alternative, hints)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        required = set(schema.get("required", []))
        return {
            name: hints[name] if name in hints else instance(document, sub, hints)
            for name, sub in schema.get("properties", {}).items()
            if name in required or name in hints
        }
    if kind == "array":
        return [instance(document, schema.get("items", {}), hints)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return "2026-03-02T09:00:00Z"
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return text_for(schema)


def text_for(schema: dict[str, Any]) -> str:
    low, high = schema.get("minLength", 1), schema.get("maxLength", 100)
    pattern = re.compile(schema.get("pattern", ".*"))
    for sample in SAMPLES:
        if low <= len(sample) <= high and pattern.search(sample):
            return sample
    raise AssertionError(f"no sample string fits {schema}: add one to SAMPLES")
