"""A case step by step: its state right after each recorded event, as replay rebuilds it.

Replay re-applies what was recorded and never asks a policy again, so each step is exactly
the state the service held after that event.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from domain.complaint import Complaint
from services.store.ledger import RecordedEvent
from services.store.repository import NotFound, Repository


@dataclass(frozen=True)
class Moment:
    recorded: RecordedEvent
    event: Any  # the domain event
    case: Complaint  # a copy, so later events do not reach back into it


async def moments(repository: Repository, tenant_id: UUID, case_id: UUID) -> list[Moment]:
    recorded = await repository.ledger.originator_events(tenant_id, case_id)
    found: list[Moment] = []
    case: Any = None
    for item in recorded:
        event = repository.mapper.decode(tenant_id, item.stored)
        case = event.mutate(case)
        if not isinstance(case, Complaint):
            raise NotFound("complaint", case_id)
        found.append(Moment(item, event, copy.deepcopy(case)))
    if not found:
        raise NotFound("complaint", case_id)
    return found
