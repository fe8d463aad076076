"""B14: a closed case as anonymised training material, with every identifying string redacted."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from domain.complaint import Complaint, Status
from domain.errors import InvalidTransition

REDACTED = "[redacted]"


def case_study(case: Complaint) -> dict[str, Any]:
    """A closed case as training material: no customer identity, contacts, staff names or
    restricted features (B14)."""
    if case.status is not Status.CLOSED:
        raise InvalidTransition("B14: only a closed case becomes a case study")
    redact = _redactor(case)
    return {
        "policy": case.policy,
        "category": case.category,
        "level_reached": case.level,
        "rung": case.rung,
        "channel": case.channel,
        "summary": redact(case.summary),
        "flags": list(case.flags),
        "group_complaint": case.group is not None,
        "incidents": [
            {"kind": i["kind"], "police_called": i["police_called"]} for i in case.incidents
        ],
        "proposals": [
            {"text": redact(p["text"]), "compensation_fen": p["compensation_fen"]}
            for p in case.proposals
        ],
        "responses": [{"accepted": r["accepted"]} for r in case.responses],
        "resolution": redact(case.resolution or ""),
        "deadlines": [
            {"kind": d.kind, "rule": d.rule, "state": str(d.state)} for d in case.deadlines.values()
        ],
        "accountability": [
            {"target_role": p["target_role"], "rule": p["rule"]} for p in case.penalties
        ],
        "reopened": case.reopen_count,
    }


def _redactor(case: Complaint) -> Callable[[str], str]:
    secrets = sorted(_identifying_strings(case), key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    return redact


def _identifying_strings(case: Complaint) -> set[str]:
    """Every string that could name a person on the case: customer, staff, contacts, features."""
    found: set[str] = set()
    _collect(case.complainant, found)
    _collect(case.restricted, found)
    _collect([contact["name"] for contact in case.contacts], found)
    _collect(list(case.handlers.values()), found)
    _collect([penalty["person"] for penalty in case.penalties if penalty["person"]], found)
    return {text for text in found if text.strip()}


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        found.add(str(value))  # a phone or ID number given as a number
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
