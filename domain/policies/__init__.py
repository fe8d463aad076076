"""The built-in tenant policies, by name and version."""

from __future__ import annotations

from domain.policy import Policy

BUILTIN: dict[str, type[Policy]] = {}
