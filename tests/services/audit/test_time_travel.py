"""Time travel: a case as it stood at any moment, and step by step through its events."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import msgspec
from eventsourcing.persistence import StoredEvent
from httpx import AsyncClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.api.complaints import complaint_out
from services.audit.chain import micros
from services.audit.checkpoint_keys import rfc3339
from services.runtime import Runtime
from services.store.ledger import RecordedEvent
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

ACTIONS = (
    ("notes", {"text": "called the family back"}),
    ("handovers", {"text": "family upset, call before noon"}),
    ("acknowledge", {}),
    ("notes", {"text": "records requested"}),
    ("propose-resolution", {"text": "an apology and a review"}),
    ("complainant-response", {"accepted": False, "text": "not enough"}),
    ("escalate", {"reason": "not settled in the department"}),
    ("handovers", {"text": "medical affairs has it now"}),
)


async def worked_case(client: AsyncClient) -> tuple[TenantKeys, str]:
    tenant = await new_tenant(client, "hospital@1")
    head = await staff_key(client, tenant, "dr.li", ["department_head"])
    filed = await client.post(
        "/v1/complaints", headers=head, json=complaint_body(category="medical_dispute")
    )
    case = filed.json()["id"]
    for action, body in ACTIONS:
        response = await client.post(f"/v1/complaints/{case}/{action}", headers=head, json=body)
        assert response.status_code == 200, (action, response.text)
    return tenant, case


def state(answer: dict[str, Any]) -> dict[str, Any]:
    """The case's state, without what the read side adds around it."""
    return {k: v for k, v in answer.items() if k != "timeline"}


async def replayed_up_to(
    owner: asyncpg.Connection, runtime: Runtime, tenant_id: str, case_id: str, moment: datetime
) -> dict[str, Any] | None:
    """The independent answer: the rows recorded by then, straight from the table, replayed."""
    rows = await owner.fetch(
        "SELECT originator_version, topic, state FROM events"
        " WHERE tenant_id = $1 AND originator_id = $2 AND recorded_at <= $3"
        " ORDER BY originator_version",
        UUID(tenant_id),
        UUID(case_id),
        moment,
    )
    stored = [
        StoredEvent(UUID(case_id), r["originator_version"], r["topic"], r["state"]) for r in rows
    ]
    case = runtime.repository.replay(UUID(tenant_id), [_recorded(s) for s in stored])
    return state(json.loads(msgspec.json.encode(complaint_out(case)))) if case else None


def _recorded(stored: StoredEvent) -> RecordedEvent:
    return RecordedEvent(0, datetime.now(UTC), stored)  # replay reads only the stored event


async def test_replay_gives_the_state_after_each_event_ending_as_the_case_is(
    client: AsyncClient,
) -> None:
    tenant, case = await worked_case(client)
    steps = (await client.get(f"/v1/complaints/{case}/replay", headers=tenant.admin)).json()
    history = (await client.get(f"/v1/complaints/{case}/history", headers=tenant.admin)).json()
    now = (await client.get(f"/v1/complaints/{case}", headers=tenant.admin)).json()
    assert [(s["seq"], s["event"]) for s in steps] == [(h["seq"], h["event"]) for h in history]
    assert [s["state"]["version"] for s in steps] == list(range(1, len(steps) + 1))
    assert state(steps[-1]["state"]) == state(now)
    levels = [s["state"]["level"] for s in steps]
    assert levels == sorted(levels) and levels[0] < levels[-1]  # the escalation shows


async def test_a_case_as_of_a_moment_before_it_was_filed_is_not_found(client: AsyncClient) -> None:
    tenant, case = await worked_case(client)
    before = "2000-01-01T00:00:00Z"
    response = await client.get(
        f"/v1/complaints/{case}", headers=tenant.admin, params={"as_of": before}
    )
    assert response.status_code == 404


async def test_as_of_without_a_utc_offset_is_refused(client: AsyncClient) -> None:
    tenant, case = await worked_case(client)
    response = await client.get(
        f"/v1/complaints/{case}", headers=tenant.admin, params={"as_of": "2030-01-01T00:00:00"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "as_of"


async def test_the_case_as_of_any_moment_equals_its_events_recorded_by_then_replayed(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, case = await worked_case(client)
    times = [
        r["recorded_at"]
        for r in await owner.fetch(
            "SELECT recorded_at FROM events WHERE originator_id = $1 ORDER BY seq", UUID(case)
        )
    ]
    first, last = micros(times[0]), micros(times[-1])
    loop = asyncio.get_running_loop()
    seen: set[int | None] = set()  # versions met, so the property is not checked vacuously

    def run(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)

    moments = st.one_of(
        st.integers(first - 5_000, last + 5_000),  # anywhere around the case's life
        st.builds(lambda t, d: micros(t) + d, st.sampled_from(times), st.integers(-1, 1)),
    )

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(moments)
    def as_of_equals_replay(at_micros: int) -> None:
        moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=at_micros)
        answer = run(
            client.get(
                f"/v1/complaints/{case}", headers=tenant.admin, params={"as_of": rfc3339(moment)}
            )
        )
        expected = run(replayed_up_to(owner, runtime, tenant.tenant_id, case, moment))
        seen.add(expected and expected["version"])
        if expected is None:
            assert answer.status_code == 404
        else:
            assert answer.status_code == 200, answer.text
            assert state(answer.json()) == expected

    # hypothesis drives a synchronous test; it runs in a thread and hands each request back
    # to this loop, which owns the connection pool
    await asyncio.to_thread(as_of_equals_replay)
    assert None in seen and len(seen) > 4
