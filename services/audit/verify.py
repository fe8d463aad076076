"""The offline verifier: an exported ledger file, checked with no database and no service.

It recomputes every row's hash from its content (services/chain.py), follows the chain in seq
order and names the first seq that does not hold: an altered row (hash mismatch), a deleted
row (seq gap), a reordered row (prev_hash that does not link, or a seq that turns up later
in the file) and a truncated tail (the file ends before a signed checkpoint's seq, or differs
from it at that seq). Memory stays constant whatever the file's size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.chain import ZERO_HASH, ChainWalk
from services.audit.checkpoint_keys import Checkpoint, signature_holds
from services.audit.format import NotALedgerRow, decode_line
from services.clock import rfc3339

Locate = Callable[[int], int | None]
# Told the seq reached every this many rows and once at the end, for a progress display:
# often enough to move a bar, rare enough to cost nothing beside the hashing.
PROGRESS_EVERY = 1000
# How much of the file's tail is read back at a time to find its last row
TAIL_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rows: int
    head_seq: int
    head_hash: bytes
    tenant_id: UUID | None = None
    checkpoints: int = 0  # how many signed checkpoints the file was held against
    bad_seq: int | None = None
    reason: str | None = None


class CheckpointError(ValueError):
    """A checkpoint file that cannot be trusted: unreadable, or a signature that fails."""


def read_checkpoints(path: Path) -> list[Checkpoint]:
    """A JSON object, a JSON array, or one object a line (as ``/v1/audit/checkpoints``)."""
    text = path.read_text()
    try:
        data = json.loads(text)
        items = data if isinstance(data, list) else [data]
    except json.JSONDecodeError:
        items = [json.loads(line) for line in text.splitlines() if line.strip()]
    try:
        return [Checkpoint.from_json(item) for item in items]
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointError(f"{path}: not a checkpoint ({error})") from None


def verify_file(
    path: Path,
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verdict:
    with path.open("rb") as lines:
        return verify_lines(
            lines,
            checkpoints,
            public_key,
            locate=lambda seq: _line_of(path, seq),
            on_progress=on_progress,
        )


def last_seq(path: Path) -> int | None:
    """The seq the file's last row claims, read from its tail: what a verify is heading for
    (None when that row does not decode, the verify itself saying why, or from a pipe)."""
    with path.open("rb") as file:
        if not file.seekable():
            return None
        end = file.seek(0, 2)
        tail = b""
        while end > 0:
            start = max(end - TAIL_CHUNK, 0)
            file.seek(start)
            tail = file.read(end - start) + tail
            end = start
            lines = tail.strip().rsplit(b"\n", 1)
            if len(lines) == 2 or start == 0:  # the last line whole
                try:
                    return decode_line(lines[-1]).seq if lines[-1] else None
                except NotALedgerRow:
                    return None
    return None


def verify_lines(
    lines: Iterable[bytes | str],
    checkpoints: Sequence[Checkpoint] = (),
    public_key: Ed25519PublicKey | None = None,
    locate: Locate | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Verdict:
    """The verdict on ``lines``; ``on_progress`` is told the seq verified up to every
    ``PROGRESS_EVERY`` rows and once when the file is read to its end."""
    _check_signatures(checkpoints, public_key)
    walk: ChainWalk | None = None
    tenant_id: UUID | None = None
    vouched: dict[int, Checkpoint] = {}
    rows = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        at = walk.seq + 1 if walk else 1
        try:
            row = decode_line(line)
        except NotALedgerRow as error:
            return _bad(walk, tenant_id, rows, at, f"line {number} is not a ledger row: {error}")
        if walk is None:
            tenant_id = row.tenant_id
            vouched = {c.seq: c for c in checkpoints if c.tenant_id == tenant_id}
            walk = _anchor(row.seq, vouched)
        if row.tenant_id != tenant_id:
            return _bad(walk, tenant_id, rows, row.seq, f"line {number} is another tenant's row")
        reason = walk.step(row)
        if reason is not None:
            bad = min(row.seq, walk.seq + 1)
            return _bad(walk, tenant_id, rows, bad, _moved(reason, bad, number, locate))
        rows += 1
        signed = vouched.get(row.seq)
        if signed is not None and signed.hash != row.hash:
            return _bad(walk, tenant_id, rows, row.seq, _differs(signed))
        if on_progress is not None and rows % PROGRESS_EVERY == 0:
            on_progress(walk.seq)
    if on_progress is not None and walk is not None:
        on_progress(walk.seq)
    if walk is None:  # an empty file: every checkpoint given vouches for rows it lacks
        return _tail(ChainWalk(), None, 0, {c.seq: c for c in checkpoints})
    return _tail(walk, tenant_id, rows, vouched)


def _check_signatures(checkpoints: Sequence[Checkpoint], key: Ed25519PublicKey | None) -> None:
    if checkpoints and key is None:
        raise CheckpointError("checkpoints need the service's public key to be trusted")
    for checkpoint in checkpoints:
        assert key is not None
        if not signature_holds(checkpoint, key):
            raise CheckpointError(
                f"the checkpoint for seq {checkpoint.seq} of tenant {checkpoint.tenant_id}"
                " is not signed by the given key"
            )


def _anchor(first_seq: int, vouched: dict[int, Checkpoint]) -> ChainWalk:
    """A file may continue a chain from a checkpoint instead of starting at seq 1."""
    start = vouched.get(first_seq - 1)
    return ChainWalk(start.seq, start.hash) if start else ChainWalk(0, ZERO_HASH)


def _moved(reason: str, seq: int, number: int, locate: Locate | None) -> str:
    """A gap whose seq turns up further down the file is a reordering, not a deletion."""
    if not reason.startswith("row missing") or locate is None:
        return reason
    found = locate(seq)
    if found is None or found <= number:
        return reason
    return f"reordered: seq {seq} is at line {found}, after the rows that follow it"


def _tail(
    walk: ChainWalk, tenant_id: UUID | None, rows: int, vouched: dict[int, Checkpoint]
) -> Verdict:
    beyond = [c for c in vouched.values() if c.seq > walk.seq]
    if beyond:
        last = max(beyond, key=lambda c: c.seq)
        return _bad(
            walk,
            tenant_id,
            rows,
            walk.seq + 1,
            f"tail missing: the file ends at seq {walk.seq}, but a checkpoint signed"
            f" {rfc3339(last.signed_at)} vouches for seq {last.seq}",
        )
    return Verdict(True, rows, walk.seq, walk.hash, tenant_id, len(vouched))


def _bad(
    walk: ChainWalk | None, tenant_id: UUID | None, rows: int, seq: int, reason: str
) -> Verdict:
    head = walk or ChainWalk()
    return Verdict(False, rows, head.seq, head.hash, tenant_id, bad_seq=seq, reason=reason)


def _differs(signed: Checkpoint) -> str:
    return (
        f"hash differs from the checkpoint signed {rfc3339(signed.signed_at)}:"
        " the ledger was rewritten up to here"
    )


def _line_of(path: Path, seq: int) -> int | None:
    """The line holding ``seq``, read again from disk, so memory stays constant."""
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                if decode_line(line).seq == seq:
                    return number
            except NotALedgerRow:
                continue
    return None
