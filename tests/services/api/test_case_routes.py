"""Every command a caller sends to a case has its route, named in one list."""

from __future__ import annotations

from httpx import AsyncClient

from domain import commands as c
from services.api.case_commands import CASE_COMMANDS

# Filing has its own route; only the deadline watcher records a missed deadline.
# the watcher and the feedback sender alone issue the last three
NOT_CASE_ROUTES = {c.File, c.MissDeadline, c.RemindDeadline, c.RecordDelivery}


def domain_commands() -> set[type[c.Command]]:
    return {
        cls
        for cls in vars(c).values()
        if isinstance(cls, type) and issubclass(cls, c.Command) and cls is not c.Command
    }


def test_each_domain_command_is_routed_or_named_as_not_routed() -> None:
    assert domain_commands() - set(CASE_COMMANDS) == NOT_CASE_ROUTES
    assert len(set(CASE_COMMANDS)) == len(CASE_COMMANDS)


async def test_each_case_command_is_in_the_openapi_document(client: AsyncClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for command in CASE_COMMANDS:
        assert "post" in paths[f"/v1/complaints/{{case_id}}/{command.action}"], command
    assert "/v1/complaints/{case_id}/deadline-missed" not in paths
