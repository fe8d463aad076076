"""Datetimes the API takes are range-checked or clamped: none can break a tenant's views."""

from __future__ import annotations

import base64
import json

import pytest
from httpx import AsyncClient

from tests.services.support import complaint_body, new_tenant


def cursor(received_at: str) -> str:
    raw = json.dumps([received_at, "00000000-0000-0000-0000-000000000000"]).encode()
    return base64.urlsafe_b64encode(raw).decode()


@pytest.mark.parametrize(
    "received_at",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "1999-12-31T23:59:59Z"],
)
async def test_a_receipt_outside_this_century_or_past_tomorrow_is_refused_and_views_still_answer(
    client: AsyncClient, received_at: str
) -> None:
    school = await new_tenant(client)
    refused = await client.post(
        "/v1/complaints", headers=school.admin, json=complaint_body(received_at=received_at)
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "received_at"
    filed = await client.post("/v1/complaints", headers=school.admin, json=complaint_body())
    seq = filed.json()["seq"]
    listed = await client.get(f"/v1/complaints?after_seq={seq}", headers=school.admin)
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
    assert (await client.get(f"/v1/stats?after_seq={seq}", headers=school.admin)).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        {"received_from": "0001-01-01T00:00:00+14:00"},
        {"received_to": "9999-12-31T23:59:59-14:00"},
        {"cursor": cursor("9999-12-31T23:59:59-14:00")},
    ],
)
async def test_query_bounds_at_the_ends_of_time_are_clamped_not_a_500(
    client: AsyncClient, query: dict[str, str]
) -> None:
    school = await new_tenant(client)
    seq = (await client.post("/v1/complaints", headers=school.admin, json=complaint_body())).json()[
        "seq"
    ]
    answer = await client.get(
        "/v1/complaints", headers=school.admin, params={**query, "after_seq": seq}
    )
    assert answer.status_code == 200, answer.text
    # newest first: a cursor at the end of time comes before every case
    assert len(answer.json()["items"]) == 1


@pytest.mark.parametrize(
    ("name", "value"),
    [("cursor", cursor("2026-01-01T00:00:00")), ("received_from", "2026-01-01T00:00:00")],
)
async def test_a_moment_without_an_offset_is_a_422_naming_it(
    client: AsyncClient, name: str, value: str
) -> None:
    school = await new_tenant(client)
    answer = await client.get("/v1/complaints", headers=school.admin, params={name: value})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == name


async def test_a_body_nested_too_deeply_is_a_400_not_a_500(client: AsyncClient) -> None:
    school = await new_tenant(client)
    body = b'{"summary":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    answer = await client.post(
        "/v1/complaints",
        headers={**school.admin, "Content-Type": "application/json"},
        content=body,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "body", "reason": "nested too deeply"}]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/reports/penalties", {"month": "9999-12"}, "month"),
        ("/v1/reports/penalties", {"month": "0001-01"}, "month"),
        ("/v1/reports/period", {"from": "9999-12-31", "to": "9999-12-31"}, "from"),
        ("/v1/reports/period", {"from": "0001-01-01", "to": "0001-01-01"}, "from"),
        ("/v1/reports/period", {"from": "2026-01-01", "to": "9999-12-31"}, "to"),
    ],
)
async def test_a_report_at_the_ends_of_the_calendar_is_a_422_naming_the_field_not_a_500(
    client: AsyncClient, path: str, params: dict[str, str], field: str
) -> None:
    school = await new_tenant(client)
    answer = await client.get(path, headers=school.admin, params=params)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
