"""Settings from the environment; one immutable object handed to the composition root."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

APP_ROLE = "complaints_app"  # the API's database role (migration 002): one tenant at a time
WORKER_ROLE = "complaints_worker"  # the workers' (migration 041): they follow every tenant
# Works for ``serve --demo`` (``make run``) only: a plain ``serve`` refuses it.
DEV_PLATFORM_KEY = "platform-admin-dev-key"
MIN_PLATFORM_KEY = 32  # characters: guessing it must be as hard as guessing a tenant key
SECURE_CHOICES = ("auto", "true", "false")


@dataclass(frozen=True)
class Settings:
    database_url: str | None = None  # owner connection; unset -> embedded PostgreSQL
    nats_url: str | None = None  # unset -> embedded nats-server
    # This process's NATS login (deploy/nats/users.inc: relay where the relay runs, reader
    # elsewhere); unset -> the embedded bus's password from the data dir, or none at all.
    nats_user: str | None = None
    nats_password: str | None = field(default=None, repr=False)
    app_db_password: str | None = None
    worker_db_password: str | None = field(default=None, repr=False)
    platform_admin_key: str = DEV_PLATFORM_KEY
    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = field(default_factory=lambda: Path("var"))
    embedded_pg_port: int = 54329
    embedded_nats_port: int = 42229
    max_body_bytes: int = 256 * 1024
    pool_size: int = 10
    checkpoint_key_file: Path | None = None  # unset -> <data_dir>/checkpoint_ed25519.pem
    checkpoint_interval_seconds: float = 60.0
    key_dir: Path | None = None  # tenants' data keys; unset -> <data_dir>/keys
    # HMAC key the relay signs bus messages with and readers check; unset ->
    # <data_dir>/bus_signing.key, made on first use (services/bus/signing.py)
    bus_key_file: Path | None = None
    # The relay, deadline watcher and webhook deliveries inside the API process; off when
    # ``complaints worker`` processes run them instead.
    workers_in_process: bool = True
    watch_deadlines: bool = True  # off: no missed deadline is recorded by this process
    # The feedback sender (services/workers/feedback.py) among this process's workers
    # (COMPLAINTS_SEND_FEEDBACK, default on)
    send_feedback: bool = True
    watcher_shards: int = 1  # tenants split between active watchers (advisory lock each)
    stream_replicas: int = 1  # 3 on a JetStream cluster
    # Token buckets per API key and per tenant, in each API process (0: no limit)
    rate_per_key: float = 50.0
    burst_per_key: int = 100
    rate_per_tenant: float = 200.0
    burst_per_tenant: int = 400
    # A long case loads from a snapshot: a load that applied this many events past the last
    # one (or from the start) leaves a new one (0: no snapshots).
    snapshot_every: int = 100
    # CPU-heavy reads (replay, exports, the chain check): "process" (a pool of
    # heavy_workers processes), "thread" or "inline" (on the loop, in parts); at most
    # heavy_slots at once per API process (export_slots for exports), then 503 Retry-After.
    heavy_work: str = "process"
    heavy_workers: int = 1
    heavy_slots: int = 4
    export_slots: int = 2
    # Networks webhooks may reach although they are not public ("10.1.2.0/24", "127.0.0.1");
    # none: public addresses only (services/bus/destinations.py)
    webhook_allowed_networks: tuple[str, ...] = ()
    # Open event streams (GET /v1/stream) per API key and per tenant, in each API process
    # (0: no cap); past either, a 429 with Retry-After
    sse_streams_per_key: int = 4
    # Who may scrape /metrics: with a key, whoever sends it as a Bearer token; without
    # one, only clients on this host (loopback).
    metrics_key: str | None = field(default=None, repr=False)
    # ``complaints worker`` serves its workers' metrics on this port (on ``host``, guarded as
    # /metrics is); unset: not served. ``serve`` shows them in its /metrics.
    worker_metrics_port: int | None = None
    sse_streams_per_tenant: int = 64
    # Browser access (services/api/sessions.py). Origins other than the API's own whose pages
    # may call it with the session cookie (CORS with credentials); none: same-origin only.
    cors_origins: tuple[str, ...] = ()
    # A session ends after this long unused, and in any case this long after sign-in.
    session_idle_minutes: float = 30.0
    session_max_hours: float = 12.0
    # The cookie's Secure flag: "auto" when the request came over https (a proxy's
    # X-Forwarded-Proto counts where uvicorn trusts the proxy, FORWARDED_ALLOW_IPS), "true"
    # always, "false" never.
    session_secure: str = "auto"
    # Where spans go, as an OTLP/HTTP URL (http://collector:4318/v1/traces); unset: no
    # tracing at all (services/tracing.py)
    tracing_endpoint: str | None = None
    # Where mail to complainants goes (services/feedback/mail.py): an SMTP server; unset host:
    # no mail is sent (deliveries wait, recorded as retrying, until one is configured)
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "complaints@localhost"
    # Where the complainant's pages are, for the links mail carries (https://complaints.example)
    public_base_url: str = "http://127.0.0.1:8000"
    # Complaints filed without a key (services/api/public/intake.py), in each API process: at
    # most this many from one client address in so many minutes, and for one tenant (0: no
    # limit); past either, a 429 with Retry-After
    public_filings_per_address: int = 5
    public_address_minutes: float = 10.0
    public_filings_per_tenant: int = 100
    public_tenant_minutes: float = 60.0

    def platform_key_problem(self) -> str | None:
        """Why this platform key must not guard a real service, or None when it may."""
        if self.platform_admin_key == DEV_PLATFORM_KEY:
            return (
                "COMPLAINTS_PLATFORM_ADMIN_KEY is not set (or is the development key, which "
                "anyone can read in the README): set it to a secret of at least "
                f"{MIN_PLATFORM_KEY} characters, or run 'complaints serve --demo' on a laptop"
            )
        if len(self.platform_admin_key) < MIN_PLATFORM_KEY:
            return f"COMPLAINTS_PLATFORM_ADMIN_KEY is shorter than {MIN_PLATFORM_KEY} characters"
        return None

    @property
    def checkpoint_key_path(self) -> Path:
        return self.checkpoint_key_file or self.data_dir / "checkpoint_ed25519.pem"

    @property
    def key_path(self) -> Path:
        return self.key_dir or self.data_dir / "keys"

    @property
    def bus_key_path(self) -> Path:
        return self.bus_key_file or self.data_dir / "bus_signing.key"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        base = cls()
        return replace(
            base,
            database_url=env.get("DATABASE_URL") or None,
            nats_url=env.get("NATS_URL") or None,
            nats_user=env.get("COMPLAINTS_NATS_USER") or None,
            nats_password=env.get("COMPLAINTS_NATS_PASSWORD") or None,
            app_db_password=env.get("COMPLAINTS_APP_DB_PASSWORD") or None,
            worker_db_password=env.get("COMPLAINTS_WORKER_DB_PASSWORD") or None,
            platform_admin_key=env.get("COMPLAINTS_PLATFORM_ADMIN_KEY", base.platform_admin_key),
            host=env.get("COMPLAINTS_HOST", base.host),
            port=int(env.get("COMPLAINTS_PORT", base.port)),
            data_dir=Path(env.get("COMPLAINTS_DATA_DIR", str(base.data_dir))),
            embedded_pg_port=int(env.get("COMPLAINTS_EMBEDDED_PG_PORT", base.embedded_pg_port)),
            embedded_nats_port=int(
                env.get("COMPLAINTS_EMBEDDED_NATS_PORT", base.embedded_nats_port)
            ),
            checkpoint_key_file=(
                Path(env["COMPLAINTS_CHECKPOINT_KEY_FILE"])
                if env.get("COMPLAINTS_CHECKPOINT_KEY_FILE")
                else None
            ),
            checkpoint_interval_seconds=float(
                env.get("COMPLAINTS_CHECKPOINT_INTERVAL", base.checkpoint_interval_seconds)
            ),
            key_dir=Path(env["COMPLAINTS_KEY_DIR"]) if env.get("COMPLAINTS_KEY_DIR") else None,
            bus_key_file=(
                Path(env["COMPLAINTS_BUS_KEY_FILE"]) if env.get("COMPLAINTS_BUS_KEY_FILE") else None
            ),
            workers_in_process=_flag(env, "COMPLAINTS_WORKERS_IN_PROCESS", True),
            watch_deadlines=_flag(env, "COMPLAINTS_WATCH_DEADLINES", True),
            send_feedback=_flag(env, "COMPLAINTS_SEND_FEEDBACK", True),
            watcher_shards=int(env.get("COMPLAINTS_WATCHER_SHARDS", base.watcher_shards)),
            stream_replicas=int(env.get("COMPLAINTS_STREAM_REPLICAS", base.stream_replicas)),
            rate_per_key=float(env.get("COMPLAINTS_RATE_PER_KEY", base.rate_per_key)),
            burst_per_key=int(env.get("COMPLAINTS_BURST_PER_KEY", base.burst_per_key)),
            rate_per_tenant=float(env.get("COMPLAINTS_RATE_PER_TENANT", base.rate_per_tenant)),
            burst_per_tenant=int(env.get("COMPLAINTS_BURST_PER_TENANT", base.burst_per_tenant)),
            snapshot_every=int(env.get("COMPLAINTS_SNAPSHOT_EVERY", base.snapshot_every)),
            heavy_work=env.get("COMPLAINTS_HEAVY_WORK", base.heavy_work),
            heavy_workers=int(env.get("COMPLAINTS_HEAVY_WORKERS", base.heavy_workers)),
            heavy_slots=int(env.get("COMPLAINTS_HEAVY_SLOTS", base.heavy_slots)),
            export_slots=int(env.get("COMPLAINTS_EXPORT_SLOTS", base.export_slots)),
            webhook_allowed_networks=_networks(env, "COMPLAINTS_WEBHOOK_ALLOWED_NETWORKS"),
            smtp_host=env.get("COMPLAINTS_SMTP_HOST") or None,
            smtp_port=int(env.get("COMPLAINTS_SMTP_PORT", base.smtp_port)),
            smtp_from=env.get("COMPLAINTS_SMTP_FROM", base.smtp_from),
            public_base_url=env.get("COMPLAINTS_PUBLIC_BASE_URL", base.public_base_url).rstrip("/"),
            public_filings_per_address=int(
                env.get("COMPLAINTS_PUBLIC_RATE_PER_ADDRESS", base.public_filings_per_address)
            ),
            public_address_minutes=_positive(
                env, "COMPLAINTS_PUBLIC_ADDRESS_MINUTES", base.public_address_minutes
            ),
            public_filings_per_tenant=int(
                env.get("COMPLAINTS_PUBLIC_RATE_PER_TENANT", base.public_filings_per_tenant)
            ),
            public_tenant_minutes=_positive(
                env, "COMPLAINTS_PUBLIC_TENANT_MINUTES", base.public_tenant_minutes
            ),
            metrics_key=env.get("COMPLAINTS_METRICS_KEY") or None,
            worker_metrics_port=(
                int(env["COMPLAINTS_WORKER_METRICS_PORT"])
                if env.get("COMPLAINTS_WORKER_METRICS_PORT")
                else None
            ),
            sse_streams_per_key=int(
                env.get("COMPLAINTS_SSE_STREAMS_PER_KEY", base.sse_streams_per_key)
            ),
            sse_streams_per_tenant=int(
                env.get("COMPLAINTS_SSE_STREAMS_PER_TENANT", base.sse_streams_per_tenant)
            ),
            cors_origins=_origins(env, "COMPLAINTS_CORS_ORIGINS"),
            session_idle_minutes=_positive(
                env, "COMPLAINTS_SESSION_IDLE_MINUTES", base.session_idle_minutes
            ),
            session_max_hours=_positive(
                env, "COMPLAINTS_SESSION_MAX_HOURS", base.session_max_hours
            ),
            session_secure=_choice(
                env, "COMPLAINTS_SESSION_SECURE", base.session_secure, SECURE_CHOICES
            ),
            tracing_endpoint=env.get("COMPLAINTS_TRACING_ENDPOINT") or None,
        )


def _flag(env: dict[str, str], name: str, default: bool) -> bool:
    value = env.get(name)
    return default if value is None else value.strip().lower() not in ("0", "false", "no", "off")


def _networks(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated networks, each checked now: a typo stops the process at its start
    rather than failing each webhook later."""
    entries = tuple(entry.strip() for entry in env.get(name, "").split(",") if entry.strip())
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValueError(
                f"{name}: {entry!r} is not a network (10.1.2.0/24) nor an address"
            ) from None
    return entries


def _origins(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated origins, each exactly ``scheme://host[:port]`` as a browser sends it in
    ``Origin``. No wildcard: with credentials allowed, "*" would let every site read the
    answers a signed-in browser gets."""
    origins = []
    for entry in (part.strip() for part in env.get(name, "").split(",")):
        if not entry:
            continue
        parts = urlsplit(entry.lower())
        plain = f"{parts.scheme}://{parts.netloc}"
        if "*" in entry or parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{name}: {entry!r} is not an origin such as https://desk.example.org")
        if entry.lower().rstrip("/") != plain:
            raise ValueError(f"{name}: {entry!r} has a path; an origin is scheme://host[:port]")
        origins.append(plain)
    return tuple(origins)


def _positive(env: dict[str, str], name: str, default: float) -> float:
    value = float(env.get(name, default))
    if value <= 0:
        raise ValueError(f"{name}: must be more than 0, not {value}")
    return value


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env.get(name, default).strip().lower()
    if value not in choices:
        raise ValueError(f"{name}: one of {', '.join(choices)}, not {value!r}")
    return value
