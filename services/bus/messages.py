"""What the relay publishes: which roles a recorded event goes to, and the CloudEvent it sends.

The routing is in the recorded events themselves: the tenant's policy decided who is told
when the event was written, so the relay reads that decision and never asks a policy again.
What each role's copy may carry is the policy's declaration (its ``restricted`` table, B9):
a copy withholds what the role may not read, as every read path does (domain/restricted.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from domain.policies import BUILTIN
from domain.restricted import redact, restricted_to, withheld
from projections.changes import Envelope
from services.clock import rfc3339

CONTENT_TYPE = "application/cloudevents+json"
# Which field of which event names the roles that must act.
ROUTING: Mapping[str, str] = {
    "Escalated": "notify",
    "IncidentReported": "notify",
    "RolesNotified": "roles",
    "DeadlineStarted": "roles",
    "PenaltyAssessed": "target_role",
}
# The event's fields every message carries (the case's summary comes from its Filed event).
COMMON = ("to_level", "due_at", "reason", "rule", "policy", "by")
# The event's own facts a reader needs to act, beyond the common ones.
DETAILS: Mapping[str, tuple[str, ...]] = {
    "Escalated": ("to_level", "rung"),
    "IncidentReported": ("kind", "description", "police_called"),
    "RolesNotified": (),
    "DeadlineStarted": ("deadline_id", "kind"),
    "PenaltyAssessed": ("target_role", "person", "amount_fen", "performance"),
}


def routes(event: Envelope) -> tuple[str, ...]:
    """The roles an event goes to, in the order the policy named them, each once."""
    field = ROUTING.get(event.name) if event.aggregate == "Complaint" else None
    if field is None:
        return ()
    named = event.data.get(field) or ()
    return tuple(dict.fromkeys([named] if isinstance(named, str) else named))


@dataclass(frozen=True)
class CaseContext:
    """What the case looked like when the event was recorded, and the policy it is under."""

    summary: str
    level: int
    policy: str = ""  # name@version, as its Filed event recorded it


class UnknownPolicy:
    """A case under a policy this process cannot load: what it restricts is not known, so a
    copy says which event of which case went to whom, and nothing of what it says."""

    restricted = restricted_to(
        frozenset(),
        "",  # no rule: nothing is known of the policy
        ("Filed", "summary"),
        *((name, field) for name, fields in DETAILS.items() for field in (*COMMON, *fields)),
    )


BUILTIN_POLICIES: Mapping[str, type] = {f"{cls.name}@{cls.version}": cls for cls in BUILTIN}


def builtin_policy(ref: str) -> object:
    """The built-in policy ``ref`` names; a plug-in's reads as :class:`UnknownPolicy` unless
    the relay is given the service's own lookup."""
    found = BUILTIN_POLICIES.get(ref)
    return UnknownPolicy() if found is None else found()


def cloud_event(
    event: Envelope,
    role: str,
    roles: tuple[str, ...],
    case: CaseContext,
    policy: object = None,
) -> bytes:
    """A CloudEvents 1.0 structured-mode JSON body for one role's copy of an event, with
    what ``policy`` restricts to other roles withheld (B9); no policy, nothing withheld."""
    reader = (role,)
    data = redact(policy, event.name, event.data, reader)
    summary = redact(policy, "Filed", {"summary": case.summary}, reader)["summary"]
    carried = {*COMMON, *DETAILS[event.name]}
    body: dict[str, Any] = {
        "specversion": "1.0",
        "id": f"{event.tenant_id.hex}:{event.seq}:{role}",
        "source": f"/tenants/{event.tenant_id.hex}/complaints/{event.originator_id}",
        "type": f"complaints.case.{event.name}",
        "subject": str(event.originator_id),
        "time": rfc3339(event.recorded_at),
        "datacontenttype": "application/json",
        "data": {
            "tenant": event.tenant_id.hex,
            "case_id": str(event.originator_id),
            "seq": event.seq,
            "event": event.name,
            "role": role,
            "roles": list(roles),
            "level": data.get("to_level", case.level),
            "summary": summary,
            "due_at": rfc3339(data["due_at"]) if data.get("due_at") else None,
            "reason": data.get("reason"),
            "rule": data.get("rule"),
            "policy": data.get("policy"),
            "by": data.get("by"),
            "at": rfc3339(event.at),
            "details": {name: data.get(name) for name in DETAILS[event.name]},
            # what this role's copy leaves empty, the case's summary included
            "withheld": [
                *(f for f in withheld(policy, "Filed", reader) if f == "summary"),
                *(f for f in withheld(policy, event.name, reader) if f in carried),
            ],
        },
    }
    return msgspec.json.encode(body)
