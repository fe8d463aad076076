"""The generated part of docs/policies/<name>.md: a state diagram and tables drawn from a policy.

The block between the markers is rewritten from the policy's own data (ladder, categories,
intake and incident roles, permissions, refusals, documented deadlines) by
``complaints policies docs``; ``--check`` fails when a page no longer matches its code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import pairwise
from pathlib import Path

from domain.complaint import Status
from domain.policy import Policy, Rung
from services.handlers.policies import available, load_policy, parse_ref

START = "<!-- generated:start -->"
END = "<!-- generated:end -->"
UNSAFE = re.compile(r"[^\w .,()/-]")


class MarkerError(ValueError):
    """A page has one generated marker without the other, so the block cannot be found."""


# --- the diagram ---------------------------------------------------------------------------


def mermaid(policy: Policy) -> str:
    """A Mermaid ``stateDiagram-v2``: the ladder inside the open case, then the lifecycle."""
    open_, resolved, closed = Status.OPEN.value, Status.RESOLVED.value, Status.CLOSED.value
    lines = [
        "stateDiagram-v2",
        f"    [*] --> {open_} : {_notify('file', getattr(policy, 'intake_roles', ()))}",
        f"    state {open_} {{",
        *(f"        {line}" for line in _ladder(policy)),
        "    }",
        *(f"    {line}" for line in _incident(policy, open_)),
        f"    {open_} --> {resolved} : resolve, or the complainant accepts (C4)",
        f"    {open_} --> {closed} : close",
        f"    {resolved} --> {closed} : close",
        f"    {closed} --> {open_} : reopen (reopened)",
    ]
    return "\n".join(lines) + "\n"


def _ladder(policy: Policy) -> list[str]:
    ladder: tuple[Rung, ...] = getattr(policy, "ladder", ())
    ids = {rung.level: f"rung_{index}" for index, rung in enumerate(ladder)}
    lines: list[str] = []
    for rung in ladder:
        lines.append(f'state "{_text(f"{rung.level} {rung.name}")}" as {ids[rung.level]}')
        if rung.roles:
            lines.append(f"{ids[rung.level]} : {_roles(rung.roles)}")
    categories: Mapping[str, int] = getattr(policy, "categories", {})
    for category, level in categories.items():
        if level not in ids:
            raise ValueError(f"{policy.ref}: category {category!r} starts at no rung ({level})")
        lines.append(f"[*] --> {ids[level]} : {_text(category)}")
    for lower, upper in pairwise(ladder):
        escalate = _notify("escalate", upper.roles)
        lines.append(f"{ids[lower.level]} --> {ids[upper.level]} : {escalate}")
    return lines


def _incident(policy: Policy, open_: str) -> list[str]:
    """C5: an incident leaves the ladder for the incident roles, then handling goes on."""
    roles = _roles(getattr(policy, "incident_roles", ()))
    return [
        'state "incident (C5)" as incident',
        *([f"incident : notify {roles}"] if roles else []),
        f"{open_} --> incident : report an incident, bypassing the ladder",
        f"incident --> {open_} : handling continues",
    ]


def _roles(roles: Iterable[str]) -> str:
    return _text(", ".join(roles))


def _notify(action: str, roles: Iterable[str]) -> str:
    """``file (notify a, b)``; only the action when its roles are not data (a hook picks them)."""
    named = _roles(roles)
    return f"{action} (notify {named})" if named else action


def _text(text: str) -> str:
    """Mermaid reads ``:``, ``;``, ``#``, quotes and braces as syntax; labels keep none of them."""
    return UNSAFE.sub(" ", text).strip()


# --- the tables ----------------------------------------------------------------------------


def permissions_table(policy: Policy) -> str:
    permissions: Mapping[str, frozenset[str]] = getattr(policy, "permissions", {})
    refusals: Mapping[str, tuple[str, str]] = getattr(policy, "refusals", {})
    rows = [("action", "roles allowed", "refused under")]
    for action, roles in permissions.items():
        # The default mirrors BasePolicy.check_permitted for an action without its own refusal.
        rule, message = refusals.get(action, ("C2", f"{action} needs one of {sorted(roles)}"))
        allowed = ", ".join(f"`{role}`" for role in sorted(roles)) or "the `system` actor only"
        rows.append((f"`{action}`", allowed, f"{rule}: {message}"))
    note = "\n\nAn action not listed is open to any staff role; the `system` actor may always act."
    return _table(rows) + note


def deadlines_table(policy: Policy) -> str:
    """The deadlines the policy documents, or an empty string when it documents none."""
    deadlines: tuple[tuple[str, str, str], ...] = getattr(policy, "documented_deadlines", ())
    if not deadlines:
        return ""
    return _table([("rule", "deadline", "held by"), *deadlines])


def _table(rows: list[tuple[str, ...]]) -> str:
    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    header, *body = rows
    separator = "| " + " | ".join("---" for _ in header) + " |"
    return "\n".join([line(header), separator, *(line(row) for row in body)])


# --- the page ------------------------------------------------------------------------------


def render_section(policy: Policy) -> str:
    cls = type(policy)
    parts = [
        START,
        f"<!-- Written by `complaints policies docs` from {cls.__module__}.{cls.__qualname__};"
        " change the policy and rerun it, not this block. -->",
        "",
        f"## The procedure at a glance (`{policy.ref}`, generated)",
        "",
        "```mermaid",
        mermaid(policy).rstrip("\n"),
        "```",
        "",
        "### Who may act",
        "",
        permissions_table(policy),
    ]
    unit_roles = sorted(getattr(policy, "unit_roles", ()))
    if unit_roles:
        parts += [
            "",
            "### Roles held per unit",
            "",
            "Told of, seeing and acting on the cases of the units where they are held"
            " ([units.md](../units.md)): " + ", ".join(f"`{r}`" for r in unit_roles) + ".",
            "Every other role serves the whole organisation.",
        ]
    deadlines = deadlines_table(policy)
    if deadlines:
        parts += ["", "### Deadlines", "", deadlines]
    reminders = getattr(policy, "reminders", ())
    if reminders:
        warned = ", ".join(f"`{r.name}`" for r in reminders)
        parts += [
            "",
            f"Every deadline warns before it falls due: {warned} ([reports.md](../reports.md)).",
        ]
    return "\n".join([*parts, END])


def page(policy: Policy, current: str | None) -> str:
    """The page with its generated block replaced, inserted before the first ``##`` heading
    (after the title and intro), or, for a new page, under a title."""
    section = render_section(policy)
    if current is None:
        return f"# {policy.name.capitalize()} policy (`{policy.ref}`)\n\n{section}\n"
    start, end = current.find(START), current.find(END)
    if start != -1 and end > start:
        return current[:start] + section + current[end + len(END) :]
    if start != -1 or end != -1:
        raise MarkerError(f"{policy.name}.md: generated markers out of order or unmatched")
    heading = re.search(r"^## ", current, re.MULTILINE)
    if heading is None:
        return current.rstrip("\n") + "\n\n" + section + "\n"
    return current[: heading.start()] + section + "\n\n" + current[heading.start() :]


def documented_policies() -> list[Policy]:
    """The newest version of each installed policy, built-ins and plug-ins, by name."""
    newest: dict[str, tuple[int, str]] = {}
    for ref in available():
        name, version = parse_ref(ref)
        newest[name] = max(newest.get(name, (version, ref)), (version, ref))
    return [load_policy(ref) for _, ref in (newest[name] for name in sorted(newest))]


def sync(docs_dir: Path, policies: Iterable[Policy], *, check: bool = False) -> list[Path]:
    """Bring each policy's page up to date; return the pages that changed (or, when checking,
    would change, writing nothing)."""
    stale: list[Path] = []
    for policy in policies:
        path = docs_dir / f"{policy.name}.md"
        current = path.read_text(encoding="utf-8") if path.exists() else None
        wanted = page(policy, current)
        if wanted == current:
            continue
        stale.append(path)
        if not check:
            path.write_text(wanted, encoding="utf-8")
    return stale
