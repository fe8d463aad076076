"""Browser sessions over a real socket: an API key signed in becomes an HttpOnly, SameSite=Strict
cookie that acts as the key, writes with it need the session's X-CSRF-Token, it ends when
unused, when too old, at sign-out and when its key is revoked, and only its hash is kept."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from http.cookies import SimpleCookie
from uuid import UUID

import asyncpg
import httpx
import pytest

from tests.conftest import PLATFORM_KEY
from tests.fakes import FakeClock
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

COOKIE = "complaints_session"


@pytest.fixture
async def http(base_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser of its own: a cookie jar that keeps what the API sets."""
    async with httpx.AsyncClient(base_url=base_url, timeout=15) as browser:
        yield browser


@pytest.fixture
async def moved(clock: FakeClock) -> AsyncIterator[FakeClock]:
    """The runtime's clock, put back where it was after the test moves it."""
    before = clock.offset
    yield clock
    clock.offset = before


def set_cookie(answer: httpx.Response) -> tuple[str, dict[str, str | bool]]:
    """The session cookie's value and attributes, as the Set-Cookie header says them."""
    (header,) = [v for v in answer.headers.get_list("set-cookie") if v.startswith(COOKIE)]
    morsel = SimpleCookie(header)[COOKIE]
    flags = {name.lower(): morsel[name] for name in morsel.keys() if morsel[name]}  # noqa: SIM118
    return morsel.value, flags


async def signed_in(
    http: httpx.AsyncClient, client: httpx.AsyncClient, roles: list[str] | None = None
) -> tuple[TenantKeys, str, dict]:
    """A hospital tenant and a session of one of its people (its admin without ``roles``)."""
    tenant = await new_tenant(client, "hospital@1")
    key = tenant.admin_key
    if roles is not None:
        key = (await staff_key(client, tenant, "nurse.wang", roles))["Authorization"][7:]
    answer = await http.post("/v1/session", json={"key": key})
    assert answer.status_code == 201, answer.text
    return tenant, key, answer.json()


async def test_sign_in_sets_an_httponly_strict_cookie_and_names_the_tenant_and_person(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    answer = await http.post("/v1/session", json={"key": tenant.admin_key})
    assert answer.status_code == 201, answer.text
    token, flags = set_cookie(answer)
    assert (
        flags["httponly"] is True
        and str(flags["samesite"]).lower() == "strict"
        and flags["path"] == "/"
    )
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    assert tenant.admin_key not in token and tenant.admin_key.split(".")[-1] not in token
    body = answer.json()
    assert body["tenant"] == {
        "id": tenant.tenant_id,
        "slug": tenant.slug,
        "name": f"Tenant {tenant.slug}",
        "language": body["tenant"]["language"],
        "timezone": body["tenant"]["timezone"],
    }
    assert body["tenant"]["language"] in ("zh-CN", "en") and body["tenant"]["timezone"]
    assert body["person"] == {"id": "admin", "name": "Admin", "roles": ["admin"]}
    expires = datetime.fromisoformat(body["expires_at"])
    idle = datetime.fromisoformat(body["idle_expires_at"])
    assert timedelta(minutes=29) < idle - (expires - timedelta(hours=12)) <= timedelta(minutes=30)
    assert len(body["csrf_token"]) >= 32

    shown = await http.get("/v1/session")  # the jar sends the cookie back
    assert shown.status_code == 200, shown.text
    assert shown.json()["csrf_token"] == body["csrf_token"]
    assert shown.json()["person"] == body["person"]


async def test_a_bad_key_is_a_401_problem_and_sets_no_cookie(http: httpx.AsyncClient) -> None:
    for key in ("ck.nonsense", f"ck.{'0' * 32}.abcd.{'0' * 64}", PLATFORM_KEY):
        answer = await http.post("/v1/session", json={"key": key})
        assert answer.status_code == 401, key
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "set-cookie" not in answer.headers
    assert (await http.post("/v1/session", json={})).status_code == 422
    assert (await http.get("/v1/session")).status_code == 401  # no session at all


async def test_over_https_behind_a_trusted_proxy_the_cookie_is_secure(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    tenant = await new_tenant(client)
    # the test's server trusts loopback's X-Forwarded-Proto, as uvicorn does by default
    answer = await http.post(
        "/v1/session", json={"key": tenant.admin_key}, headers={"X-Forwarded-Proto": "https"}
    )
    assert answer.status_code == 201
    assert set_cookie(answer)[1]["secure"] is True


async def test_the_session_acts_as_its_key_and_writes_need_the_csrf_token(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    _, _, session = await signed_in(http, client)
    without = await http.post("/v1/complaints", json=complaint_body())
    assert without.status_code == 403
    assert without.json()["type"] == "/problems/csrf"
    wrong = await http.post(
        "/v1/complaints", json=complaint_body(), headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong.status_code == 403 and wrong.json()["type"] == "/problems/csrf"

    csrf = {"X-CSRF-Token": session["csrf_token"]}
    filed = await http.post("/v1/complaints", json=complaint_body(), headers=csrf)
    assert filed.status_code == 201, filed.text
    case = f"/v1/complaints/{filed.json()['id']}"
    assert (await http.get(case)).status_code == 200  # reads need no token
    noted = await http.post(f"{case}/notes", json={"text": "n"}, headers=csrf)
    assert noted.status_code == 200, noted.text


async def test_retries_are_scoped_to_the_sessions_key(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    """An Idempotency-Key sent with the session and again with the key is one request."""
    _, key, session = await signed_in(http, client)
    once = {"X-CSRF-Token": session["csrf_token"], "Idempotency-Key": "intake-1"}
    by_session = await http.post("/v1/complaints", json=complaint_body(), headers=once)
    by_key = await client.post(
        "/v1/complaints",
        json=complaint_body(),
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": "intake-1"},
    )
    assert by_session.status_code == by_key.status_code == 201
    assert by_session.json()["id"] == by_key.json()["id"]


async def test_sign_out_revokes_the_session_and_clears_the_cookie(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    _, _, session = await signed_in(http, client)
    token = http.cookies[COOKIE]
    refused = await http.delete("/v1/session")
    assert refused.status_code == 403 and refused.json()["type"] == "/problems/csrf"
    assert (await http.get("/v1/session")).status_code == 200  # still signed in

    out = await http.delete("/v1/session", headers={"X-CSRF-Token": session["csrf_token"]})
    assert out.status_code == 204
    value, flags = set_cookie(out)
    assert value == "" and flags["max-age"] == "0"
    assert COOKIE not in http.cookies
    # the server forgot it too: the old cookie, sent again, signs nobody in
    replayed = await http.get("/v1/session", headers={"Cookie": f"{COOKIE}={token}"})
    assert replayed.status_code == 401
    assert replayed.json()["type"] == "/problems/http-401"
    again = await http.delete("/v1/session", headers={"Cookie": f"{COOKIE}={token}"})
    assert again.status_code == 204  # nothing left to end


async def test_an_unused_session_ends_after_its_idle_time_and_use_keeps_it(
    http: httpx.AsyncClient, client: httpx.AsyncClient, moved: FakeClock
) -> None:
    _, _, session = await signed_in(http, client)
    moved.advance(timedelta(minutes=25))
    kept = await http.get("/v1/session")
    assert kept.status_code == 200
    moved_on = datetime.fromisoformat(kept.json()["idle_expires_at"])
    assert moved_on > datetime.fromisoformat(session["idle_expires_at"])  # by use
    moved.advance(timedelta(minutes=25))  # 50 minutes in, 25 since the last use
    assert (await http.get("/v1/session")).status_code == 200
    moved.advance(timedelta(minutes=31))
    ended = await http.get("/v1/complaints")
    assert ended.status_code == 401
    assert "session has ended" in ended.json()["detail"]


async def test_a_session_ends_at_its_absolute_expiry_however_busy(
    http: httpx.AsyncClient, client: httpx.AsyncClient, moved: FakeClock
) -> None:
    _, _, session = await signed_in(http, client)
    expires = session["expires_at"]
    ends = datetime.fromisoformat(expires)
    for _ in range(12 * 60 // 25):  # used every 25 minutes for 12 hours, less a little
        moved.advance(timedelta(minutes=25))
        shown = await http.get("/v1/session")
        assert shown.status_code == 200
        assert shown.json()["expires_at"] == expires
        assert datetime.fromisoformat(shown.json()["idle_expires_at"]) <= ends
    moved.advance(timedelta(minutes=25))
    assert (await http.get("/v1/session")).status_code == 401


async def test_revoking_the_key_ends_its_sessions_on_the_next_request(
    http: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    tenant, _, session = await signed_in(http, client, roles=["nurse"])
    assert session["person"]["roles"] == ["nurse"]
    assert (await http.get("/v1/complaints")).status_code == 200
    keys = (await client.get("/v1/tenant", headers=tenant.admin)).json()["keys"]
    nurse_key = next(k["key_id"] for k in keys if k["person_id"] == "nurse.wang")
    revoked = await client.delete(f"/v1/keys/{nurse_key}", headers=tenant.admin)
    assert revoked.status_code in (200, 204), revoked.text
    assert (await http.get("/v1/complaints")).status_code == 401
    assert (await http.get("/v1/session")).status_code == 401


async def test_only_the_hash_of_the_session_secret_is_stored(
    http: httpx.AsyncClient,
    client: httpx.AsyncClient,
    owner: asyncpg.Connection,
) -> None:
    tenant, _, session = await signed_in(http, client)
    token = http.cookies[COOKIE]
    secret = token.split(".", 1)[1]
    rows = await owner.fetch("SELECT * FROM sessions WHERE tenant_id = $1", UUID(tenant.tenant_id))
    assert [r["token_sha256"] for r in rows] == [hashlib.sha256(secret.encode()).digest()]
    stored = " ".join(str(v) for r in rows for v in r.values())
    assert secret not in stored and session["csrf_token"] not in stored
