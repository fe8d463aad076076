"""The command line itself: every command says what it does, ``--version``, and a bad
argument is one line and exit 2."""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterator
from importlib.metadata import version

import pytest

from services.cli import main, parser
from services.cli.errors import FAILED, INTERRUPTED, OK, OPERATOR_ERROR
from tests.services.cli.cli_support import ROOT


def commands(
    command: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str | None]]:
    """Each subcommand, at every depth, with the help line its parent lists for it."""
    for action in command._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, sub in action.choices.items():
                yield (*path, name), helps.get(name)
                yield from commands(sub, (*path, name))


def test_every_command_and_subcommand_has_a_help_line() -> None:
    listed = dict(commands(parser()))
    assert {("tenant", "create"), ("key", "create"), ("audit", "export")} <= set(listed)
    assert [" ".join(path) for path, help_line in listed.items() if not help_line] == []


def test_the_readme_documents_every_exit_code() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The command line\n", 1)[1].split("\n## ", 1)[0]
    documented = {int(code) for code in re.findall(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert documented == {OK, FAILED, OPERATOR_ERROR, INTERRUPTED}


def test_the_help_lists_each_command_with_its_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    shown = capsys.readouterr().out
    for (name,), help_line in ((p, h) for p, h in commands(parser()) if len(p) == 1):
        assert name in shown and str(help_line).split()[0] in shown


def test_version_is_the_installed_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"complaints {version('complaints')}\n"


@pytest.mark.parametrize(
    ("argv", "told"),
    [
        (["audit", "what-if", "--tenant", "t", "--case", "nope", "--policy", "school@1"],
         "argument --case: invalid UUID value: 'nope'"),
        (["tenant"], "the following arguments are required: command"),
        (["no-such-command"], "invalid choice: 'no-such-command'"),
    ],
)  # fmt: skip
def test_a_bad_argument_is_one_error_line_and_exit_2(
    argv: list[str], told: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == OPERATOR_ERROR
    error = capsys.readouterr().err
    assert error.startswith("error: ") and told in error
    assert error.count("\n") == 1
