"""What the command line refuses, it refuses as the API does, in one line and exit 2: an
unknown tenant, roles the tenant's policy lacks, a person the tenant does not have."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import asyncpg
import pytest
from httpx import AsyncClient

from services.cli.errors import OPERATOR_ERROR
from services.settings import Settings
from tests.services.audit_support import head_seq
from tests.services.cli.cli_support import cli_env, closed_nats_url, complaints
from tests.services.support import bearer, new_tenant

NO_TENANT = "no-such-tenant"


@pytest.fixture
def env(database_url: str, settings: Settings) -> dict[str, str]:
    return cli_env(settings.data_dir, DATABASE_URL=database_url, NATS_URL=closed_nats_url())


@pytest.mark.parametrize(
    "argv",
    [
        ["audit", "export", "--tenant", NO_TENANT, "-o", "{tmp}/ledger.ndjson"],
        ["audit", "what-if", "--tenant", NO_TENANT, "--case", str(uuid.uuid4()),
         "--policy", "school@1"],
        ["audit", "checkpoint", "--tenant", NO_TENANT],
        ["projections", "rebuild", "--tenant", NO_TENANT],
        ["data-key", "rotate", "--tenant", NO_TENANT],
        ["key", "create", "--tenant", NO_TENANT, "--person", "p", "--roles", "admin"],
    ],
    ids=lambda argv: " ".join(argv[:2]),
)  # fmt: skip
async def test_an_unknown_tenant_is_an_error_line_and_exit_2(
    argv: list[str], env: dict[str, str], tmp_path: Path
) -> None:
    argv = [arg.format(tmp=tmp_path) for arg in argv]
    done = await asyncio.to_thread(complaints, *argv, env=env)
    assert (done.returncode, done.stderr) == (OPERATOR_ERROR, f"error: no tenant {NO_TENANT}\n")
    assert list(tmp_path.iterdir()) == []  # no empty export left behind


async def test_key_create_refuses_roles_the_policy_lacks_and_writes_nothing(
    client: AsyncClient, owner: asyncpg.Connection, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    before = await head_seq(owner, tenant.tenant_id)
    for argv in (
        ["--person", "nurse.new", "--name", "New Nurse", "--roles", "nurse,wizard"],
        ["--person", "admin", "--roles", "wizard"],
    ):
        done = await asyncio.to_thread(
            complaints, "key", "create", "--tenant", tenant.slug, *argv, env=env
        )
        assert done.returncode == OPERATOR_ERROR
        assert done.stderr.startswith("error: not roles of policy hospital@1: wizard")
        assert done.stderr.count("\n") == 1 and "nurse" in done.stderr  # the roles it has
    assert await head_seq(owner, tenant.tenant_id) == before


async def test_key_create_for_a_person_not_registered_asks_for_a_name(
    client: AsyncClient, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    argv = ["key", "create", "--tenant", tenant.slug, "--person", "nurse.ghost", "--roles", "nurse"]
    done = await asyncio.to_thread(complaints, *argv, env=env)
    assert done.returncode == OPERATOR_ERROR
    assert done.stderr == (
        f"error: no person nurse.ghost in tenant {tenant.slug}: give --name to register them\n"
    )


async def test_key_create_with_the_policy_s_roles_issues_a_working_key(
    client: AsyncClient, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    argv = ["--person", "nurse.qi", "--name", "Qi Nurse", "--roles", "nurse"]
    done = await asyncio.to_thread(
        complaints, "key", "create", "--tenant", tenant.slug, *argv, env=env
    )
    assert done.returncode == 0, done.stderr
    key = done.stdout.rsplit(": ", 1)[1].strip()
    assert (await client.get("/v1/complaints", headers=bearer(key))).status_code == 200


async def test_a_taken_slug_and_an_unknown_policy_are_error_lines(
    client: AsyncClient, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client)
    for slug, policy, told in (
        (tenant.slug, "school@1", f"error: a tenant with slug '{tenant.slug}' exists\n"),
        (f"{tenant.slug}-2", "nope@1", "error: no policy nope@1; installed: "),
    ):
        argv = ["tenant", "create", "--slug", slug, "--name", "N", "--policy", policy]
        done = await asyncio.to_thread(complaints, *argv, env=env)
        assert done.returncode == OPERATOR_ERROR
        assert done.stderr.startswith(told) and done.stderr.count("\n") == 1
