"""Tenant use cases without HTTP: people need the policy's roles; offboarding purges."""

from __future__ import annotations

from uuid import UUID

import asyncpg
import pytest

from domain.tenant import Tenant
from services.handlers.tenancy import UnknownRoles
from services.handlers.tenant_keys import DataKeys
from services.runtime import Runtime
from tests.services.handlers.support import new_tenant


async def school(runtime: Runtime) -> Tenant:
    return await new_tenant(runtime, "school@1")


async def test_a_person_gets_only_roles_the_tenants_policy_knows(
    runtime: Runtime, owner: asyncpg.Connection
) -> None:
    tenant = await school(runtime)
    count = "SELECT count(*) FROM events WHERE tenant_id = $1"
    before = await owner.fetchval(count, tenant.id)
    with pytest.raises(UnknownRoles) as refused:
        async with runtime.ledger.unit_of_work() as uow:
            await runtime.tenancy.register_person(
                uow, tenant, "wang", "Wang", ["surgeon"], "admin", runtime.clock.now()
            )
    assert refused.value.roles == ["surgeon"]
    assert await owner.fetchval(count, tenant.id) == before

    tenant = await runtime.tenancy.fresh(tenant.id)
    async with runtime.ledger.unit_of_work() as uow:
        await runtime.tenancy.register_person(
            uow, tenant, "wang", "Wang", ["campus_reception"], "admin", runtime.clock.now()
        )
    assert (await runtime.tenancy.fresh(tenant.id)).people["wang"].roles == ("campus_reception",)


async def test_offboarding_records_it_destroys_the_keys_and_asks_the_bus_to_purge(
    runtime: Runtime,
) -> None:
    tenant = await school(runtime)
    purged: list[UUID] = []

    async def purge(tenant_id: UUID) -> bool:
        purged.append(tenant_id)
        return True

    data_keys = DataKeys(runtime.repository, runtime.keys, purge)
    done = await data_keys.offboard(
        tenant.id, reason="contract ended", by="platform", now=runtime.clock.now()
    )
    assert done.seq is not None and done.notifications_purged
    assert purged == [tenant.id]
    assert (await runtime.tenancy.fresh(tenant.id)).offboarded_at == done.offboarded_at
    again = await data_keys.offboard(
        tenant.id, reason="again", by="platform", now=runtime.clock.now()
    )
    assert again.seq is None  # recorded once; the keys and the purge are simply done again
