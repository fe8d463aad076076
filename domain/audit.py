"""The audit trail: who, holding an auditor's key, looked at what, and when.

Auditors read everything of a tenant and change nothing; each of their reads is itself an
event in the tenant's ledger, so the record of who looked is as tamper-evident as what they saw.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

AUDITOR_ROLE = "auditor"


def audit_trail_id(tenant_id: UUID) -> UUID:
    """One trail per tenant, found without a lookup."""
    return uuid5(tenant_id, "audit-trail")


class AuditTrail(Aggregate):
    @event("Started")
    def __init__(self, *, tenant_id: UUID, at: datetime) -> None:
        self.tenant_id = tenant_id
        self.reads = 0

    @classmethod
    def start(cls, tenant_id: UUID, at: datetime) -> AuditTrail:
        return cls._create(cls.Started, id=audit_trail_id(tenant_id), tenant_id=tenant_id, at=at)

    @event("ReadRecorded")
    def record_read(self, *, by: str, key_id: str | None, what: str, at: datetime) -> None:
        # Only a count: the reads themselves are the events, and the trail must stay small
        # in memory however long it grows.
        self.reads += 1
