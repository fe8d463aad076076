"""A client generated from the served OpenAPI document (``openapi-python-client``) walks the
README's walk-through and reads the views beside it: every answer is one of the generated
model classes, never a bare dict, and holds what a user of the API expects."""

from __future__ import annotations

import asyncio
import datetime
import importlib
import re
import sys
import uuid
from collections.abc import AsyncIterator
from types import ModuleType

import pytest

from tests.conftest import PLATFORM_KEY

PACKAGE = "complaints_client"
# What the generator cannot turn into code, and rightly leaves out: bodies that are not JSON
# (the ledger export's NDJSON, the checkpoint key's PEM, the reports' workbooks and CSV).
# Any other warning fails the test.
NOT_JSON = re.compile(
    r"Unsupported content_type (application/(x-ndjson|x-pem-file"
    r"|vnd\.openxmlformats-officedocument\.spreadsheetml\.sheet)|text/csv)"
)


@pytest.fixture(scope="module")
async def api(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[ModuleType]:
    """The client, generated from the running app's document and imported."""
    root = tmp_path_factory.mktemp("generated")
    config = root / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run over code no one reads
    # a subprocess awaited, not run: the app it reads serves on this very event loop
    generator = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--url",
        f"{base_url}/schema/openapi.json",
        "--output-path",
        str(root / PACKAGE),
        "--meta",
        "none",
        "--config",
        str(config),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    said = (await asyncio.wait_for(generator.communicate(), 60))[0].decode()
    assert generator.returncode == 0, said
    warnings = said.count("WARNING parsing")
    assert warnings == len(NOT_JSON.findall(said)), said
    sys.path.insert(0, str(root))
    try:
        package = importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))  # its modules import from the package's own path
    yield package
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"{PACKAGE}.{name}")


def operation(name: str) -> ModuleType:
    """One operation's module, e.g. ``tenants.create_tenant`` (tag, then operationId)."""
    return module(f"api.{name}")


async def test_the_readme_walk_through_answers_generated_models(
    api: ModuleType, base_url: str
) -> None:
    m = module("models")

    def client(key: str) -> object:  # the generated class, imported at run time
        return api.AuthenticatedClient(base_url=base_url, token=key, timeout=30)

    # the platform administrator creates a tenant and gets its first admin key: 201
    slug = f"city-hospital-{uuid.uuid4().hex[:8]}"
    created = await operation("tenants.create_tenant").asyncio_detailed(
        client=client(PLATFORM_KEY),
        body=m.TenantCreate(
            slug=slug,
            name="City Hospital",
            policy="hospital@1",
            admin=m.AdminIn(person_id="admin", name="Admin"),
        ),
    )
    assert created.status_code == 201, created.content
    assert isinstance(created.parsed, m.KeyOut)
    assert created.parsed.key
    admin = client(created.parsed.key)

    # the tenant admin registers people with roles of the policy, and issues them keys: 201
    person = await operation("tenants.register_person").asyncio_detailed(
        client=admin,
        body=m.PersonIn(person_id="nurse.wang", name="Wang Fang", roles=["nurse"]),
    )
    assert person.status_code == 201, person.content
    assert isinstance(person.parsed, m.PersonRegistered)
    assert (person.parsed.person_id, person.parsed.roles) == ("nurse.wang", ["nurse"])
    key = await operation("tenants.issue_key").asyncio(
        client=admin, body=m.KeyCreate(person_id="nurse.wang")
    )
    assert isinstance(key, m.KeyOut)
    assert key.key and key.tenant_id == created.parsed.tenant_id
    nurse = client(key.key)

    # file a complaint: 201 with its id, version and the tenant seq written
    complaint = m.ComplaintCreate(
        summary="Dressing changed late",
        channel=m.ComplaintCreateChannel.VISIT,
        category="medical_dispute",
        complainant=m.ComplainantIn(name="Li Wei", contact="138..."),
    )
    filed = await operation("complaints.file_complaint").asyncio_detailed(
        client=nurse, body=complaint, idempotency_key="intake-0001"
    )
    assert filed.status_code == 201, filed.content
    assert isinstance(filed.parsed, m.WrittenOut)
    case_id = filed.parsed.id
    assert isinstance(case_id, uuid.UUID)
    # a retry with the same Idempotency-Key gets the first answer and files nothing new
    again = await operation("complaints.file_complaint").asyncio(
        client=nurse, body=complaint, idempotency_key="intake-0001"
    )
    assert isinstance(again, m.WrittenOut)
    assert (again.id, again.seq) == (case_id, filed.parsed.seq)

    # read it and its history: 200; a filed hospital case is at version 3 (ETag "3")
    read = await operation("complaints.get_complaint").asyncio_detailed(
        case_id, client=nurse, after_seq=filed.parsed.seq
    )
    assert read.status_code == 200, read.content
    case = read.parsed
    assert isinstance(case, m.ComplaintOut)
    assert read.headers["ETag"] == '"3"'
    assert (case.id, case.version, case.status) == (case_id, 3, "open")
    assert (case.summary, case.channel, case.category) == (
        "Dressing changed late",
        "visit",
        "medical_dispute",
    )
    assert isinstance(case.complainant, m.ComplaintOutComplainant)
    assert case.complainant["name"] == "Li Wei"
    assert case.deadlines == []  # a filed hospital case runs no deadline yet
    assert all(isinstance(step, m.TimelineItem) for step in case.timeline) and case.timeline
    history = await operation("complaints.get_complaint_history").asyncio(case_id, client=nurse)
    assert all(isinstance(item, m.HistoryItem) for item in history)
    assert [item.version for item in history] == [1, 2, 3]
    assert history[0].event == "Filed"

    # act on it with the version read: 200; a stale If-Match is refused: no update is lost
    handover = m.AddHandoverRequest(text="family upset")
    acted = await operation("case_actions.complaint_handovers").asyncio_detailed(
        case_id, client=nurse, body=handover, if_match='"3"'
    )
    assert acted.status_code == 200, acted.content
    assert isinstance(acted.parsed, m.WrittenOut)
    assert acted.parsed.id == case_id and acted.parsed.version > 3
    assert acted.headers["ETag"] == f'"{acted.parsed.version}"'  # the next If-Match
    stale = await operation("case_actions.complaint_handovers").asyncio_detailed(
        case_id, client=nurse, body=handover, if_match='"3"'
    )
    assert stale.status_code == 412
    assert isinstance(stale.parsed, m.Problem)

    await reads_answer_models(m, admin, nurse, acted.parsed)


async def reads_answer_models(m: ModuleType, admin: object, nurse: object, last: object) -> None:
    """The views the README names after the walk-through; ``last`` the case's last write."""
    case_id, seq = last.id, last.seq
    unset = module("types").Unset

    page = await operation("complaints.list_complaints").asyncio(client=nurse, after_seq=seq)
    assert isinstance(page, m.CasePage)
    assert page.next_cursor is None
    (item,) = page.items
    assert isinstance(item, m.CaseListItem)
    assert (item.case_id, item.summary, item.status, item.version) == (
        case_id,
        "Dressing changed late",
        "open",
        last.version,
    )
    assert isinstance(item.received_at, datetime.datetime)
    assert isinstance(item.handlers, m.CaseListItemHandlers)

    stats = await operation("views.dashboard").asyncio(client=nurse, after_seq=seq)
    assert isinstance(stats, m.Dashboard)
    (day,) = stats.per_day
    assert isinstance(day, m.PeriodCount)
    assert (day.category, day.status, day.cases) == ("medical_dispute", "open", 1)
    assert isinstance(day.period, datetime.date)
    assert isinstance(stats.first_response, m.Durations)
    assert stats.first_response.cases == 0 and stats.first_response.p50_seconds is None
    assert (stats.sla, stats.penalties, stats.satisfaction) == ([], [], [])

    # staff read the people and their roles; only the administrator reads the keys
    shown = await operation("tenants.get_tenant").asyncio(client=nurse)
    assert isinstance(shown, m.TenantOut)
    assert (shown.name, shown.policy, shown.country, shown.timezone) == (
        "City Hospital",
        "hospital@1",
        "CN",
        "Asia/Shanghai",
    )
    people = {p.person_id: p for p in shown.people}
    assert all(isinstance(p, m.TenantPerson) for p in shown.people)
    assert (people["nurse.wang"].name, people["nurse.wang"].roles) == ("Wang Fang", ["nurse"])
    assert isinstance(shown.keys, unset)
    administered = await operation("tenants.get_tenant").asyncio(client=admin)
    assert isinstance(administered, m.TenantOut)
    assert all(isinstance(k, m.TenantKey) for k in administered.keys)
    assert {k.person_id for k in administered.keys} == {"admin", "nurse.wang"}

    options = await operation("tenants.get_policy_options").asyncio(client=nurse)
    assert isinstance(options, m.PolicyOptionsOut)
    assert options.policy == "hospital@1"
    declared = options.declared.additional_properties
    assert declared and all(isinstance(o, m.DeclaredOption) for o in declared.values())
    # the tenant set none: the defaults are in force
    assert options.in_force.to_dict() == {name: o.default for name, o in declared.items()}
    set_options = await operation("tenants.set_policy_options").asyncio(
        client=admin, body=m.PolicyOptionsIn(options=m.PolicyOptionsInOptions())
    )
    assert isinstance(set_options, m.PolicyOptionsSet)
    assert set_options.seq > seq
    assert set_options.in_force.to_dict() == options.in_force.to_dict()

    hook = await operation("bus.create_webhook").asyncio(
        client=admin, body=m.WebhookIn(role="medical_affairs", url="http://127.0.0.1:9/hook")
    )
    assert isinstance(hook, m.WebhookCreated)
    try:
        (listed,) = await operation("bus.list_webhooks").asyncio(client=admin)
        assert isinstance(listed, m.WebhookOut)
        assert (listed.webhook_id, listed.role, listed.active) == (
            hook.webhook_id,
            "medical_affairs",
            True,
        )
    finally:
        await operation("bus.deactivate_webhook").asyncio(hook.webhook_id, client=admin)
