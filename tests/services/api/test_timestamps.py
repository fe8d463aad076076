"""Every datetime the API answers has one form: RFC 3339 in UTC, six fraction digits, ``Z``
(docs/api.md, "Time"), whatever offset it was sent with."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

from httpx import AsyncClient

from services.runtime import Runtime
from tests.fakes import FakeClock
from tests.services.api.test_reports_api import held_accountable
from tests.services.support import complaint_body, new_tenant

FORM = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
LOOKS_LIKE_A_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
BEIJING = timezone(timedelta(hours=8))


def moments(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Each string in an answer that reads as a datetime, with where it is."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from moments(item, f"{path}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from moments(item, f"{path}[{n}]")
    elif isinstance(value, str) and LOOKS_LIKE_A_MOMENT.match(value):
        yield path, value


def all_in_one_form(answer: Any) -> dict[str, datetime]:
    found = dict(moments(answer))
    for where, text in found.items():
        assert FORM.fullmatch(text), (where, text)
        assert datetime.fromisoformat(text).utcoffset() == timedelta(0), (where, text)
    return {where: datetime.fromisoformat(text) for where, text in found.items()}


async def test_a_case_its_history_the_list_and_deadlines_answer_utc_with_z(
    client: AsyncClient, clock: FakeClock
) -> None:
    tenant = await new_tenant(client)
    head = tenant.admin
    # sent with Beijing's offset and no fraction: answered in UTC with six digits
    sent = (clock.now() - timedelta(hours=1)).astimezone(BEIJING).replace(microsecond=0)
    filed = await client.post(
        "/v1/complaints",
        headers=head,
        json=complaint_body(category="problem", received_at=sent.isoformat()),
    )
    assert filed.status_code == 201, filed.text
    case, seq = filed.json()["id"], filed.json()["seq"]
    wait = {"after_seq": seq}

    shown = await client.get(f"/v1/complaints/{case}", headers=head, params=wait)
    body = shown.json()
    found = all_in_one_form(body)
    assert body["received_at"] == sent.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    assert {".received_at", ".filed_at"} <= set(found)
    assert body["deadlines"] and {".deadlines[0].started_at", ".deadlines[0].due_at"} <= set(found)

    history = (await client.get(f"/v1/complaints/{case}/history", headers=head)).json()
    found = all_in_one_form(history)
    assert "[0].recorded_at" in found and "[0].data.received_at" in found
    recorded = [found[f"[{n}].recorded_at"] for n in range(len(history))]
    assert recorded == sorted(recorded)
    # a recorded_at sent back as as_of names that moment: the case as it stood then
    as_of = history[0]["recorded_at"]
    then = await client.get(f"/v1/complaints/{case}", headers=head, params={"as_of": as_of})
    assert then.status_code == 200 and then.json()["version"] == history[0]["version"]

    listed = (await client.get("/v1/complaints", headers=head, params=wait)).json()
    assert [item["case_id"] for item in listed["items"]] == [case]
    assert ".items[0].received_at" in all_in_one_form(listed)

    deadlines = (await client.get("/v1/deadlines", headers=head, params=wait)).json()
    found = all_in_one_form(deadlines)
    assert deadlines["items"] and any(w.endswith(".due_at") for w in found)

    inbox = (await client.get("/v1/inbox", headers=head, params=wait)).json()
    all_in_one_form(inbox)
    stats = (await client.get("/v1/stats", headers=tenant.admin, params=wait)).json()
    all_in_one_form(stats)


async def test_webhooks_and_their_deliveries_answer_utc_with_z(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    hook = await runtime.webhooks.create(
        UUID(tenant.tenant_id), "security", "https://hooks.example.org/complaints", "admin"
    )
    await runtime.webhooks.log(hook, "msg-1", 1, "delivered", 204, None, 3)
    hooks = (await client.get("/v1/webhooks", headers=tenant.admin)).json()
    assert "[0].created_at" in all_in_one_form(hooks)
    path = f"/v1/webhooks/{hook.webhook_id}/deliveries"
    deliveries = (await client.get(path, headers=tenant.admin)).json()
    assert ".items[0].at" in all_in_one_form(deliveries)


async def test_a_session_answers_its_expiry_utc_with_z(client: AsyncClient) -> None:
    tenant = await new_tenant(client)
    signed_in = await client.post("/v1/session", json={"key": tenant.admin_key})
    assert signed_in.status_code == 201, signed_in.text
    found = all_in_one_form(signed_in.json())
    assert {".expires_at", ".idle_expires_at"} <= set(found)


async def test_the_streamed_penalty_sheet_answers_its_moments_in_the_same_form(
    client: AsyncClient, fixed_clock: FakeClock
) -> None:
    """The sheet is encoded a batch at a time by its route, past the hook that puts every
    other answer's datetimes in one form; its moments must come out the same. A whole
    second (no microseconds) is where the two forms differ."""
    fixed_clock.set(datetime(2026, 11, 3, 10, 0, tzinfo=BEIJING))
    _, general, _, seq = await held_accountable(client)
    params = {"month": "2026-11", "after_seq": seq}
    sheet = await client.get("/v1/reports/penalties", headers=general, params=params)
    assert sheet.status_code == 200, sheet.text
    found = all_in_one_form(sheet.json())
    assert found and all(where.startswith(".penalties[") for where in found), found
