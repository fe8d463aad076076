"""The generated block of docs/policies/<name>.md follows the policy code and stays current."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from domain.policies import BUILTIN
from domain.policies.base import BasePolicy
from services.cli import main
from services.cli.policy_docs import END, START, mermaid, page, render_section, sync

DOCS = Path(__file__).resolve().parents[3] / "docs" / "policies"
POLICIES = [cls() for cls in BUILTIN]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_diagram_has_every_rung_in_ladder_order(policy: BasePolicy) -> None:
    states = re.findall(r'state "(\d+) (\w+)" as rung_\d+', mermaid(policy))
    assert states == [(str(rung.level), rung.name) for rung in policy.ladder]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_diagram_starts_every_category_at_its_rung(policy: BasePolicy) -> None:
    text = mermaid(policy)
    for category, level in policy.categories.items():
        index = [rung.level for rung in policy.ladder].index(level)
        assert f"[*] --> rung_{index} : {category}\n" in text


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_C5_incident_path_notifies_the_incident_roles(policy: BasePolicy) -> None:
    assert f"incident : notify {', '.join(policy.incident_roles)}\n" in mermaid(policy)


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.ref)
def test_committed_page_is_current(policy: BasePolicy) -> None:
    # Fails when a policy changed without `complaints policies docs` being rerun.
    assert sync(DOCS, [policy], check=True) == []


def test_regenerating_keeps_the_hand_written_text() -> None:
    policy = POLICIES[0]
    hand_written = "# Title\n\nIntro.\n\n## Roles\n\nKept.\n"
    once = page(policy, hand_written)
    assert once.startswith("# Title\n\nIntro.\n\n" + START)
    assert once.endswith(END + "\n\n## Roles\n\nKept.\n")
    assert page(policy, once.replace("escalate", "stale")) == once
    assert render_section(policy) in once


def test_cli_writes_then_checks_without_database(tmp_path: Path) -> None:
    docs = ["policies", "docs", "--dir", str(tmp_path)]
    assert main([*docs, "--check"]) == 1
    assert main(docs) == 0
    assert main([*docs, "--check"]) == 0
    assert {f"{policy.name}.md" for policy in POLICIES} <= {p.name for p in tmp_path.iterdir()}
