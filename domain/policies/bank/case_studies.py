"""B14: a closed case as anonymised training material, with every identifying string redacted.

Every free text the study keeps (summary, proposals, resolution) is redacted twice: first by
pattern, whatever the case recorded (a number the customer typed into the summary is as
personal as the one in the contact field), then by the strings the case itself names. Each
kind has its own placeholder, so a trainee still sees what kind of detail stood there:

- ``[phone]``: mainland mobiles (1[3-9] and 9 digits, +86 optional) and landlines with an
  area code (0xx or 0xxx, then 7 or 8 digits);
- ``[id-number]``: 18-digit resident ID numbers (the last character may be X);
- ``[card]``: bank card numbers, 16 to 19 digits, grouped by spaces or hyphens or not;
- ``[email]``: e-mail addresses;
- ``[staff]``: a person of the tenant's directory the case names (owner, filer, handlers,
  those who recorded a step, those held accountable), by id or by name;
- ``[redacted]``: anything else the case holds about a person: the complainant's name and
  contact, restricted features, external contacts' names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import Any

from domain.commands import SYSTEM
from domain.complaint import Complaint, Status
from domain.errors import DomainError, InvalidTransition, Refused

REDACTED = "[redacted]"
PHONE = "[phone]"
ID_NUMBER = "[id-number]"
CARD = "[card]"
EMAIL = "[email]"
STAFF = "[staff]"

_NOT_DIGIT_BEFORE = r"(?<![\dA-Za-z])"
_NOT_DIGIT_AFTER = r"(?![\dA-Za-z])"
# Order matters: an ID number is 18 digits, which a card pattern would also take, and a
# card's digits hold what looks like a phone number.
PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"), EMAIL),
    (
        re.compile(
            _NOT_DIGIT_BEFORE
            + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
            + _NOT_DIGIT_AFTER
        ),
        ID_NUMBER,
    ),
    (re.compile(_NOT_DIGIT_BEFORE + r"\d(?:[ -]?\d){15,18}" + _NOT_DIGIT_AFTER), CARD),
    (
        re.compile(
            r"(?:\+86[ -]?|(?<![\dA-Za-z+]))1[3-9]\d[ -]?\d{4}[ -]?\d{4}" + _NOT_DIGIT_AFTER
        ),
        PHONE,
    ),
    (
        re.compile(
            _NOT_DIGIT_BEFORE
            + r"(?:\(0\d{2,3}\)|（0\d{2,3}）|0\d{2,3})[ -]?\d{7,8}"
            + _NOT_DIGIT_AFTER
        ),
        PHONE,
    ),
)


class NoCaseStudies(DomainError):
    """The case's procedure exports no case studies: B14 is the bank's rule."""

    def __init__(self, policy: str) -> None:
        super().__init__(f"the tenant's procedure ({policy}) has no case studies (B14 is bank@1's)")
        self.policy = policy


def may_export(roles: Iterable[str], trainers: Collection[str]) -> None:
    """B14: only those who train staff take cases out as training material."""
    if not set(roles) & set(trainers):
        raise Refused(
            "B14", "case studies are for those who train staff: " + ", ".join(sorted(trainers))
        )


def case_study(case: Complaint, people: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A closed case as training material: no customer identity, contacts, staff names or
    restricted features (B14). ``people`` is the tenant's directory (person id to name):
    the names of the staff the case names are redacted too."""
    if case.status is not Status.CLOSED:
        raise InvalidTransition("B14: only a closed case becomes a case study")
    redact = _redactor(case, people or {})
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


def redact_text(text: str, known: Mapping[str, str]) -> str:
    """``text`` with every pattern's match and every known string (to its placeholder) replaced."""
    for pattern, placeholder in PATTERNS:
        text = pattern.sub(placeholder, text)
    for secret in sorted(known, key=len, reverse=True):
        text = text.replace(secret, known[secret])
    return text


def _redactor(case: Complaint, people: Mapping[str, str]) -> Callable[[str], str]:
    known = dict.fromkeys(_identifying_strings(case), REDACTED)
    for person_id in _staff_named(case):
        known[person_id] = STAFF
        if people.get(person_id, "").strip():
            known[people[person_id]] = STAFF
    known = {secret: placeholder for secret, placeholder in known.items() if secret.strip()}

    def redact(text: str) -> str:
        return redact_text(text, known)

    return redact


def _staff_named(case: Complaint) -> set[str]:
    """The person ids the case holds: who filed and owns it, its handlers, who recorded a
    step, who was held accountable."""
    found = {case.filed_by, case.owner, *case.handlers.values()}
    for steps in (case.notes, case.evidence, case.proposals, case.written_replies):
        found.update(step["by"] for step in steps if step.get("by"))
    found.update(penalty["person"] for penalty in case.penalties if penalty.get("person"))
    # the deadline watcher acts as "system", a word a summary may well contain
    return {person for person in found if isinstance(person, str) and person != SYSTEM.person}


def _identifying_strings(case: Complaint) -> set[str]:
    """Every string that could name a person on the case: customer, contacts, features."""
    found: set[str] = set()
    _collect(case.complainant, found)
    _collect(case.restricted, found)
    _collect([contact["name"] for contact in case.contacts], found)
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
