"""B14: a closed case as an anonymised case study, for the roles the case's policy names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from domain.policies.bank import NoCaseStudies, case_study, may_export
from domain.tenant import Tenant
from services.handlers.cases import Cases
from services.handlers.policies import load_policy


async def case_study_of(
    cases: Cases, tenant: Tenant, case_id: UUID, roles: Iterable[str] | None
) -> dict[str, Any]:
    """The study of one of ``tenant``'s cases: NotFound for another tenant's, NoCaseStudies
    when its procedure has none, Refused (B14) for a role that does not train staff,
    InvalidTransition (B14) while the case is not closed. ``roles`` None is the operator at
    the command line, who holds the database and so every case already."""
    case = await cases.get(tenant.id, case_id)
    # the policy the case was filed under decides, as for every other step of the case
    trainers = getattr(load_policy(case.policy), "case_study_roles", None)
    if not trainers:
        raise NoCaseStudies(case.policy)
    if roles is not None:
        may_export(roles, trainers)
    people = {person.person_id: person.name for person in tenant.people.values()}
    return case_study(case, people)
