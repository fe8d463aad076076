"""Who may note and read identifying features (B9) and who speaks for the bank (B10, C6)."""

from __future__ import annotations

import pytest
from bank_support import (
    BRANCH_HEAD,
    CONTACT,
    GENERAL,
    GUARD,
    HANDLER,
    LEADER,
    LOBBY,
    POLICY,
    PRESIDENT,
    VICE,
    drain,
    file,
    named,
    notified,
    run,
)

from domain import commands as c
from domain.errors import Refused

pytestmark = pytest.mark.domain

FEATURES = {"height": "about 180 cm", "build": "heavy", "face": "mole left cheek"}


@pytest.mark.parametrize("noter", [GUARD, PRESIDENT, VICE, LEADER], ids=lambda a: a.person)
def test_B9_security_and_leadership_may_note_identifying_features(noter: c.Actor) -> None:
    case = file(category="serious_agitation")
    run(case, c.NoteFeatures(FEATURES), noter)
    assert case.restricted == FEATURES


@pytest.mark.parametrize(
    "noter", [LOBBY, BRANCH_HEAD, HANDLER, GENERAL, CONTACT], ids=lambda a: a.person
)
def test_B9_features_restricted_to_security_and_leadership(noter: c.Actor) -> None:
    case = file(category="serious_agitation")
    with pytest.raises(Refused) as refusal:
        run(case, c.NoteFeatures(FEATURES), noter)
    assert refusal.value.rule == "B9"
    assert case.restricted == {}


def test_B9_only_security_and_leadership_can_read_the_features() -> None:
    case = file(category="serious_agitation")
    run(case, c.NoteFeatures(FEATURES), GUARD)
    for reader in (GUARD, PRESIDENT, VICE, LEADER):
        assert POLICY.can_see_restricted(reader)
        assert POLICY.visible_fields(case, reader) == FEATURES
    for outsider in (LOBBY, BRANCH_HEAD, HANDLER, GENERAL, CONTACT):
        assert not POLICY.can_see_restricted(outsider)
        assert POLICY.visible_fields(case, outsider) == {}


@pytest.mark.parametrize(
    "writer", [LOBBY, BRANCH_HEAD, HANDLER, PRESIDENT, LEADER], ids=lambda a: a.person
)
def test_B10_written_reply_refused_unless_general_department(writer: c.Actor) -> None:
    case = file()
    with pytest.raises(Refused) as refusal:
        run(case, c.ReplyInWriting("Dear customer, ..."), writer)
    assert refusal.value.rule == "B10"
    assert case.written_replies == []


def test_C6_general_department_alone_answers_in_writing() -> None:
    case = file()
    run(case, c.ReplyInWriting("statement of the facts"), GENERAL)
    assert [reply["by"] for reply in case.written_replies] == ["general.chen"]


def test_B10_media_are_referred_to_the_general_department() -> None:
    case = file(category="business_disruption")
    drain(case)
    run(case, c.RecordContact("media", "reporter", "Bijie Daily", "interview"), LOBBY)
    events = drain(case)
    assert named(events, "ExternalContactRecorded")
    assert notified(events, "B10") == {"general_department"}


def test_B10_non_media_contact_needs_no_statement() -> None:
    case = file()
    drain(case)
    run(case, c.RecordContact("government", "officer", "county office", "inquiry"), LOBBY)
    assert not notified(drain(case), "B10")
