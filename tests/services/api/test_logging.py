"""Structured logs: one JSON object a line, with the request's id, tenant, route, status and
duration; never a key, a body, a query string, or a complainant's name or phone."""

from __future__ import annotations

import io
import json
import logging
import sys
from collections.abc import Iterator

import httpx
import pytest
from litestar import Request

from services.api.problems import HANDLERS
from services.logs import QUIET, JsonFormatter
from tests.services.support import complaint_body, new_tenant

NAME, PHONE = "Ouyang Xiu-secret", "13712345678"


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """What the service logs while the test runs, formatted as ``complaints serve`` does."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *QUIET)}
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET:  # as log_config() sets them (this test's own client is httpx too)
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_logs_carry_the_request_and_never_keys_or_personal_data(
    client: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    key = tenant.admin_key
    body = complaint_body(complainant={"name": NAME, "contact": PHONE}, category="medical_dispute")
    headers = {**tenant.admin, "X-Request-ID": "trace-42"}
    filed = await client.post("/v1/complaints", headers=headers, json=body)
    assert filed.status_code == 201 and filed.headers["x-request-id"] == "trace-42"
    case_id = filed.json()["id"]
    await client.get("/v1/complaints", headers=tenant.admin, params={"q": NAME})
    await client.post(  # refused: the problem names the field, the log does not
        "/v1/complaints", headers=tenant.admin, json={**body, "channel": PHONE}
    )
    await client.post(
        f"/v1/complaints/{case_id}/notes", headers=tenant.admin, json={"text": f"call {PHONE}"}
    )
    await client.get("/v1/tenant", headers={"Authorization": f"Bearer {key}x"})  # a bad key

    lines = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    access = [line for line in lines if line["logger"] == "complaints.access"]
    first = next(line for line in access if line["request_id"] == "trace-42")
    assert first | {"time": None, "duration_ms": None} == {
        "time": None,
        "level": "info",
        "logger": "complaints.access",
        "message": "request",
        "request_id": "trace-42",
        "tenant": tenant.tenant_id,
        "method": "POST",
        "path": "/v1/complaints",
        "status": 201,
        "duration_ms": None,
    }
    assert first["duration_ms"] > 0
    assert {line["status"] for line in access} >= {201, 200, 422, 401}
    assert {line["path"] for line in access} >= {"/v1/complaints/{case_id}/notes"}
    text = log_lines.getvalue()
    secret = key.rsplit(".", 1)[-1]
    for forbidden in (key, secret, NAME, PHONE, "Bearer", case_id):
        assert forbidden not in text, forbidden


async def test_a_request_id_is_made_when_none_or_a_strange_one_is_sent(
    client: httpx.AsyncClient,
) -> None:
    made = await client.get("/v1/tenant")
    assert made.status_code == 401
    assert len(made.headers["x-request-id"]) == 32
    assert made.json()["request_id"] == made.headers["x-request-id"]
    strange = await client.get("/health", headers={"X-Request-ID": "a b\tc" + "x" * 200})
    assert strange.headers["x-request-id"] != "a b\tc" + "x" * 200
    assert len(strange.headers["x-request-id"]) == 32


def test_an_error_is_logged_by_type_and_stack_without_its_message() -> None:
    try:
        raise ValueError(f"duplicate complainant {NAME} {PHONE}")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    line = json.loads(JsonFormatter().format(record))
    assert line["error"] == "builtins.ValueError"
    assert line["stack"] and __file__ in line["stack"][0]
    assert NAME not in json.dumps(line) and PHONE not in json.dumps(line)


async def test_a_nul_in_a_url_or_a_body_is_refused_before_the_database(
    client: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    listed = await client.get("/v1/complaints?q=a%00b", headers=tenant.admin)
    assert listed.status_code == 400 and listed.json()["request_id"]
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(summary="a\u0000b")
    )
    assert filed.status_code == 422
    assert filed.json()["errors"][0]["field"] == "summary"


@pytest.mark.parametrize("error", [OSError("connection refused"), RuntimeError("a bug")])
def test_an_error_logs_the_route_template_not_the_values_in_the_path(
    error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/groups/Li Wei 13800000000/resolve",
        "path_template": "/v1/groups/{group}/resolve",
        "headers": [],
        "query_string": b"",
        "state": {},
    }
    handler = HANDLERS[type(error)] if type(error) in HANDLERS else HANDLERS[Exception]
    with caplog.at_level(logging.WARNING):
        handler(Request(scope), error)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/v1/groups/{group}/resolve" in logged
    assert "Li Wei" not in logged and "13800000000" not in logged
