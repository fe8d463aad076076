"""Personal data sealed field by field inside the event JSON, with the tenant's key.

Only the fields named in ``PERSONAL`` are sealed; status, category, levels, roles, rules and
deadlines stay in clear for projections, audits and what-if, also after offboarding. A sealed
field is stored as ``{"_enc_": {"k": key version, "n": nonce, "c": ciphertext}}`` (base64):
AES-256-GCM with a random 96-bit nonce over the field's JSON, with associated data naming the
row and field it belongs to (``Place``), so ciphertext moved to another tenant, aggregate,
version or field does not open. The ledger hashes the stored bytes, sealed fields included,
so destroying the keys changes nothing the chain covers.
"""

from __future__ import annotations

import base64
import copy
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.tenant import ERASED

MARK = "_enc_"
NONCE_BYTES = 12

# Event (as its topic names it) -> its personal fields -> what each reads as once erased.
# Who complained and how to reach them, what they and staff wrote about the case, the B9
# features, who came from outside, the names staff give groups of cases, and policy texts
# that quote them (a school's S6 notice names the journalist; a hospital's quotes the
# authority's opinion); staff names too. A satisfaction comment is the complainant's own
# words, and a failed delivery's error quotes the mail server's reply, which names the
# recipient's address.
# Procedural reasons (escalate, hand on, close, reopen, pause, extend) stay in clear: they
# explain the handling to an auditor, and staff are asked to keep identities out of them.
PERSONAL: Mapping[str, Mapping[str, Any]] = {
    "Complaint.Filed": {"summary": ERASED, "details": ERASED, "complainant": {}},
    "Complaint.NoteAdded": {"text": ERASED},
    "Complaint.HandoverAdded": {"text": ERASED},
    "Complaint.EvidenceAttached": {"description": ERASED, "reference": ERASED},
    "Complaint.ResolutionProposed": {"text": ERASED},
    "Complaint.ComplainantResponded": {"text": ERASED},
    "Complaint.Resolved": {"outcome": ERASED},
    "Complaint.IncidentReported": {"description": ERASED},
    "Complaint.RolesNotified": {"reason": ERASED},
    "Complaint.WrittenReplyGiven": {"text": ERASED},
    "Complaint.ExternalContactRecorded": {"name": ERASED},
    "Complaint.OutcomeRecorded": {"opinion": ERASED},
    "Complaint.IdentifyingFeaturesNoted": {"features": {}},
    # a group's name is the tenant's free text ("Li's family", a ward and a date)
    "Complaint.LinkedToGroup": {"group": ERASED},
    "Complaint.SatisfactionRecorded": {"comment": ERASED},
    "Complaint.FeedbackDelivery": {"error": ERASED},
    "Tenant.PersonRegistered": {"name": ERASED},
}


def personal_fields(topic: str) -> Mapping[str, Any]:
    """``domain.complaint:Complaint.Filed`` -> its personal fields and their erased values."""
    return PERSONAL.get(topic.partition(":")[2], {})


def erased(topic: str, field: str) -> Any:
    return copy.copy(personal_fields(topic).get(field, ERASED))


class PersonalDataError(Exception):
    """A sealed field that does not open with its key: altered, or moved from another row or
    field. The ledger's hash chain shows the same row as tampered with."""


@dataclass(frozen=True)
class Place:
    """Where a sealed value belongs; its associated data, so it opens nowhere else."""

    tenant_id: UUID
    originator_id: UUID
    version: int
    field: str

    def associated_data(self) -> bytes:
        return (
            f"complaints-personal/1\n{self.tenant_id}\n{self.originator_id}\n"
            f"{self.version}\n{self.field}"
        ).encode()


def seal(key: bytes, key_version: int, place: Place, plaintext: bytes) -> dict[str, Any]:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = AESGCM(key).encrypt(nonce, plaintext, place.associated_data())
    return {MARK: {"k": key_version, "n": _b64(nonce), "c": _b64(ciphertext)}}


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and MARK in value


def key_version(sealed: Mapping[str, Any]) -> int:
    try:
        return int(sealed[MARK]["k"])
    except (KeyError, TypeError, ValueError):
        return 0  # no such version: opening it fails as altered


def unseal(key: bytes | None, place: Place, sealed: Mapping[str, Any]) -> bytes | None:
    """The plaintext, with the key of the value's ``key_version``; None when the tenant's keys
    were destroyed (crypto-shredded)."""
    if key is None:
        return None
    try:
        box = sealed[MARK]
        nonce, ciphertext = base64.b64decode(box["n"]), base64.b64decode(box["c"])
        return AESGCM(key).decrypt(nonce, ciphertext, place.associated_data())
    except (InvalidTag, KeyError, TypeError, ValueError) as error:
        raise PersonalDataError(
            f"sealed {place.field} of {place.originator_id} v{place.version} (tenant "
            f"{place.tenant_id}) does not open: altered or moved"
        ) from error


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
