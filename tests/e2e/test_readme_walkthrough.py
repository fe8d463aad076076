"""The README's walk-through runs as written against ``complaints serve --demo`` (what
``make run`` starts): each curl command of its code block, read from README.md, is run by the
shell and answers the status its step's comment names. Only ``API`` is moved to the served
port. A variable the README leaves to the reader (``ADMIN=ck....  # the "key" from the
answer``) is taken from the answer before it."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from services.engines import EngineUrls
from tests.e2e.served import ROOT, Served, fresh_database, serve_env

README = ROOT / "README.md"
WALK_THROUGH = "## A walk through the API"
STATUS = re.compile(r"\b([1-5]\d\d)\b")
FROM_ANSWER = re.compile(r'^(\w+)=\S*\s+# the "(\w+)" from the answer$')
ASSIGNMENT = re.compile(r"^(\w+)=(\S+)(\s+#.*)?$")


@dataclass
class Request:
    command: str  # shell text, as the README has it
    status: int  # what the step's comment says it answers


@dataclass
class FromAnswer:
    variable: str
    field: str


@dataclass
class WalkThrough:
    variables: dict[str, str] = field(default_factory=dict)
    steps: list[Request | FromAnswer] = field(default_factory=list)


def code_block(readme: str) -> str:
    section = readme.split(WALK_THROUGH, 1)[1]
    return section.split("```sh\n", 1)[1].split("\n```", 1)[0]


def statements(block: str) -> list[tuple[str, str]]:
    """The block's shell statements, each with the comment lines just before it."""
    found: list[tuple[str, str]] = []
    comment, pending, after_statement = "", "", False
    for line in block.splitlines():
        stripped = line.strip()
        if not pending and not stripped:
            comment, after_statement = "", False
            continue
        if not pending and stripped.startswith("#"):
            said = stripped.lstrip("# ")
            comment = said if after_statement else f"{comment} {said}".strip()
            after_statement = False
            continue
        pending += line + "\n"
        try:
            shlex.split(pending, comments=True)
        except ValueError:  # a quote still open: the statement goes on
            continue
        if pending.rstrip().endswith("\\"):
            continue
        found.append((pending.rstrip(), comment))
        pending, after_statement = "", True
    return found


def walk_through(block: str) -> WalkThrough:
    walk = WalkThrough()
    for statement, comment in statements(block):
        if statement.startswith("curl "):
            named = STATUS.search(comment)
            assert named, f"the README names no status for: {statement}"
            walk.steps.append(Request(statement, int(named.group(1))))
        elif taken := FROM_ANSWER.match(statement):
            walk.steps.append(FromAnswer(taken.group(1), taken.group(2)))
        elif assigned := ASSIGNMENT.match(statement):
            walk.variables[assigned.group(1)] = assigned.group(2)
        else:
            raise AssertionError(f"a statement the walk-through test cannot run: {statement}")
    return walk


def test_the_walk_through_is_read_whole_from_the_readme() -> None:
    walk = walk_through(code_block(README.read_text()))
    requests = [step for step in walk.steps if isinstance(step, Request)]
    assert [r.command.split("$API", 1)[1].split()[0] for r in requests] == [
        "/v1/tenants",
        "/v1/people",
        "/v1/keys",
        "/v1/complaints",
        "/v1/complaints/$ID",
        "/v1/complaints/$ID/history",
        "/v1/complaints/$ID/handovers",
    ]
    taken = [(s.variable, s.field) for s in walk.steps if isinstance(s, FromAnswer)]
    assert taken == [("ADMIN", "key"), ("NURSE", "key"), ("ID", "id")]
    assert walk.variables["API"] == "http://127.0.0.1:8000"  # where make run serves


async def test_the_readme_walk_through_answers_as_it_says(
    engine_urls: EngineUrls, tmp_path: Path
) -> None:
    walk = walk_through(code_block(README.read_text()))
    async with fresh_database(engine_urls.database_url, "readme") as database_url:
        env = serve_env(database_url, engine_urls.nats_url, tmp_path / "data")
        del env["COMPLAINTS_PLATFORM_ADMIN_KEY"]  # make run's development key, as the README
        server = Served(f"http://127.0.0.1:{env['COMPLAINTS_PORT']}", env, tmp_path / "serve.log")
        try:
            start_demo(server)
            run_steps(walk, {**walk.variables, "API": server.base_url})
        finally:
            server.stop()


def start_demo(server: Served, timeout: float = 60) -> None:
    with server.log.open("a") as out:
        server.process = subprocess.Popen(
            [sys.executable, "-m", "services.cli", "serve", "--demo"],
            env=server.env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.process.poll() is None, server.log.read_text()
        if "File a first complaint" in server.log.read_text():
            return
        time.sleep(0.1)
    raise AssertionError(f"serve --demo did not come up:\n{server.log.read_text()}")


def run_steps(walk: WalkThrough, variables: dict[str, str]) -> None:
    answer: object = None
    for step in walk.steps:
        if isinstance(step, FromAnswer):
            assert isinstance(answer, dict) and step.field in answer, answer
            variables[step.variable] = str(answer[step.field])
            continue
        status, body = curl(step.command, variables)
        assert status == step.status, f"{step.command}\nanswered {status}: {body}"
        answer = json.loads(body) if body else None
    assert httpx.get(f"{variables['API']}/health").status_code == 200


def curl(command: str, variables: dict[str, str]) -> tuple[int, str]:
    """Run the README's command in bash, with its variables; the status and the body."""
    done = subprocess.run(
        ["bash", "-c", f"set -u\n{command} -w '\\n%{{http_code}}'"],
        env={"PATH": os.environ["PATH"], **variables},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body
