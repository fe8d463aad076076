"""``complaints serve --demo`` as a newcomer runs it: engines, demo tenants, a working curl, the
console's address and a staff key for each tenant that signs in to it; and ``serve`` told to
stop with a request in flight, which it finishes before it goes."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from services.engines import EngineUrls, free_port
from tests.e2e.served import PLATFORM_KEY, fresh_database, served


def test_serve_demo_prints_keys_the_console_and_a_curl_line_that_files_a_complaint(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "NATS_URL")}
    env.update(
        COMPLAINTS_PORT=str(port),
        COMPLAINTS_DATA_DIR=str(tmp_path / "var"),
        COMPLAINTS_EMBEDDED_PG_PORT=str(free_port()),
        COMPLAINTS_EMBEDDED_NATS_PORT=str(free_port()),
    )
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--demo"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=Path(__file__).parents[2],
        )
    try:
        curl = wait_for_curl_line(log, server, timeout=60)
        assert httpx.get(f"http://127.0.0.1:{port}/health").json() == {"status": "ok"}
        assert httpx.get(f"http://127.0.0.1:{port}/ready").status_code == 200
        printed = log.read_text()
        for slug in ("demo-hospital", "demo-bank", "demo-school"):
            assert slug in printed
        console = f"http://127.0.0.1:{port}/console/"
        assert f"Staff console on {console}" in printed
        assert f"or handle one in the browser: open {console}" in printed  # beside the curl
        assert httpx.get(console).status_code == 200
        staff = re.findall(r"staff key: (\S+)  \((\S+): ([^)]*)\)", printed)
        assert [person for _, person, _ in staff] == ["head.zhao", "lobby.li", "reception.zhou"]
        for key, person, roles in staff:  # each signs in to the console as the person named
            session = httpx.post(f"http://127.0.0.1:{port}/v1/session", json={"key": key})
            assert session.status_code == 201, session.text
            assert session.json()["person"]["id"] == person
            assert sorted(session.json()["person"]["roles"]) == sorted(roles.split(", "))
        filed = subprocess.run(
            [*shlex.split(curl), "-w", "\n%{http_code}"], capture_output=True, text=True, timeout=30
        )
        assert filed.stdout.strip().splitlines()[-1] == "201", filed.stdout
        with open_stream(port, admin_key(curl)):
            # SIGTERM with an event stream open: serve stops within 5 s, not when it ends
            asked = time.monotonic()
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
            took = time.monotonic() - asked
        assert took < 5, f"serve took {took:.1f}s to stop"
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=30)
    # engines stop with the service: nothing listens any more
    assert not re.search(r"\bpostgres\b.*" + re.escape(str(tmp_path)), ps())


async def test_sigterm_lets_a_request_in_flight_finish_and_refuses_new_connections(
    engine_urls: EngineUrls, tmp_path: Path
) -> None:
    async with fresh_database(engine_urls.database_url, "drain") as database_url:
        with served(database_url, engine_urls.nats_url, tmp_path) as server:
            assert server.process is not None
            port = int(server.env["COMPLAINTS_PORT"])
            body = json.dumps(
                {
                    "slug": "drained-hospital",
                    "name": "Drained Hospital",
                    "policy": "hospital@1",
                    "admin": {"person_id": "admin", "name": "Admin"},
                }
            ).encode()
            with socket.create_connection(("127.0.0.1", port), timeout=10) as held:
                # a client slow with its body: "100 Continue" says the request is with the
                # app, which waits for the body, when SIGTERM comes
                held.sendall(
                    b"POST /v1/tenants HTTP/1.1\r\n"
                    + f"Host: 127.0.0.1:{port}\r\n".encode()
                    + f"Authorization: Bearer {PLATFORM_KEY}\r\n".encode()
                    + b"Content-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\n".encode()
                    + b"Expect: 100-continue\r\n\r\n"
                )
                assert read_until(held, b"\r\n\r\n").startswith(b"HTTP/1.1 100 ")
                server.process.send_signal(signal.SIGTERM)
                wait_for_refusal(port, timeout=1)
                held.sendall(body)
                head, answer = http_answer(held)
                assert held.recv(1) == b""  # and the last on its connection
            assert head.startswith(b"HTTP/1.1 201 "), head
            created = json.loads(answer)  # whole: as long as its Content-Length says
            assert created["tenant_id"] and created["key"]
            # stopped, not killed: uvicorn raises the signal it caught again once done
            assert server.process.wait(timeout=10) in (0, -signal.SIGTERM)
        log = server.log.read_text()
        assert "timeout graceful shutdown exceeded" not in log, log[-4000:]


def read_until(conn: socket.socket, end: bytes) -> bytes:
    got = b""
    while end not in got:
        part = conn.recv(4096)
        assert part, f"the server closed the connection after {got!r}"
        got += part
    return got


def wait_for_refusal(port: int, timeout: float) -> None:
    """Until a new connection to ``port`` is refused: the server stopped listening."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        time.sleep(0.02)
    raise AssertionError(f"port {port} still takes connections {timeout}s after SIGTERM")


def http_answer(conn: socket.socket) -> tuple[bytes, bytes]:
    """The response's head, and its body read to the length the head gives."""
    got = read_until(conn, b"\r\n\r\n")
    head, body = got.split(b"\r\n\r\n", 1)
    length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
    while len(body) < length:
        part = conn.recv(65536)
        assert part, f"cut after {len(body)} of {length} bytes"
        body += part
    return head, body


def admin_key(curl: str) -> str:
    return re.search(r"Bearer (\S+?)'", curl).group(1)


@contextmanager
def open_stream(port: int, admin: str) -> Iterator[None]:
    """An event stream held open by campus reception (the school's role at the desk)."""
    base, auth = f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {admin}"}
    person = {"person_id": "reception.he", "name": "He", "roles": ["campus_reception"]}
    assert httpx.post(f"{base}/v1/people", headers=auth, json=person).status_code == 201
    key = httpx.post(f"{base}/v1/keys", headers=auth, json={"person_id": "reception.he"}).json()
    reception = {"Authorization": f"Bearer {key['key']}"}
    with (
        httpx.Client(base_url=base, timeout=30) as client,
        client.stream("GET", "/v1/stream", headers=reception) as stream,
    ):
        assert stream.status_code == 200
        next(stream.iter_lines())  # subscribed
        with suppress(httpx.HTTPError):  # the server cuts it as it stops
            yield


def wait_for_curl_line(log: Path, server: subprocess.Popen, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        for line in log.read_text().splitlines():
            if line.strip().startswith("curl "):
                return line.strip()
        time.sleep(0.2)
    raise AssertionError(f"no curl line within {timeout}s:\n{log.read_text()}")


def ps() -> str:
    return subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
