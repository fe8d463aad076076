"""``complaints serve --demo`` as a newcomer runs it: engines, demo tenants, a working curl, the
console's address and a staff key for each tenant that signs in to it."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx

from services.engines import free_port


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
