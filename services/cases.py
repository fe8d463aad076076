"""Use cases on complaints: load, decide (through the tenant's policy), save."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from domain import commands as c
from domain.complaint import Complaint
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from services.ledger import UnitOfWork
from services.policies import load_policy
from services.repository import NotFound, Repository


@dataclass(frozen=True)
class Written:
    id: UUID
    version: int
    seq: int


class Cases:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    async def get(self, tenant_id: UUID, case_id: UUID, as_of: datetime | None = None) -> Complaint:
        try:
            return await self.repository.load(tenant_id, case_id, Complaint, as_of=as_of)
        except NotFound:
            raise NotFound("complaint", case_id) from None

    async def file(
        self, uow: UnitOfWork, tenant: Tenant, command: c.File, actor: c.Actor, now: datetime
    ) -> Written:
        case = file_complaint(
            uuid4(), tenant.id, command, actor, load_policy(tenant.policy), now, tenant.calendar
        )
        return await self._save(uow, tenant.id, case)

    async def run(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        case: Complaint,
        command: c.Command,
        actor: c.Actor,
        now: datetime,
    ) -> Written:
        # The case keeps the policy it was filed under; a tenant's new binding applies to new cases.
        execute(case, command, actor, load_policy(case.policy), now, tenant.calendar)
        return await self._save(uow, tenant.id, case)

    async def _save(self, uow: UnitOfWork, tenant_id: UUID, case: Complaint) -> Written:
        seqs = await uow.append(tenant_id, self.repository.to_stored(case))
        return Written(case.id, case.version, seqs[-1])
