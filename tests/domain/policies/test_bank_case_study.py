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
from domain.commands import SYSTEM
from domain.complaint import Complaint
from domain.errors import InvalidTransition, Refused
from domain.policies.bank import BankPolicy, case_study, may_export
from domain.policies.bank.case_studies import redact_text

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


MOBILE = "139 1234 5678"
LANDLINE = "0857-7621234"
ID_NUMBER = "52242519850312345X"
CARD = "6222 0212 3456 7890 123"
EMAIL = "zhang.wei@example.cn"
SYSTEM_FILER = c.Actor(SYSTEM.person, frozenset({"lobby_manager"}))
DIRECTORY = {"head.wang": "王行长", "handler.liu": "刘经理", "lobby.li": "李大堂"}


def closed_case_with_personal_text() -> Complaint:
    case = file(
        summary=(
            f"customer called from {LANDLINE} and {MOBILE}, ID {ID_NUMBER}, "
            f"card {CARD} swallowed; reply to {EMAIL}; 李大堂 took it"
        ),
        complainant={"name": NAME, "contact": "13800001111"},
    )
    with_handlers(case)
    mediated(case)
    offer = c.ProposeResolution(f"王行长 refunds card 6222021234567890 to {NAME}", 500)
    run(case, offer, BRANCH_HEAD)
    run(case, c.Resolve(f"刘经理 called +86 13800001111 and mailed {EMAIL}"), BRANCH_HEAD)
    run(case, c.Close("accepted"), BRANCH_HEAD, later(hours=1))
    drain(case)
    return case


def test_B14_case_study_redacts_numbers_and_emails_by_kind() -> None:
    study = case_study(closed_case_with_personal_text(), DIRECTORY)
    text = repr(study)
    for secret in (MOBILE, LANDLINE, ID_NUMBER, CARD, EMAIL, "6222021234567890", "13800001111"):
        assert secret not in text
    assert study["summary"] == (
        "customer called from [phone] and [phone], ID [id-number], "
        "card [card] swallowed; reply to [email]; [staff] took it"
    )
    assert study["proposals"][0]["text"] == "[staff] refunds card [card] to [redacted]"
    assert study["resolution"] == "[staff] called [phone] and mailed [email]"


def test_B14_case_study_redacts_the_staff_the_case_names_by_id_and_directory_name() -> None:
    study = case_study(closed_case_with_personal_text(), DIRECTORY)
    text = repr(study)
    for person in ("head.wang", "handler.liu", "lobby.li", *DIRECTORY.values()):
        assert person not in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13912345678", "[phone]"),
        ("+86-139-1234-5678", "[phone]"),
        ("(010)12345678", "[phone]"),
        ("010 12345678", "[phone]"),
        ("110105199001011234", "[id-number]"),
        ("11010519900101123x", "[id-number]"),
        ("6222021234567890", "[card]"),
        ("6222-0212-3456-7890-123", "[card]"),
        ("a.b+c@mail.example.com", "[email]"),
        ("refund 3000 yuan on 2024-09-27", "refund 3000 yuan on 2024-09-27"),
        ("case 12345", "case 12345"),
    ],
)
def test_B14_patterns_catch_each_kind_and_leave_other_numbers(text: str, expected: str) -> None:
    assert redact_text(text, {}) == expected


def test_B14_case_study_is_for_those_who_train_staff() -> None:
    trainers = BankPolicy().case_study_roles
    assert {"general_department", "service_quality_leader", "president"} <= trainers
    may_export(("lobby_manager", "general_department"), trainers)
    with pytest.raises(Refused) as refused:
        may_export(("lobby_manager", "security_guard"), trainers)
    assert refused.value.rule == "B14"


def test_B14_the_deadline_watcher_is_no_person_to_redact() -> None:
    case = file(summary="the system swallowed the card", by=SYSTEM_FILER)
    with_handlers(case)
    run(case, c.Resolve("card returned"), BRANCH_HEAD)
    run(case, c.Close("accepted"), BRANCH_HEAD, later(hours=1))
    assert case_study(case)["summary"] == "the system swallowed the card"
