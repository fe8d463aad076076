"""What follows the ledger or the clock, started from a Runtime: the projection runner, the
checkpoint signer, the relay, webhook deliveries (``start_workers``) and the deadline watcher.

May import runtime and everything below it; no Litestar.
"""

from services.workers.start import in_process_workers, start_workers, stop_workers
from services.workers.watcher import DeadlineWatcher

__all__ = ["DeadlineWatcher", "in_process_workers", "start_workers", "stop_workers"]
