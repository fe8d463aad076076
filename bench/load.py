"""An open-loop command load at a fixed rate, as a process of its own on the load core.

    python -m bench.load PLAN.json OUT.json

The plan names the mode, the rate, the duration and the tenants. Commands start at their
scheduled times whatever the answers' latency (open loop, so a slow server is not offered
less work); half file a complaint, half add a note to a case this process filed earlier.

- ``http``: ``POST /v1/complaints`` and ``POST /v1/complaints/{id}/notes`` to the server;
- ``direct``: the same use cases (``Cases.file``, ``Cases.run``) in this process, each in
  one unit of work on the ledger, for a rate the HTTP intake of this machine cannot carry.

Each answer is written out with its tenant, case, seq and the monotonic time it arrived:
the clock is ``CLOCK_MONOTONIC``, the same in every process of the machine, so the measuring
process can set these times against its own observations.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

FILING = {
    "summary": "Dressing changed late on the night shift",
    "channel": "visit",
    "category": "medical_dispute",
    "complainant": {"name": "Li Wei", "contact": "138 0000 0000"},
}
MAX_CONNECTIONS = 256


class HttpConnection:
    """HTTP/1.1 keep-alive over asyncio streams: enough for our own server's answers, and
    far cheaper per request than a full client, so the load costs the load core little."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status = int((await self.reader.readline()).split()[1])
        length, chunked = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
        if not chunked:
            return status, await self.reader.readexactly(length)
        parts = []
        while size := int((await self.reader.readline()).strip(), 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        await self.reader.readline()
        return status, b"".join(parts)

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


@dataclass
class Answer:
    kind: str  # "file" or "note"
    tenant: str
    scheduled: float  # monotonic seconds
    done: float
    status: int
    case_id: str | None
    seq: int | None


class Load:
    def __init__(self, plan: dict[str, Any]) -> None:
        self.port: int = plan["port"]
        self.rate: float = plan["rate"]
        self.seconds: float = plan["seconds"]
        self.tenants: list[dict[str, str]] = plan["tenants"]  # {"id": hex, "key": ...}
        self.idle: list[HttpConnection] = []
        self.open = 0
        self.free = asyncio.Condition()
        self.cases: dict[str, list[str]] = {t["id"]: [] for t in self.tenants}
        self.answers: list[Answer] = []
        self.notes = 0
        self.busy: set[str] = set()  # cases with a command in flight
        self.direct: Direct | None = None
        if plan["mode"] == "direct":
            self.direct = Direct(plan["database_url"])

    async def connection(self) -> HttpConnection:
        async with self.free:
            while not self.idle and self.open >= MAX_CONNECTIONS:
                await self.free.wait()
            if self.idle:
                return self.idle.pop()
            self.open += 1
            return HttpConnection(self.port)

    async def release(self, conn: HttpConnection) -> None:
        async with self.free:
            self.idle.append(conn)
            self.free.notify()

    def noted(self, filed: list[str]) -> str | None:
        """The case a note goes to: the tenant's recent cases in turn, skipping those with a
        command in flight (two at once would be a version conflict); None if all are busy."""
        recent = filed[-200:]
        for _ in range(len(recent)):
            self.notes += 1
            case = recent[self.notes % len(recent)]
            if case not in self.busy:
                self.busy.add(case)
                return case
        return None

    async def command(self, n: int, scheduled: float) -> None:
        if self.direct is not None:
            await self.direct.command(self, n, scheduled)
            return
        tenant = self.tenants[n % len(self.tenants)]
        filed = self.cases[tenant["id"]]
        headers = {"Authorization": f"Bearer {tenant['key']}", "Content-Type": "application/json"}
        noted = self.noted(filed) if n % 2 and filed else None
        if noted is not None:
            kind, case_id = "note", noted
            path, body = f"/v1/complaints/{case_id}/notes", {"text": f"called back ({n})"}
        else:
            kind, path, body = "file", "/v1/complaints", FILING
            headers["Idempotency-Key"] = f"load-{time.time_ns()}-{n}"
        conn = await self.connection()
        try:
            status, raw = await conn.request("POST", path, headers, json.dumps(body).encode())
        except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
            conn.close()
            status, raw = 599, b"{}"
        done = time.monotonic()
        self.busy.discard(noted or "")
        await self.release(conn)
        answer = json.loads(raw) if status < 300 else {}
        if kind == "file" and status == 201:
            filed.append(answer["id"])
        self.answers.append(
            Answer(kind, tenant["id"], scheduled, done, status, answer.get("id"), answer.get("seq"))
        )

    async def run(self) -> list[Answer]:
        if self.direct is not None:
            await self.direct.open(self.tenants)
        start = time.monotonic() + 0.2
        total = int(self.rate * self.seconds)
        tasks = []
        for n in range(total):
            scheduled = start + n / self.rate
            delay = scheduled - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(self.command(n, scheduled)))
        await asyncio.wait(tasks, timeout=30)
        for conn in self.idle:
            conn.close()
        if self.direct is not None:
            await self.direct.close()
        return self.answers


class Direct:
    """The HTTP handlers' use cases without HTTP: load, decide, append in a unit of work."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url

    async def open(self, tenants: list[dict[str, str]]) -> None:
        import asyncpg

        from bench.fill import ROLES
        from domain import commands as c
        from domain.tenant import Tenant
        from services.clock import SystemClock
        from services.handlers.cases import Cases
        from services.store.codec import make_mapper
        from services.store.ledger import Ledger
        from services.store.repository import Repository

        self.c = c
        self.pool = await asyncpg.create_pool(self.database_url, min_size=4, max_size=16)
        self.ledger = Ledger(self.pool)
        repository = Repository(self.ledger, make_mapper())
        self.cases = Cases(repository, self.ledger, SystemClock())
        self.tenants = {
            t["id"]: await repository.load(UUID(t["id"]), UUID(t["id"]), Tenant) for t in tenants
        }
        self.actor = c.Actor("clerk", frozenset(ROLES))

    async def command(self, load: Load, n: int, scheduled: float) -> None:
        c = self.c
        tenant_id = load.tenants[n % len(load.tenants)]["id"]
        tenant, filed = self.tenants[tenant_id], load.cases[tenant_id]
        now = datetime.now(UTC)
        noted = None
        try:
            # The case is loaded before the unit of work takes its connection: loading it
            # inside (as the HTTP handler does) holds one pool connection while waiting for
            # another, and a pool's worth of such commands wait on each other for ever.
            noted = load.noted(filed) if n % 2 and filed else None
            if noted is not None:
                kind = "note"
                case = await self.cases.get(tenant.id, UUID(noted))
                async with self.ledger.unit_of_work() as uow:
                    note = c.AddNote(f"called back ({n})")
                    written = await self.cases.run(uow, tenant, case, note, self.actor, now)
            else:
                kind = "file"
                filing = c.File(received_at=now, **FILING)
                async with self.ledger.unit_of_work() as uow:
                    written = await self.cases.file(uow, tenant, filing, self.actor, now)
            status, case_id, seq = 201, str(written.id), written.seq
        except Exception as error:  # a refusal or a conflict: counted as a failed command
            kind, status, case_id, seq = f"error: {type(error).__name__}", 599, None, None
        done = time.monotonic()
        load.busy.discard(noted or "")
        if kind == "file":
            filed.append(case_id)
        load.answers.append(Answer(kind, tenant_id, scheduled, done, status, case_id, seq))

    async def close(self) -> None:
        await self.pool.close()


def main(argv: list[str]) -> int:
    plan = json.loads(Path(argv[0]).read_text())
    answers = asyncio.run(Load(plan).run())
    Path(argv[1]).write_text(json.dumps([asdict(a) for a in answers]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
