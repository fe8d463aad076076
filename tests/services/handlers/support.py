"""A tenant made through the use cases, for tests without HTTP."""

from __future__ import annotations

import uuid

from domain.tenant import Tenant
from services.runtime import Runtime


async def new_tenant(runtime: Runtime, policy: str) -> Tenant:
    async with runtime.ledger.unit_of_work() as uow:
        issued = await runtime.tenancy.create(
            uow,
            slug=f"t-{uuid.uuid4().hex[:10]}",
            name=f"Tenant under {policy}",
            country="CN",
            timezone="Asia/Shanghai",
            language="zh-CN",
            policy=policy,
            admin_id="admin",
            admin_name="Admin",
            by="platform",
            now=runtime.clock.now(),
        )
    return await runtime.tenancy.fresh(issued.tenant_id)
