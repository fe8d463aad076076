"""Use cases on complaints: load, decide (through the tenant's policy), save.

Every command on a case has the same handler, ``Cases.act``: load the case, check the
caller's version, let the case's policy decide (domain/handling.py), append. What differs
between commands is the policy's decision, not the handling. Filing (``Cases.filed``), a
group's decision (``Cases.resolve_group``, B12) and the watcher's missed deadline
(``Cases.run`` as the system actor) are the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import accumulate
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from domain import commands as c
from domain.complaint import Complaint, Status
from domain.errors import NothingToRecord
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from services.clock import Clock
from services.handlers.policies import load_policy
from services.store.idempotency import Answer, Decided, IdempotentRequest, append_once
from services.store.ledger import Ledger, RecordedEvent, UnitOfWork
from services.store.repository import NotFound, Repository


@dataclass(frozen=True)
class Written:
    id: UUID
    version: int
    seq: int


class OutsideScope(Exception):
    """A case filed in a unit (or the root) where none of the filer's roles count."""

    def __init__(self, unit_id: str | None) -> None:
        where = f"unit {unit_id!r}" if unit_id else "the organisation's root"
        super().__init__(f"none of your roles counts in {where}: file in a unit you serve")
        self.unit_id = unit_id


class StaleVersion(Exception):
    """If-Match named only versions the case is not at."""

    def __init__(self, expected: Precondition, actual: int) -> None:
        super().__init__(f"If-Match expected {expected}, the case is at version {actual}")


@dataclass(frozen=True)
class Precondition:
    """The versions a write holds for (RFC 9110 If-Match): any listed, or any at all (``*``)."""

    versions: frozenset[int] = frozenset()
    any_version: bool = False

    @classmethod
    def exactly(cls, version: int) -> Precondition:
        return cls(frozenset({version}))

    def holds(self, version: int) -> bool:
        return self.any_version or version in self.versions

    def __str__(self) -> str:
        if self.any_version:
            return "any version"
        if not self.versions:
            return "no version"
        return "version " + " or ".join(map(str, sorted(self.versions)))


Decide = Callable[[], Awaitable[Complaint]]


class Cases:
    def __init__(self, repository: Repository, ledger: Ledger, clock: Clock) -> None:
        self.repository = repository
        self.ledger = ledger
        self.clock = clock

    async def act(
        self,
        tenant: Tenant,
        case_id: UUID,
        command: c.Command,
        actor: c.Actor,
        expected: Precondition | None,
        request: IdempotentRequest,
    ) -> Answer:
        """Run ``command`` on the case and save what its policy decided, at most once per
        Idempotency-Key; the answer carries the case's id, new version and last seq."""

        async def decide() -> Complaint:
            # Read outside any transaction: the append's unique version refuses a write
            # that another made stale since (409), as If-Match does for the caller's.
            case = await self.get(tenant.id, case_id)
            if expected is not None and not expected.holds(case.version):
                raise StaleVersion(expected, case.version)
            self.decide(tenant, case, command, actor, self.clock.now())
            return case

        return await self.save_once(request, tenant.id, decide, 200)

    async def file_new(
        self, tenant: Tenant, command: c.File, actor: c.Actor, request: IdempotentRequest
    ) -> Answer:
        """A new case, filed under the tenant's policy (201), at most once per key."""

        async def decide() -> Complaint:
            return self.filed(tenant, command, actor, self.clock.now())

        return await self.save_once(request, tenant.id, decide, 201)

    async def save_once(
        self, request: IdempotentRequest, tenant_id: UUID, decide: Decide, status: int
    ) -> Answer:
        """Save the case ``decide`` returns (its new events), with an Idempotency-Key at most
        once, in one statement (``append_once``)."""

        async def decided() -> Decided:
            case = await decide()
            if not case.pending_events:
                raise NothingToRecord("the case's procedure records nothing for this command")
            return Decided(
                tenant_id,
                self.repository.to_stored(case),
                status,
                lambda seq: Written(case.id, case.version, seq),
            )

        return await append_once(self.ledger, request, decided)

    async def history(self, tenant_id: UUID, case_id: UUID) -> list[tuple[RecordedEvent, Any]]:
        """Each recorded event of the case with the domain event it decodes to."""
        await self.get(tenant_id, case_id)  # 404 unless the tenant's case
        return await self.recorded(tenant_id, case_id)

    async def recorded(self, tenant_id: UUID, case_id: UUID) -> list[tuple[RecordedEvent, Any]]:
        """``history`` of a case the caller has loaded already (and so knows is there)."""
        recorded = await self.ledger.originator_events(tenant_id, case_id)
        decode = self.repository.mapper.decode
        return [(r, decode(tenant_id, r.stored)) for r in recorded]

    async def get(
        self,
        tenant_id: UUID,
        case_id: UUID,
        as_of: datetime | None = None,
        conn: asyncpg.Connection | None = None,
    ) -> Complaint:
        try:
            return await self.repository.load(tenant_id, case_id, Complaint, as_of=as_of, conn=conn)
        except NotFound:
            raise NotFound("complaint", case_id) from None

    async def file(
        self, uow: UnitOfWork, tenant: Tenant, command: c.File, actor: c.Actor, now: datetime
    ) -> Written:
        return await self._save(uow, tenant.id, self.filed(tenant, command, actor, now))

    @staticmethod
    def filed(tenant: Tenant, command: c.File, actor: c.Actor, now: datetime) -> Complaint:
        """A new case as the tenant's policy files it, not yet saved: in the tenant's root or
        a live unit, and by a person whose roles count there (domain/units.py)."""
        tenant.check_case_unit(command.unit)
        if not actor.sees(command.unit):
            raise OutsideScope(command.unit)
        actor = actor.on(command.unit)
        return file_complaint(
            uuid4(),
            tenant.id,
            command,
            actor,
            load_policy(tenant.policy),
            now,
            tenant.calendar,
            options=tenant.policy_options,
        )

    async def run(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        case: Complaint,
        command: c.Command,
        actor: c.Actor,
        now: datetime,
    ) -> Written:
        self.decide(tenant, case, command, actor, now)
        return await self._save(uow, tenant.id, case)

    @staticmethod
    def decide(
        tenant: Tenant, case: Complaint, command: c.Command, actor: c.Actor, now: datetime
    ) -> None:
        """Run the command on the case through its policy; the case holds the new events.
        A case outside the actor's units is not theirs to know of (404); on one inside, only
        the roles held there count."""
        if not actor.sees(case.unit_id):
            raise NotFound("complaint", case.id)
        # The case keeps the policy it was filed under; a tenant's new binding applies to new cases.
        execute(
            case, command, actor.on(case.unit_id), load_policy(case.policy), now, tenant.calendar
        )
        if isinstance(command, c.MoveToUnit):
            # after the policy: who may not move a case learns that first, whatever the target
            tenant.check_case_unit(command.unit)

    async def resolve_group(
        self,
        uow: UnitOfWork,
        tenant: Tenant,
        group: str,
        case_ids: Sequence[UUID],
        outcome: str,
        close: bool,
        actor: c.Actor,
        now: datetime,
    ) -> list[Written]:
        """B12: one decision for a group. Every case of ``case_ids`` still linked to ``group``
        and not closed is resolved (if open) and, with ``close``, closed, each through its own
        policy; one refusal refuses all, since nothing is appended until every case has
        decided, and then all in one append."""
        decided: list[Complaint] = []
        for case_id in case_ids:
            case = await self.get(tenant.id, case_id, conn=uow.conn)
            if case.group != group or case.status is Status.CLOSED:
                continue  # the view lagged a move to another group, or a closure
            if case.status is Status.RESOLVED and not close:
                continue  # decided already; nothing to record
            if not actor.sees(case.unit_id):
                continue  # another unit's: the caller decides for the cases they serve
            policy, calendar, acting = (
                load_policy(case.policy),
                tenant.calendar,
                actor.on(case.unit_id),
            )
            if case.status is Status.OPEN:
                execute(case, c.Resolve(outcome), acting, policy, now, calendar)
            if close:
                execute(case, c.Close(reason=outcome), acting, policy, now, calendar)
            decided.append(case)
        if not decided:
            raise NotFound("open case in group", group)
        stored = [self.repository.to_stored(case) for case in decided]
        seqs = await uow.append(tenant.id, [event for events in stored for event in events])
        # one append keeps the cases' order: each case's last event ends its run of seqs
        ends = accumulate(len(events) for events in stored)
        return [
            Written(case.id, case.version, seqs[end - 1])
            for case, end in zip(decided, ends, strict=True)
        ]

    async def _save(self, uow: UnitOfWork, tenant_id: UUID, case: Complaint) -> Written:
        seqs = await uow.append(tenant_id, self.repository.to_stored(case))
        return Written(case.id, case.version, seqs[-1])
