"""What-if: a recorded case re-decided under another policy version; nothing is written."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import ClassVar
from uuid import UUID

import asyncpg
import pytest
from httpx import AsyncClient

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint
from domain.policies.bank import BankPolicy
from domain.policies.hospital import HospitalPolicy
from domain.policy import Decision
from services.audit.what_if import recorded_what_if
from services.cli import parser
from services.cli.main import REFUSALS
from services.engines import EngineUrls
from services.runtime import Runtime
from services.settings import Settings
from tests.services.audit_support import head_seq
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key


class StricterHospital(HospitalPolicy):
    """A made-up next version: only department heads write notes; handovers tell no one."""

    version = 2
    permissions: ClassVar[Mapping[str, frozenset[str]]] = MappingProxyType(
        {**HospitalPolicy.permissions, "notes": frozenset({"department_head"})}
    )

    def on_handovers(
        self,
        case: Complaint,
        command: c.AddHandover,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return Decision()


async def handled_case(client: AsyncClient) -> tuple[TenantKeys, str, dict[int, str]]:
    """A nurse files a case, notes it and hands it over; the seq each action wrote."""
    tenant = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, tenant, "nurse.wang", ["nurse"])
    filed = await client.post(
        "/v1/complaints", headers=nurse, json=complaint_body(category="service_complaint")
    )
    case = filed.json()["id"]
    seqs = {}
    for action, body in (("notes", {"text": "called back"}), ("handovers", {"text": "upset"})):
        response = await client.post(f"/v1/complaints/{case}/{action}", headers=nurse, json=body)
        assert response.status_code == 200, response.text
        seqs[response.json()["seq"]] = action
    return tenant, case, seqs


async def test_the_recorded_policy_decides_every_step_as_recorded(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant, case, _ = await handled_case(client)
    result = await recorded_what_if(
        runtime.repository, UUID(tenant.tenant_id), UUID(case), HospitalPolicy()
    )
    assert (result.steps, result.differences, result.unread) == (3, [], [])
    assert result.recorded_policy == "hospital@1"


async def agitated_bank_case(client: AsyncClient) -> tuple[TenantKeys, str]:
    """A bank case escalated, its people held accountable by name with their own shares (B6),
    compensation mediated (B11), resolved and reported to the originating bank (B13)."""
    tenant = await new_tenant(client, "bank@1")
    lobby = await staff_key(client, tenant, "lobby.li", ["lobby_manager"])
    general = await staff_key(client, tenant, "general.chen", ["general_department"])
    filed = await client.post("/v1/complaints", headers=lobby, json=complaint_body())
    case = filed.json()["id"]
    steps: tuple[tuple[dict[str, str], str, dict], ...] = (
        (lobby, "assign", {"person": "teller.gao", "slot": "A"}),
        (lobby, "assign", {"person": "teller.wu", "slot": "B"}),
        (lobby, "escalate", {"reason": "the queue has stopped"}),
        (
            general,
            "accountability",
            {
                "reason": "the teller refused rudely",
                "consequences": "the counter closed for two hours",
                "responsible": {
                    "handler": "teller.gao",
                    "branch_head": "head.wang",
                    "service_quality_leader": "leader.sun",
                },
                "shares_fen": {
                    "handler": 20_000,
                    "branch_head": 10_000,
                    "service_quality_leader": 0,
                },
                "performance": "zero",
            },
        ),
        (lobby, "propose-resolution", {"text": "refund the fee", "compensation_fen": 5_000}),
        (
            general,
            "contacts",
            {
                "kind": "mediator",
                "name": "Zhou",
                "organisation": "People's Mediation Committee",
                "purpose": "mediate the refund",
            },
        ),
        (lobby, "resolve", {"outcome": "refunded after mediation"}),
        (
            general,
            "contacts",
            {
                "kind": "originating_bank",
                "name": "Wu",
                "organisation": "Originating Bank",
                "purpose": "the whole event and the refund",
            },
        ),
    )
    for headers, action, body in steps:
        response = await client.post(f"/v1/complaints/{case}/{action}", headers=headers, json=body)
        assert response.status_code == 200, (action, response.text)
    return tenant, case


async def test_B6_B11_B13_a_recorded_bank_accountability_is_decided_again_as_recorded(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant, case = await agitated_bank_case(client)
    result = await recorded_what_if(
        runtime.repository, UUID(tenant.tenant_id), UUID(case), BankPolicy()
    )
    assert (result.differences, result.unread) == ([], [])
    assert result.steps == 9


async def test_another_version_shows_where_its_decisions_differ(
    client: AsyncClient, runtime: Runtime
) -> None:
    tenant, case, seqs = await handled_case(client)
    result = await recorded_what_if(
        runtime.repository, UUID(tenant.tenant_id), UUID(case), StricterHospital()
    )
    assert result.policy == "hospital@2"
    note, handover = result.differences
    assert (note.action, handover.action) == ("notes", "handovers")
    assert note.alternative[0].startswith("refused: C2: notes needs one of ['department_head']")
    assert any(line.startswith("RolesNotified(") for line in handover.recorded)
    assert not any(line.startswith("RolesNotified(") for line in handover.alternative)
    # a step is named by its first seq; the API answered with its last
    assert seqs[note.seq] == "notes"  # one event: NoteAdded
    assert seqs[handover.seq + 1] == "handovers"  # HandoverAdded, then RolesNotified


async def test_what_if_writes_nothing(
    owner: asyncpg.Connection, client: AsyncClient, runtime: Runtime
) -> None:
    tenant, case, _ = await handled_case(client)
    before = await head_seq(owner, tenant.tenant_id)
    await recorded_what_if(
        runtime.repository, UUID(tenant.tenant_id), UUID(case), StricterHospital()
    )
    assert await head_seq(owner, tenant.tenant_id) == before


async def test_the_command_line_prints_the_comparison(
    client: AsyncClient,
    settings: Settings,
    database_url: str,
    engine_urls: EngineUrls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant, case, _ = await handled_case(client)
    args = parser().parse_args(
        ["audit", "what-if", "--tenant", tenant.slug, "--case", case, "--policy", "hospital@1"]
    )
    assert await args.run(args, settings, EngineUrls(database_url, engine_urls.nats_url)) == 0
    out = capsys.readouterr().out
    assert "recorded under hospital@1" in out
    assert "0 of 3 steps decided differently." in out


async def test_the_command_line_names_an_unknown_policy_or_case(
    client: AsyncClient,
    settings: Settings,
    database_url: str,
    engine_urls: EngineUrls,
) -> None:
    tenant, case, _ = await handled_case(client)
    urls = EngineUrls(database_url, engine_urls.nats_url)
    for case_id, policy, named in (
        (case, "hospital@9", "no policy hospital@9"),
        ("00000000-0000-0000-0000-000000000001", "hospital@1", "no complaint"),
    ):
        argv = ["audit", "what-if", "--tenant", tenant.slug, "--case", case_id, "--policy", policy]
        args = parser().parse_args(argv)
        # the command refuses; `complaints` turns a refusal into one error line and exit 2
        # (tests/services/cli/test_refusals.py)
        with pytest.raises(REFUSALS, match=named):
            await args.run(args, settings, urls)
