"""The README's units section (### Units: who is told, who sees) runs as written: each curl
command of its code block is run by the shell against the app and answers the status its
step's comment names; ``$ADMIN`` is a new hospital's admin key, as the walk-through before it
leaves it. What the section shows is then checked from the answers: cardiology's head had an
empty inbox while orthopaedics' head had the case."""

from __future__ import annotations

import asyncio
import json
import os

import httpx

from tests.e2e.test_readme_walkthrough import README, FromAnswer, Request, walk_through
from tests.services.support import new_tenant

SECTION = "### Units: who is told, who sees"


def units_block() -> str:
    section = README.read_text().split(SECTION, 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


async def curl(command: str, variables: dict[str, str]) -> tuple[int, str]:
    """The README's command in bash, awaited: the app answers on this very event loop."""
    shell = await asyncio.create_subprocess_exec(
        "bash",
        "-c",
        f"set -u\n{command} -w '\\n%{{http_code}}'",
        env={"PATH": os.environ["PATH"], **variables},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(shell.communicate(), 30)
    assert shell.returncode == 0, err.decode()
    body, _, status = out.decode().rpartition("\n")
    return int(status), body


async def test_the_readme_units_section_answers_as_it_says(
    base_url: str, http: httpx.AsyncClient
) -> None:
    walk = walk_through(units_block())
    tenant = await new_tenant(http, "hospital@1")
    variables = {"API": base_url, "ADMIN": tenant.admin_key}
    answers: list[tuple[str, object]] = []
    answer: object = None
    for step in walk.steps:
        if isinstance(step, FromAnswer):
            assert isinstance(answer, dict) and step.field in answer, answer
            variables[step.variable] = str(answer[step.field])
            continue
        assert isinstance(step, Request)
        status, body = await curl(step.command, variables)
        assert status == step.status, f"{step.command}\nanswered {status}: {body}"
        answer = json.loads(body) if body else None
        answers.append((step.command, answer))

    inboxes = [(command, body) for command, body in answers if "/v1/inbox" in command]
    (sun_command, sun_inbox), (zhao_command, zhao_inbox) = inboxes
    assert "$SUN" in sun_command and "$ZHAO" in zhao_command
    assert isinstance(sun_inbox, dict) and sun_inbox["items"] == []
    assert isinstance(zhao_inbox, dict)
    assert [item["case_id"] for item in zhao_inbox["items"]] == [variables["CASE"]]
