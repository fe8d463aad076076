"""The write side on asyncpg and eventsourcing: the ledger (append, read, verify), the
repository of aggregates, the codec between domain events and stored bytes, sealed personal
fields and their data keys, snapshots of long aggregates, idempotent answers, schema
migrations.

May import projections (the envelope the views read), domain and the leaves (settings, clock,
logs, metrics, tracing, standard_webhooks: the ledger keeps each append's trace); no
Litestar, no NATS, nothing else of services (nor engines, which the layers contract would
allow but the store has no use for).
"""

from services.store.codec import TenantMapper, envelope_decoder, make_mapper
from services.store.data_keys import FileKeyProvider, KeyProvider
from services.store.idempotency import Answer, IdempotencyMismatch, IdempotentRequest
from services.store.ledger import Conflict, Ledger, RecordedEvent, UnitOfWork
from services.store.migrate import migrate
from services.store.repository import NotFound, Repository
from services.store.snapshots import Snapshots

__all__ = [
    "Answer",
    "Conflict",
    "FileKeyProvider",
    "IdempotencyMismatch",
    "IdempotentRequest",
    "KeyProvider",
    "Ledger",
    "NotFound",
    "RecordedEvent",
    "Repository",
    "Snapshots",
    "TenantMapper",
    "UnitOfWork",
    "envelope_decoder",
    "make_mapper",
    "migrate",
]
