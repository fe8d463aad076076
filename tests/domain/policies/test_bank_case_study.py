"""Closed cases as anonymised training material (B14)."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    GUARD,
    PRESIDENT,
    drain,
    file,
    later,
    mediated,
    report,
    run,
    with_handlers,
)

from domain import commands as c
from domain.complaint import Complaint
from domain.errors import InvalidTransition
from domain.policies.bank import case_study

pytestmark = pytest.mark.domain

NAME = "张伟"
PHONE = "13800001111"
TELLER = "teller.gao"


def closed_incident_case() -> Complaint:
    case = file(
        summary=f"{NAME} shouted that the loan officer lied",
        details=f"call {PHONE}",
        complainant={"name": NAME, "phone": PHONE, "id_card": "520000199001011234"},
    )
    with_handlers(case)
    pushed = c.ReportIncident("attack_on_staff", f"{NAME} pushed the teller", police_called=True)
    run(case, pushed, GUARD)
    run(case, c.NoteFeatures({"face": "scar over right eyebrow"}), GUARD)
    run(case, c.RecordContact("media", "李记者", "Bijie Daily", "interview"), BRANCH_HEAD)
    apology = f"refund {NAME} the fee; {TELLER} apologises"
    offer = c.ProposeResolution(apology, compensation_fen=3_000)
    run(case, offer, BRANCH_HEAD)
    blame = c.AssessAccountability(
        "rude refusal",
        responsible={
            "handler": TELLER,
            "branch_head": "head.wang",
            "service_quality_leader": "leader.sun",
        },
        shares_fen={"handler": 10_000, "branch_head": 5_000, "service_quality_leader": 0},
        consequences="a teller pushed",
    )
    run(case, blame, PRESIDENT)
    mediated(case)
    run(case, c.RecordResponse(accepted=True, text=f"{NAME} accepts"), BRANCH_HEAD, later(hours=5))
    report(case, later(days=1))
    run(case, c.Close("accepted"), BRANCH_HEAD, later(days=1))
    drain(case)
    return case


def test_B14_case_study_has_no_customer_identity_or_restricted_features() -> None:
    study = case_study(closed_incident_case())
    text = repr(study)
    # B14: no staff names either, those held accountable (B6) included
    secrets = (NAME, PHONE, "520000199001011234", "scar", "李记者", "handler.liu", TELLER)
    for secret in secrets:
        assert secret not in text
    assert "[redacted] shouted" in study["summary"]


def test_B14_case_study_keeps_what_training_needs() -> None:
    study = case_study(closed_incident_case())
    assert (study["category"], study["level_reached"]) == ("ordinary", 3)
    assert study["incidents"] == [{"kind": "attack_on_staff", "police_called": True}]
    assert study["proposals"][0]["compensation_fen"] == 3_000
    assert "third_party_mediation" in study["flags"]
    assert {"kind": "originating_bank_report", "rule": "B13", "state": "met"} in study["deadlines"]


def test_B14_only_a_closed_case_becomes_a_case_study() -> None:
    with pytest.raises(InvalidTransition):
        case_study(file())
