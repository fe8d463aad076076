"""Crash and outage safety of ``complaints serve``, on engines of the test's own.

PostgreSQL stopped under load: the API answers 503 problems with Retry-After (never a 500),
recovers by itself when PostgreSQL is back, and once the client has retried what was not
acknowledged (same Idempotency-Key), the 201s it holds are exactly the filed cases.

The API killed with SIGKILL mid-request: after a restart every case in the ledger is whole
(a filing's events committed together or not at all) and every 201 given is there.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import asyncpg
import httpx
import pytest

from services.engines import NATS_CONFIG, EmbeddedNats, EmbeddedPostgres, free_port
from tests.e2e.served import PLATFORM_KEY, Served, serve_env
from tests.services.support import complaint_body

WORKERS = 4  # clients filing at once
OUTAGE_S = 5.0  # longer than the projection runner's sweep and the relay's retry pause
FILED = "domain.complaint:Complaint.Filed"
BODY = complaint_body(category="medical_dispute")


@dataclass
class Engines:
    pg: EmbeddedPostgres
    nats: EmbeddedNats


@pytest.fixture
def engines(tmp_path: Path) -> Iterator[Engines]:
    pg = EmbeddedPostgres(tmp_path / "pg" / "data", free_port()).start()
    try:
        bus = EmbeddedNats(tmp_path / "nats" / "data", free_port(), config=NATS_CONFIG).start()
        try:
            yield Engines(pg, bus)
        finally:
            bus.stop()
    finally:
        pg.stop()


@pytest.fixture
def server(engines: Engines, tmp_path: Path) -> Iterator[Served]:
    # limits off: four clients on one key would meet the per-key limit, not the outage
    env = serve_env(
        engines.pg.url,
        engines.nats.url,
        tmp_path / "data",
        COMPLAINTS_RATE_PER_KEY="0",
        COMPLAINTS_RATE_PER_TENANT="0",
    )
    served = Served(f"http://127.0.0.1:{env['COMPLAINTS_PORT']}", env, tmp_path / "serve.log")
    try:
        yield served.start()
    finally:
        served.stop()


@dataclass
class Filing:
    """One complaint the client wants filed, and every answer it got for it."""

    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    answers: list[int | str] = field(default_factory=list)
    case_id: str | None = None


@dataclass
class Load:
    """Clients filing complaints until told to stop; each filing is tried once here."""

    client: httpx.AsyncClient
    headers: dict[str, str]
    filings: list[Filing] = field(default_factory=list)
    unavailable: list[httpx.Response] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        await asyncio.gather(*(self._worker() for _ in range(WORKERS)))

    async def _worker(self) -> None:
        while not self.stop.is_set():
            filing = Filing()
            self.filings.append(filing)
            await self.attempt(filing)

    async def attempt(self, filing: Filing) -> None:
        headers = {**self.headers, "Idempotency-Key": filing.key}
        try:
            answer = await self.client.post("/v1/complaints", headers=headers, json=BODY)
        except httpx.HTTPError as error:  # the server died with the request in flight
            filing.answers.append(type(error).__name__)
            await asyncio.sleep(0.05)
            return
        filing.answers.append(answer.status_code)
        if answer.status_code == 201:
            filing.case_id = answer.json()["id"]
        elif answer.status_code == 503:
            self.unavailable.append(answer)
            await asyncio.sleep(0.05)

    def acknowledged(self) -> set[str]:
        return {f.case_id for f in self.filings if f.case_id}

    def since(self, mark: int) -> Counter[int | str]:
        return Counter(a for f in self.filings[mark:] for a in f.answers)


@pytest.fixture
async def http(server: Served) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server.base_url, timeout=10) as client:
        yield client


async def tenant_admin(http: httpx.AsyncClient) -> tuple[UUID, dict[str, str]]:
    created = await http.post(
        "/v1/tenants",
        headers={"Authorization": f"Bearer {PLATFORM_KEY}"},
        json={
            "slug": f"outage-{uuid.uuid4().hex[:8]}",
            "name": "Outage Hospital",
            "policy": "hospital@1",
            "admin": {"person_id": "admin", "name": "Admin"},
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    return UUID(body["tenant_id"]), {"Authorization": f"Bearer {body['key']}"}


async def until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout}s: {what}")


async def settle(load: Load, timeout: float = 30) -> None:
    """The client's side of the bargain: retry every unacknowledged filing with its own
    Idempotency-Key until it has an answer, as a client does after a 503 or a lost reply."""
    deadline = time.monotonic() + timeout
    for filing in load.filings:
        while filing.case_id is None:
            assert time.monotonic() < deadline, f"never acknowledged: {filing}"
            await load.attempt(filing)
        assert 500 not in filing.answers, filing


async def ledger_cases(database_url: str, tenant_id: UUID) -> dict[str, list[str]]:
    """Each case of the tenant and its event topics in version order, read as the owner."""
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT originator_id, topic FROM events WHERE tenant_id = $1"
            " AND originator_id <> $1 AND topic LIKE 'domain.complaint:%'"
            " ORDER BY originator_id, originator_version",
            tenant_id,
        )
        assert (await conn.fetchrow("SELECT * FROM ledger_verify($1)", tenant_id))["ok"]
    finally:
        await conn.close()
    cases: dict[str, list[str]] = {}
    for row in rows:
        cases.setdefault(str(row["originator_id"]), []).append(row["topic"])
    return cases


async def listed(http: httpx.AsyncClient, headers: dict[str, str]) -> set[str]:
    found: set[str] = set()
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/v1/complaints", headers=headers, params=params)).json()
        found |= {item["case_id"] for item in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return found


async def test_postgres_restarted_under_load_gives_503s_then_recovers_and_loses_nothing(
    engines: Engines, server: Served, http: httpx.AsyncClient
) -> None:
    tenant_id, admin = await tenant_admin(http)
    load = Load(http, admin)
    running = asyncio.create_task(load.run())
    try:
        await until(lambda: _acknowledged(load, 20), 20, "20 complaints filed before the outage")

        engines.pg.stop()  # fast shutdown: sessions cut mid-transaction
        outage_mark = len(load.filings)
        stopped = time.monotonic()
        await until(lambda: _true(len(load.unavailable) >= 10), 20, "503s during the outage")
        await asyncio.sleep(OUTAGE_S - (time.monotonic() - stopped))  # past a projection sweep
        ready = await http.get("/ready")
        assert ready.status_code == 503 and ready.headers["retry-after"]
        during = load.since(outage_mark)

        engines.pg.start()  # same port, same data directory
        restart_mark = len(load.filings)
        await until(
            lambda: _true(load.since(restart_mark)[201] >= 20), 60, "201s again on their own"
        )
    finally:
        load.stop.set()
        await asyncio.wait_for(running, 30)

    assert 500 not in during and during[503] > 0, during
    for answer in load.unavailable:
        assert answer.headers["retry-after"] and answer.json()["status"] == 503
        assert answer.headers["content-type"].startswith("application/problem+json")
    await settle(load)
    cases = await ledger_cases(engines.pg.url, tenant_id)
    filed = {case for case, topics in cases.items() if topics[0] == FILED}
    assert load.acknowledged() == filed == set(cases)
    assert len(load.acknowledged()) == len(load.filings)
    await until(lambda: _equal(listed(http, admin), filed), 30, "the case list caught up by itself")
    print(f"\n{len(filed)} filed; answers during the outage: {dict(during)}")


async def test_the_api_killed_mid_request_leaves_no_partial_case(
    engines: Engines, server: Served, http: httpx.AsyncClient
) -> None:
    tenant_id, admin = await tenant_admin(http)
    first = await http.post("/v1/complaints", headers=admin, json=BODY)
    assert first.status_code == 201, first.text
    whole = (await ledger_cases(engines.pg.url, tenant_id))[first.json()["id"]]
    assert len(whole) == first.json()["version"] > 1  # a filing is several events

    load = Load(http, admin)
    running = asyncio.create_task(load.run())
    try:
        await until(lambda: _acknowledged(load, 30), 20, "complaints filed before the kill")
        assert server.process is not None
        server.process.kill()  # SIGKILL, requests in flight
        server.process.wait(timeout=10)
        await asyncio.sleep(0.5)
    finally:
        load.stop.set()
        await asyncio.wait_for(running, 30)
    cut = Counter(a for f in load.filings for a in f.answers if isinstance(a, str))
    assert cut - Counter({"ConnectError": cut["ConnectError"]}), "none was cut mid-request"

    cases = await ledger_cases(engines.pg.url, tenant_id)
    assert all(topics == whole for topics in cases.values()), "a partial case"
    assert load.acknowledged() <= set(cases)

    server.start()  # the same service again, on the same database
    await settle(load)
    cases = await ledger_cases(engines.pg.url, tenant_id)
    assert all(topics == whole for topics in cases.values())
    assert load.acknowledged() | {first.json()["id"]} == set(cases)
    await until(
        lambda: _equal(listed(http, admin), set(cases)), 30, "the case list after the restart"
    )
    print(f"\n{len(cases)} whole cases; cut off mid-request: {dict(cut)}")


async def _true(value: bool) -> bool:
    return value


async def _acknowledged(load: Load, at_least: int) -> bool:
    return len(load.acknowledged()) >= at_least


async def _equal(found, wanted: set[str]) -> bool:
    return await found == wanted
