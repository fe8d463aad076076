"""``complaints units`` and ``complaints people place`` against the real database: what they
write is what the API then shows, and what they refuse is one error line, exit 2, nothing
written."""

from __future__ import annotations

import asyncio
import subprocess

import asyncpg
import pytest
from httpx import AsyncClient

from services.cli.errors import OK, OPERATOR_ERROR, OperatorError
from services.cli.main import REFUSALS
from services.engines import EngineUrls
from services.settings import Settings
from tests.services.audit_support import head_seq
from tests.services.cli.cli_support import cli_env, closed_nats_url, complaints, run
from tests.services.support import TenantKeys, bearer, new_tenant


@pytest.fixture
def env(database_url: str, settings: Settings) -> dict[str, str]:
    # a closed bus: none of these commands needs one
    return cli_env(settings.data_dir, DATABASE_URL=database_url, NATS_URL=closed_nats_url())


async def cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(complaints, *argv, env=env)


async def units_of(client: AsyncClient, tenant: TenantKeys) -> dict[str, dict]:
    listed = await client.get("/v1/units", headers=tenant.admin)
    assert listed.status_code == 200, listed.text
    return {unit["unit_id"]: unit for unit in listed.json()["items"]}


async def test_units_add_change_retire_and_list_build_the_tree_the_api_shows(
    client: AsyncClient,
    env: dict[str, str],
    settings: Settings,
    urls: EngineUrls,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    t = ["--tenant", tenant.slug]
    for argv in (
        ["add", *t, "--unit", "surgery", "--name", "外科", "--kind", "department"],
        ["add", *t, "--unit", "ortho", "--name", "Ortho", "--kind", "department",
         "--parent", "surgery"],
        ["add", *t, "--unit", "ortho-ward", "--name", "Ward 3", "--kind", "ward",
         "--parent", "ortho"],
        ["add", *t, "--unit", "cardio", "--name", "心内科", "--kind", "department"],
        ["change", *t, "--unit", "ortho", "--name", "骨科"],
        ["change", *t, "--unit", "cardio", "--parent", "surgery"],
        ["change", *t, "--unit", "cardio", "--top"],
        ["retire", *t, "--unit", "ortho-ward", "--reason", "merged into ortho"],
    ):  # fmt: skip
        assert await run(["units", *argv], settings, urls) == OK
        assert f"unit {argv[argv.index('--unit') + 1]} " in capsys.readouterr().out

    units = await units_of(client, tenant)
    assert {u: (units[u]["name"], units[u]["path"], units[u]["retired"]) for u in units} == {
        "surgery": ("外科", ["surgery"], False),
        "ortho": ("骨科", ["surgery", "ortho"], False),
        "ortho-ward": ("Ward 3", ["surgery", "ortho", "ortho-ward"], True),
        "cardio": ("心内科", ["cardio"], False),
    }
    listed = await cli(env, "units", "list", *t)
    assert listed.returncode == OK, listed.stderr
    assert listed.stdout.splitlines() == [
        "cardio  department  心内科",
        "surgery  department  外科",
        "  ortho  department  骨科",
        "    ortho-ward  ward  Ward 3  (retired)",
    ]


async def test_people_place_sets_the_roles_held_in_a_unit_and_the_person_gets_a_key(
    client: AsyncClient, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    t = ["--tenant", tenant.slug]
    await cli(env, "units", "add", *t, "--unit", "ortho", "--name", "骨科", "--kind", "department")
    registered = await client.post(
        "/v1/people",
        headers=tenant.admin,
        json={"person_id": "li", "name": "Li", "roles": ["lawyer"]},
    )
    assert registered.status_code == 201, registered.text

    placed = await cli(
        env,
        "people",
        "place",
        *t,
        "--person",
        "li",
        "--unit",
        "ortho",
        "--roles",
        "nurse,head_nurse",
    )

    assert placed.returncode == OK, placed.stderr
    assert placed.stdout.startswith("li holds head_nurse, nurse in unit ortho (seq ")
    people = (await client.get("/v1/tenant", headers=tenant.admin)).json()["people"]
    li = next(p for p in people if p["person_id"] == "li")
    assert (li["roles"], li["units"]) == (["lawyer"], {"ortho": ["head_nurse", "nurse"]})
    key = await client.post(
        "/v1/keys", headers=tenant.admin, json={"person_id": "li", "roles": ["nurse"]}
    )
    assert key.status_code == 201, key.text
    assert (await client.get("/v1/units", headers=bearer(key.json()["key"]))).status_code == 200

    removed = await cli(
        env, "people", "place", *t, "--person", "li", "--unit", "ortho", "--roles", ""
    )

    assert removed.returncode == OK, removed.stderr
    assert "li holds no role in unit ortho" in removed.stdout
    people = (await client.get("/v1/tenant", headers=tenant.admin)).json()["people"]
    assert next(p for p in people if p["person_id"] == "li")["units"] == {}


async def test_a_refusal_is_one_error_line_and_exit_2_and_writes_nothing(
    client: AsyncClient, owner: asyncpg.Connection, env: dict[str, str]
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    t = ["--tenant", tenant.slug]
    add = ["units", "add", *t, "--unit", "ortho", "--name", "O", "--kind", "department"]
    assert (await cli(env, *add)).returncode == OK
    before = await head_seq(owner, tenant.tenant_id)

    done = await cli(env, *add)

    assert (done.returncode, done.stderr) == (
        OPERATOR_ERROR,
        "error: unit 'ortho' exists already\n",
    )
    assert await head_seq(owner, tenant.tenant_id) == before


async def test_what_the_api_refuses_the_command_line_refuses_for_the_same_reason(
    client: AsyncClient, owner: asyncpg.Connection, settings: Settings, urls: EngineUrls
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    t = ["--tenant", tenant.slug]
    for argv in (
        ["units", "add", *t, "--unit", "ortho", "--name", "O", "--kind", "department"],
        ["units", "add", *t, "--unit", "ortho-ward", "--name", "W", "--kind", "ward",
         "--parent", "ortho"],
    ):  # fmt: skip
        assert await run(argv, settings, urls) == OK
    before = await head_seq(owner, tenant.tenant_id)

    for argv, told in (
        (["units", "add", *t, "--unit", "Ortho 2", "--name", "O", "--kind", "department"],
         "unit_id: lower-case letters, digits and '-', at most 40"),
        (["units", "add", *t, "--unit", "eye", "--name", "E", "--kind", "department",
          "--parent", "nowhere"],
         "parent: no unit nowhere"),
        (["units", "change", *t, "--unit", "ortho", "--parent", "ortho-ward"],
         "parent: 'ortho-ward' is 'ortho' or under it: that makes a loop"),
        (["units", "change", *t, "--unit", "nowhere", "--name", "x"], "no unit nowhere"),
        (["units", "change", *t, "--unit", "ortho"],
         "give --name, --parent or --top: nothing to change"),
        (["units", "retire", *t, "--unit", "ortho", "--reason", "r"],
         "unit 'ortho' still holds ['ortho-ward']: move them first"),
        (["people", "place", *t, "--person", "ghost", "--unit", "ortho", "--roles", "nurse"],
         "no person ghost"),
        (["people", "place", *t, "--person", "admin", "--unit", "nowhere", "--roles", "nurse"],
         "no unit nowhere"),
        (["units", "list", "--tenant", "no-such-tenant"], "no tenant no-such-tenant"),
    ):  # fmt: skip
        with pytest.raises((OperatorError, *REFUSALS)) as refused:
            await run(argv, settings, urls)
        assert str(refused.value) == told, argv
    with pytest.raises(OperatorError, match="not roles of policy hospital@1: wizard"):
        await run(
            ["people", "place", *t, "--person", "admin", "--unit", "ortho", "--roles", "wizard"],
            settings,
            urls,
        )
    assert await head_seq(owner, tenant.tenant_id) == before


async def test_an_unknown_kind_is_a_bad_argument_listing_the_kinds(env: dict[str, str]) -> None:
    done = await cli(
        env, "units", "add", "--tenant", "t", "--unit", "u", "--name", "U", "--kind", "galaxy"
    )

    assert done.returncode == OPERATOR_ERROR
    assert "invalid choice: 'galaxy'" in done.stderr and "department" in done.stderr
