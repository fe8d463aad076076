"""What an auditor relies on: the hash chain and its walk, the ledger export and its
format, offline verification, signed checkpoints and their keys, the record of auditors'
reads, time travel (a case at every step) and what-if runs under another policy.

May import store, the leaves, projections and domain; no Litestar, nothing of handlers or bus.
"""

from services.audit.chain import ZERO_HASH, ChainWalk, LedgerRow
from services.audit.checkpoint_keys import Checkpoint, Signer
from services.audit.checkpoints import Checkpoints
from services.audit.export import ndjson_lines
from services.audit.time_travel import moments
from services.audit.trail import ReadLog
from services.audit.verify import verify_file
from services.audit.what_if import recorded_what_if

__all__ = [
    "ZERO_HASH",
    "ChainWalk",
    "Checkpoint",
    "Checkpoints",
    "LedgerRow",
    "ReadLog",
    "Signer",
    "moments",
    "ndjson_lines",
    "recorded_what_if",
    "verify_file",
]
