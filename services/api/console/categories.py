"""``GET /console/categories``: the categories the caller's tenant's procedure classifies into,
so intake and the classify form can suggest them rather than have a person guess the ids."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency

from services.api.auth import Principal, tenant_member
from services.api.deps import caller_tenant
from services.handlers.directory import TenantDirectory
from services.handlers.policies import load_policy


class Categories(msgspec.Struct, frozen=True):
    policy: str  # the procedure's reference, e.g. hospital@1
    categories: list[str]  # its category ids, sorted


@get(
    "/categories",
    guards=[tenant_member],
    operation_id="consoleCategories",
    tags=["console"],
    summary="The categories the caller's tenant's procedure classifies into",
)
async def categories(
    request: Request[Principal, Any, Any], directory: NamedDependency[TenantDirectory]
) -> Categories:
    tenant = await caller_tenant(directory, request.user)
    known = getattr(load_policy(tenant.policy), "categories", {})  # a plug-in may list none
    return Categories(policy=tenant.policy, categories=sorted(known))
