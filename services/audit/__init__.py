"""What an auditor relies on: the hash chain and its walk, the ledger export and its
format, offline verification, signed checkpoints and their keys, the record of auditors'
reads, time travel (a case at every step) and what-if runs under another policy, and the
pool that keeps their CPU-heavy parts off the event loop.

May import store, the leaves, projections and domain; no Litestar, nothing of handlers or bus.
"""

from services.audit.chain import ZERO_HASH, ChainWalk, LedgerRow
from services.audit.checkpoint_keys import Checkpoint, Signer
from services.audit.checkpoints import Checkpoints
from services.audit.export import ndjson_lines
from services.audit.heavy import Busy, HeavyWork, Lane
from services.audit.time_travel import case_rows, moments
from services.audit.trail import ReadLog
from services.audit.verify import verify_file
from services.audit.what_if import recorded_what_if

__all__ = [
    "ZERO_HASH",
    "Busy",
    "ChainWalk",
    "Checkpoint",
    "Checkpoints",
    "HeavyWork",
    "Lane",
    "LedgerRow",
    "ReadLog",
    "Signer",
    "case_rows",
    "moments",
    "ndjson_lines",
    "recorded_what_if",
    "verify_file",
]
