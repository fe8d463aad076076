"""``complaints audit``: export, verify (offline), what-if, checkpoint.

``verify`` needs neither database nor service: it reads the file, the checkpoints the auditor
kept and the service's public key. ``export`` and ``what-if`` read the database and write
nothing to it, and need no bus; ``checkpoint`` signs the tenants' heads now instead of at
the next tick.
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

from services.audit.checkpoint_keys import load_public_key
from services.audit.export import ndjson_lines
from services.audit.verify import CheckpointError, last_seq, read_checkpoints, verify_file
from services.audit.what_if import recorded_what_if
from services.cli.errors import FAILED, OK, OperatorError
from services.cli.progress import progress
from services.cli.session import known_tenant, open_runtime
from services.engines import EngineUrls
from services.handlers.policies import load_policy
from services.settings import Settings


def add_audit_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="export, verify and re-decide a tenant's ledger")
    sub = audit.add_subparsers(required=True, dest="audit_command")

    export = sub.add_parser("export", help="write a tenant's raw ledger as NDJSON")
    export.add_argument("--tenant", required=True, help="tenant slug or id")
    export.add_argument("-o", "--output", required=True, type=Path, help="file, or - for stdout")
    export.add_argument("--after-seq", type=int, default=0, help="only the rows after this seq")
    export.set_defaults(run=audit_export, needs_bus=False)

    verify = sub.add_parser("verify", help="check an exported ledger file, offline")
    verify.add_argument("file", type=Path)
    verify.add_argument("--checkpoints", type=Path, help="signed checkpoints kept from the API")
    verify.add_argument("--public-key", type=Path, help="the service's Ed25519 key (PEM)")
    verify.set_defaults(run=audit_verify, needs_engines=False)

    what_if = sub.add_parser("what-if", help="re-decide a case under another policy version")
    what_if.add_argument("--tenant", required=True, help="tenant slug or id")
    what_if.add_argument("--case", required=True, type=UUID)
    what_if.add_argument("--policy", required=True, help="name@version, e.g. school@2")
    what_if.set_defaults(run=audit_what_if, needs_bus=False)

    checkpoint = sub.add_parser("checkpoint", help="sign tenants' ledger heads now")
    checkpoint.add_argument("--tenant", help="tenant slug or id; all tenants when left out")
    checkpoint.set_defaults(run=audit_checkpoint, needs_bus=False)


def audit_verify(args: argparse.Namespace) -> int:
    try:
        checkpoints = read_checkpoints(args.checkpoints) if args.checkpoints else []
        key = load_public_key(args.public_key.read_bytes()) if args.public_key else None
        with progress() as shown:
            # seqs verified of the file's head; a file continuing from a checkpoint starts
            # its bar part way along
            task = shown.add_task(f"verifying {args.file}", total=last_seq(args.file))
            verdict = verify_file(
                args.file,
                checkpoints,
                key,
                on_progress=lambda seq: shown.update(task, completed=seq),
            )
    except (CheckpointError, OSError, ValueError) as error:
        raise OperatorError(str(error)) from None
    if not verdict.ok:
        print(f"FAILED at seq {verdict.bad_seq}: {verdict.reason}")
        print(f"intact up to seq {verdict.head_seq} ({verdict.rows} rows read)")
        return FAILED
    print(
        f"OK: {verdict.rows} rows, tenant {verdict.tenant_id}, head seq {verdict.head_seq}"
        f" hash {verdict.head_hash.hex()}; {verdict.checkpoints} signed checkpoint(s) held"
    )
    return OK


async def audit_export(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    runtime = await open_runtime(settings, urls)
    rows = 0
    try:
        tenant_id = await known_tenant(runtime, args.tenant)
        head = await runtime.ledger.head(tenant_id)
        total = max((head[0] if head else 0) - args.after_seq, 0)  # seqs have no gaps
        # NDJSON written to the terminal itself would run through the bar
        on_terminal = str(args.output) == "-" and sys.stdout.isatty()
        with _output(args.output) as out, progress(quiet=on_terminal) as shown:
            task = shown.add_task(f"exporting {args.tenant}", total=total)
            async for chunk in ndjson_lines(runtime.pool, tenant_id, args.after_seq):
                out.write(chunk)
                written = chunk.count(b"\n")
                rows += written
                shown.advance(task, written)
    finally:
        await runtime.close()
    print(f"exported {rows} rows to {args.output}", file=sys.stderr)
    return OK


async def audit_what_if(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    policy = load_policy(args.policy)
    runtime = await open_runtime(settings, urls)
    try:
        tenant_id = await known_tenant(runtime, args.tenant)
        with progress() as shown:
            shown.add_task(f"re-deciding case {args.case} under {args.policy}", total=None)
            result = await recorded_what_if(runtime.repository, tenant_id, args.case, policy)
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
    return OK


async def audit_checkpoint(args: argparse.Namespace, settings: Settings, urls: EngineUrls) -> int:
    # the signer follows every tenant: it reads with the workers' role
    runtime = await open_runtime(settings, urls, runs_workers=True)
    try:
        if args.tenant:
            signed = await runtime.checkpoints.sign(await known_tenant(runtime, args.tenant))
            if signed is not None:
                print(json.dumps(signed.to_json()))
        else:
            print(f"signed {await runtime.checkpoints.sign_all()} tenant head(s)")
    finally:
        await runtime.close()
    return OK


@contextmanager
def _output(path: Path) -> Iterator[IO[bytes]]:
    """A file opened for bytes, or stdout for ``-``."""
    if str(path) == "-":
        yield sys.stdout.buffer
        return
    try:
        file = path.open("wb")
    except OSError as error:
        raise OperatorError(f"cannot write {path}: {error.strerror}") from None
    with file:
        yield file
