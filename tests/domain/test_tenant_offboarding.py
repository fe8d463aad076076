"""An offboarded tenant: no key of it authenticates, and it is offboarded once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.tenant import Tenant, TenantOffboarded

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_no_key_authenticates_once_the_tenant_is_offboarded() -> None:
    tenant = Tenant.create(
        slug="leaving",
        name="Leaving",
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy="school@1",
        by="platform",
        at=AT,
    )
    tenant.register_person(person_id="admin", name="Admin", roles=["admin"], by="p", at=AT)
    tenant.issue_key(key_id="k1", person_id="admin", roles=["admin"], secret="s", by="p", at=AT)
    assert tenant.authenticate("k1", "s") is not None
    tenant.offboard(reason="contract ended", by="platform", at=AT)
    assert tenant.authenticate("k1", "s") is None
    assert tenant.offboarded_at == AT
    with pytest.raises(TenantOffboarded):
        tenant.offboard(reason="again", by="platform", at=AT)
