"""Commands that only read or write the database work with the bus away (NATS_URL at a
closed port), as an operator runs them: a process of their own."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest
from httpx import AsyncClient

from services.settings import Settings
from tests.services.audit_support import audited_tenant, head_seq
from tests.services.cli.cli_support import cli_env, closed_nats_url, complaints
from tests.services.support import complaint_body


@pytest.fixture
def env(database_url: str, settings: Settings) -> dict[str, str]:
    # the session's data dir: its tenant keys open the sealed fields what-if reads
    return cli_env(settings.data_dir, DATABASE_URL=database_url, NATS_URL=closed_nats_url())


async def test_export_and_what_if_read_the_ledger_with_the_bus_away(
    client: AsyncClient, owner: asyncpg.Connection, env: dict[str, str], tmp_path: Path
) -> None:
    tenant, _ = await audited_tenant(client)
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(category="service_complaint")
    )
    path = tmp_path / "ledger.ndjson"

    export = ["audit", "export", "--tenant", tenant.slug, "-o", str(path)]
    exported = await asyncio.to_thread(complaints, *export, env=env)
    assert exported.returncode == 0, exported.stderr
    assert len(path.read_text().splitlines()) == await head_seq(owner, tenant.tenant_id)

    what_if = ["audit", "what-if", "--tenant", tenant.slug, "--case", filed.json()["id"]]
    redecided = await asyncio.to_thread(complaints, *what_if, "--policy", "hospital@1", env=env)
    assert redecided.returncode == 0, redecided.stderr
    assert "steps decided differently" in redecided.stdout


async def test_tenants_keys_views_and_migrations_need_no_bus_either(env: dict[str, str]) -> None:
    slug = "no-bus-clinic"
    runs = [
        ["migrate"],
        ["tenant", "create", "--slug", slug, "--name", "No Bus Clinic", "--policy", "hospital@1"],
        ["key", "create", "--tenant", slug, "--person", "nurse.he", "--name", "He Li",
         "--roles", "nurse"],
        ["projections", "rebuild", "--tenant", slug],
        ["data-key", "rotate", "--tenant", slug],
        ["audit", "checkpoint", "--tenant", slug],
    ]  # fmt: skip
    for argv in runs:
        done = await asyncio.to_thread(complaints, *argv, env=env)
        assert done.returncode == 0, f"{argv}: {done.stderr}"
