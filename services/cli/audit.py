"""``complaints audit``: export, verify (offline), what-if, checkpoint.

``verify`` needs neither database nor service: it reads the file, the checkpoints the auditor
kept and the service's public key. ``export`` and ``what-if`` read the database and write
nothing to it; ``checkpoint`` signs the tenants' heads now instead of at the next tick.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from domain.errors import UnknownPolicy
from domain.tenant import tenant_id_for
from services.audit.checkpoint_keys import load_public_key
from services.audit.export import ndjson_lines
from services.audit.verify import CheckpointError, read_checkpoints, verify_file
from services.audit.what_if import recorded_what_if
from services.engines import EngineUrls
from services.handlers.policies import load_policy
from services.runtime import Runtime
from services.settings import Settings
from services.store.migrate import migrate
from services.store.repository import NotFound


def add_audit_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="export, verify and re-decide a tenant's ledger")
    sub = audit.add_subparsers(required=True, dest="audit_command")

    export = sub.add_parser("export", help="write a tenant's raw ledger as NDJSON")
    export.add_argument("--tenant", required=True, help="tenant slug or id")
    export.add_argument("-o", "--output", required=True, type=Path, help="file, or - for stdout")
    export.add_argument("--after-seq", type=int, default=0)
    export.set_defaults(run=audit_export)

    verify = sub.add_parser("verify", help="check an exported ledger file, offline")
    verify.add_argument("file", type=Path)
    verify.add_argument("--checkpoints", type=Path, help="signed checkpoints kept from the API")
    verify.add_argument("--public-key", type=Path, help="the service's Ed25519 key (PEM)")
    verify.set_defaults(run=audit_verify, needs_engines=False)

    what_if = sub.add_parser("what-if", help="re-decide a case under another policy version")
    what_if.add_argument("--tenant", required=True, help="tenant slug or id")
    what_if.add_argument("--case", required=True, type=UUID)
    what_if.add_argument("--policy", required=True, help="name@version, e.g. school@2")
    what_if.set_defaults(run=audit_what_if)

    checkpoint = sub.add_parser("checkpoint", help="sign tenants' ledger heads now")
    checkpoint.add_argument("--tenant", help="tenant slug or id; all tenants when left out")
    checkpoint.set_defaults(run=audit_checkpoint)


def tenant_ref(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        return tenant_id_for(value)


def audit_verify(args: argparse.Namespace) -> int:
    try:
        checkpoints = read_checkpoints(args.checkpoints) if args.checkpoints else []
        key = load_public_key(args.public_key.read_bytes()) if args.public_key else None
        verdict = verify_file(args.file, checkpoints, key)
    except (CheckpointError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not verdict.ok:
        print(f"FAILED at seq {verdict.bad_seq}: {verdict.reason}")
        print(f"intact up to seq {verdict.head_seq} ({verdict.rows} rows read)")
        return 1
    print(
        f"OK: {verdict.rows} rows, tenant {verdict.tenant_id}, head seq {verdict.head_seq}"
        f" hash {verdict.head_hash.hex()}; {verdict.checkpoints} signed checkpoint(s) held"
    )
    return 0


async def audit_export(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await _open(settings, urls)
    rows = 0
    try:
        with _output(args.output) as out:
            async for chunk in ndjson_lines(runtime.pool, tenant_ref(args.tenant), args.after_seq):
                out.write(chunk)
                rows += chunk.count(b"\n")
    finally:
        await runtime.close()
    print(f"exported {rows} rows to {args.output}", file=sys.stderr)
    return 0


async def audit_what_if(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    try:
        policy = load_policy(args.policy)
    except UnknownPolicy as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    runtime = await _open(settings, urls)
    try:
        result = await recorded_what_if(
            runtime.repository, tenant_ref(args.tenant), args.case, policy
        )
    except NotFound as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        await runtime.close()
    print(f"case {result.case_id}: recorded under {result.recorded_policy}, re-decided under")
    print(f"{result.policy}; nothing was written.\n")
    for d in result.differences:
        print(f"seq {d.seq}  {d.action} by {d.by} at {d.at.isoformat()}")
        for line in d.recorded:
            print(f"    recorded:  {line}")
        for line in d.alternative:
            print(f"    {result.policy}:  {line}")
    for seq in result.unread:
        print(f"seq {seq}  (command not read back from its events; not re-decided)")
    print(f"\n{len(result.differences)} of {result.steps} steps decided differently.")
    return 0


async def audit_checkpoint(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await _open(settings, urls)
    try:
        if args.tenant:
            signed = await runtime.checkpoints.sign(tenant_ref(args.tenant))
            if signed is not None:
                print(json.dumps(signed.to_json()))
        else:
            print(f"signed {await runtime.checkpoints.sign_all()} tenant head(s)")
    finally:
        await runtime.close()
    return 0


async def _open(settings: Settings, urls: EngineUrls) -> Runtime:
    await migrate(urls.database_url, settings.app_db_password, settings.worker_db_password)
    return await Runtime(settings, urls.database_url, urls.nats_url).open()


@contextmanager
def _output(path: Path) -> Iterator[IO[bytes]]:
    """A file opened for bytes, or stdout for ``-``."""
    if str(path) == "-":
        yield sys.stdout.buffer
        return
    with path.open("wb") as file:
        yield file
