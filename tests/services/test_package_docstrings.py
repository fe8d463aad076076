"""A package's docstring that lists what it may import names every package its modules do
import: import-linter checks the layers (pyproject.toml), this keeps the prose beside them
true. A docstring that allows "everything below" lists nothing to check."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICES = Path(__file__).parents[2] / "services"
LEAVES = {"settings", "clock", "logs", "metrics", "tracing", "standard_webhooks"}
PACKAGES = sorted(p.parent for p in SERVICES.glob("*/__init__.py"))


def allowed_text(package: Path) -> str | None:
    """The docstring's list of what the package may import, up to the first semicolon."""
    doc = ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""
    said = re.search(r"May import(.*?)(?:;|$)", doc, re.S)
    if said is None or "everything below" in said.group(1):
        return None
    return " ".join(said.group(1).split())


def imported(package: Path) -> set[str]:
    """The other packages of services (and domain, projections) its modules import."""
    found: set[str] = set()
    for module in package.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "services":  # from services import tracing
                    names += [f"services.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                parts = name.split(".")
                if parts[0] in ("domain", "projections"):
                    found.add(parts[0])
                elif parts[0] == "services" and len(parts) > 1 and parts[1] != package.name:
                    found.add(parts[1])
    return found


def named(allowed: str, package: str) -> bool:
    if re.search(rf"\b{package}\b", allowed):
        return True
    # "the leaves" alone covers them all; "the leaves (settings, clock)" only those it names
    return package in LEAVES and re.search(r"the leaves(?! \()", allowed) is not None


# the packages whose docstring lists what they may import (the top ones allow everything below)
LISTING = [p for p in PACKAGES if allowed_text(p) is not None]


def test_the_packages_below_the_api_list_what_they_may_import() -> None:
    assert {p.name for p in LISTING} >= {"store", "handlers", "audit", "bus", "feedback"}


@pytest.mark.parametrize("package", LISTING, ids=lambda p: p.name)
def test_the_docstring_names_what_the_package_imports(package: Path) -> None:
    allowed = allowed_text(package)
    assert allowed is not None
    unnamed = sorted(p for p in imported(package) if not named(allowed, p))
    assert not unnamed, f"services/{package.name}/__init__.py does not name {unnamed}"
