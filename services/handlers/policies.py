"""Find a policy by ``name@version``: built-ins first, then the ``complaints.policies`` group.

An installed package registers ``name@version = module:PolicyClass`` (or ``name = ...`` for
version 1) under the entry-point group, and a tenant binds to it without touching the core.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from domain.errors import UnknownPolicy
from domain.policies import BUILTIN
from domain.policy import Policy

GROUP = "complaints.policies"
log = logging.getLogger(__name__)


def parse_ref(ref: str) -> tuple[str, int]:
    name, _, version = ref.partition("@")
    if not name or not (version or "1").isdigit():
        raise UnknownPolicy(f"policy must be written name@version, got {ref!r}")
    return name, int(version or 1)


@cache
def available() -> dict[str, type]:
    found: dict[str, type] = {}
    for ep in entry_points(group=GROUP):
        try:
            cls = ep.load()
        except Exception:
            # One broken plug-in must not take the built-ins and other tenants down with it.
            log.exception("policy plug-in %s (%s) failed to load; skipped", ep.name, ep.value)
            continue
        if not isinstance(getattr(cls, "name", None), str) or not callable(
            getattr(cls, "decide", None)
        ):
            log.error("policy plug-in %s is not a policy class; skipped", ep.name)
            continue
        found[f"{cls.name}@{cls.version}"] = cls
    found.update({f"{cls.name}@{cls.version}": cls for cls in BUILTIN})
    return found


@cache
def load_policy(ref: str) -> Policy:
    name, version = parse_ref(ref)
    cls = available().get(f"{name}@{version}")
    if cls is None:
        raise UnknownPolicy(f"no policy {name}@{version}; installed: {sorted(available())}")
    return cls()
