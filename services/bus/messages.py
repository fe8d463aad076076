"""What the relay publishes: which roles a recorded event goes to, and the CloudEvent it sends.

The routing is in the recorded events themselves: the tenant's policy decided who is told
when the event was written, so the relay reads that decision and never asks a policy again.
What each role's copy may carry is the policy's declaration (its ``restricted`` table, B9):
a copy withholds what the role may not read, as every read path does (domain/restricted.py).
Where a copy goes is the policy's too: a role it means per unit (``unit_roles``: H4, B3, S7)
is told on the case's unit's subject, every other role on the tenant's (stream_config.py).
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
    "PenaltyReversed": "target_role",
    # C3: the roles the deadline waits on; the case's owner (S1) reads it by name
    "DeadlineReminded": "roles",
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
    "PenaltyReversed": ("penalty", "target_role", "person", "amount_fen", "performance"),
    "DeadlineReminded": ("deadline_id", "kind", "reminder", "owner"),
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
    unit_path: tuple[str, ...] = ()  # the event's unit and those above it, from the top


class UnknownPolicy:
    """A case under a policy this process cannot load: what it restricts is not known, so a
    copy says which event of which case went to whom, and nothing of what it says; and which
    roles it means per unit is not known, so every copy of a unit's case goes to the unit's
    subject, where a tenant-wide reader still gets it and no other unit's reader does."""

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


def copy_unit(event: Envelope, role: str, policy: object) -> str | None:
    """The unit whose subject the role's copy goes to, or None for the tenant's subject: the
    case's unit when the event was recorded, if the policy means the role per unit."""
    unit_id = event.data.get("unit_id")
    if unit_id is None:
        return None
    if isinstance(policy, UnknownPolicy):
        return unit_id
    return unit_id if role in getattr(policy, "unit_roles", frozenset()) else None


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
            "unit": event.data.get("unit_id"),  # the case's unit then; None: the root
            "unit_path": list(case.unit_path),  # that unit's place in the tree then
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
