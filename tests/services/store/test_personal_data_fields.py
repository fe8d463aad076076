"""Field-level sealing of personal data, without a database: a fake key provider and the codec."""

from __future__ import annotations

import dataclasses
import json
import secrets
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import StoredEvent

from domain.acting import acting
from domain.complaint import Complaint
from domain.tenant import ERASED, Tenant
from services.store.codec import envelope_decoder, make_mapper, tenant_of
from services.store.data_keys import KeyNotFound, KeysDestroyed
from services.store.personal_data import MARK, PERSONAL, PersonalDataError

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)
TENANT = uuid4()


class FakeKeys:
    """The KeyProvider port in memory."""

    def __init__(self) -> None:
        self.keys: dict[UUID, dict[int, bytes]] = {}
        self.destroyed: set[UUID] = set()

    def current(self, tenant_id: UUID) -> tuple[int, bytes]:
        if tenant_id in self.destroyed:
            raise KeysDestroyed(str(tenant_id))
        versions = self.keys.setdefault(tenant_id, {1: secrets.token_bytes(32)})
        return max(versions), versions[max(versions)]

    def get(self, tenant_id: UUID, version: int) -> bytes | None:
        if tenant_id in self.destroyed:
            return None
        if version not in self.keys.get(tenant_id, {}):
            raise KeyNotFound(f"{tenant_id} {version}")
        return self.keys[tenant_id][version]

    def rotate(self, tenant_id: UUID) -> int:
        version = self.current(tenant_id)[0] + 1
        self.keys[tenant_id][version] = secrets.token_bytes(32)
        return version

    def destroy(self, tenant_id: UUID) -> None:
        self.destroyed.add(tenant_id)
        self.keys.pop(tenant_id, None)


def filed(tenant_id: UUID = TENANT) -> Complaint:
    return Complaint(
        tenant_id=tenant_id,
        policy="hospital@1",
        received_at=AT,
        channel="phone",
        summary="Dressing changed late",
        details="Li Wei says the nurse came two hours late.",
        complainant={"name": "Li Wei", "contact": "13800000000"},
        site=None,
        by="nurse.wang",
        at=AT,
        policy_options={},
        # eventsourcing asks every keyword of a class called directly
        unit_id=None,
        tracking=None,
        access_sha256=None,
    )


def state_of(stored: StoredEvent) -> dict[str, Any]:
    return json.loads(stored.state)


def with_state(stored: StoredEvent, state: dict[str, Any], **changes: Any) -> StoredEvent:
    moved = dataclasses.replace(stored, state=json.dumps(state).encode())
    return dataclasses.replace(moved, **changes)


def test_personal_fields_are_sealed_and_open_again_with_the_tenants_key() -> None:
    mapper = make_mapper(FakeKeys())
    stored = mapper.encode(TENANT, filed().collect_events()[0])
    assert b"Li Wei" not in stored.state and b"13800000000" not in stored.state
    assert b"Dressing" not in stored.state
    state = state_of(stored)
    assert set(state["complainant"]) == {MARK} and state["complainant"][MARK]["k"] == 1
    assert state["channel"] == "phone" and state["policy"] == "hospital@1"  # in clear
    event = mapper.decode(TENANT, stored)
    assert event.complainant == {"name": "Li Wei", "contact": "13800000000"}
    assert event.details.startswith("Li Wei says")


def test_altered_ciphertext_does_not_open() -> None:
    mapper = make_mapper(FakeKeys())
    stored = mapper.encode(TENANT, filed().collect_events()[0])
    state = state_of(stored)
    box = state["details"][MARK]
    box["c"] = ("A" if box["c"][0] != "A" else "B") + box["c"][1:]
    with pytest.raises(PersonalDataError):
        mapper.decode(TENANT, with_state(stored, state))


def test_ciphertext_moved_to_another_row_or_field_does_not_open() -> None:
    keys = FakeKeys()
    mapper = make_mapper(keys)
    case = filed()
    with acting("nurse.wang", AT):
        case.add_note(text="the son is a journalist")
    first, note = (mapper.encode(TENANT, e) for e in case.collect_events())
    name = state_of(first)["complainant"]
    # into another version of the same case
    moved = {**state_of(note), "text": name}
    with pytest.raises(PersonalDataError):
        mapper.decode(TENANT, with_state(note, moved))
    # into another field of the same row
    swapped = {**state_of(first), "details": name}
    with pytest.raises(PersonalDataError):
        mapper.decode(TENANT, with_state(first, swapped))
    # into another case of the same tenant
    with pytest.raises(PersonalDataError):
        mapper.decode(TENANT, dataclasses.replace(first, originator_id=uuid4()))
    # into another tenant's ledger, whatever key that tenant has
    other = uuid4()
    keys.keys[other] = dict(keys.keys[TENANT])
    with pytest.raises(PersonalDataError):
        mapper.decode(other, first)


def test_destroyed_keys_read_as_erased_and_the_rest_stays() -> None:
    keys = FakeKeys()
    mapper = make_mapper(keys)
    case = filed()
    with acting("guard", AT):
        case.note_features(features={"height": "1.8m", "scar": "left hand"})
    stored = [mapper.encode(TENANT, e) for e in case.collect_events()]
    keys.destroy(TENANT)
    replayed: Any = None
    for item in stored:
        replayed = mapper.decode(TENANT, item).mutate(replayed)
    assert replayed.complainant == {} and replayed.restricted == {}
    assert replayed.summary == ERASED and replayed.details == ERASED
    assert (replayed.channel, replayed.policy, replayed.status) == ("phone", "hospital@1", "open")
    with pytest.raises(KeysDestroyed):
        mapper.encode(TENANT, filed().collect_events()[0])  # closed to new writes


def test_a_rotated_key_seals_new_data_and_the_old_one_still_opens_old_data() -> None:
    keys = FakeKeys()
    mapper = make_mapper(keys)
    old = mapper.encode(TENANT, filed().collect_events()[0])
    assert keys.rotate(TENANT) == 2
    new = mapper.encode(TENANT, filed().collect_events()[0])
    assert state_of(new)["summary"][MARK]["k"] == 2
    assert mapper.decode(TENANT, old).summary == mapper.decode(TENANT, new).summary


def test_a_key_lost_without_offboarding_is_an_error_not_an_erasure() -> None:
    mapper = make_mapper(FakeKeys())
    stored = mapper.encode(TENANT, filed().collect_events()[0])
    with pytest.raises(KeyNotFound):
        make_mapper(FakeKeys()).decode(TENANT, stored)  # say, a wrong key directory


def test_rows_in_clear_still_read_and_a_keyless_mapper_leaves_sealed_fields_sealed() -> None:
    event = filed().collect_events()[0]
    clear = make_mapper().encode(TENANT, event)  # before sealing existed, or bench/
    assert b"Li Wei" in clear.state
    assert make_mapper(FakeKeys()).decode(TENANT, clear).complainant["name"] == "Li Wei"
    sealed = make_mapper(FakeKeys()).encode(TENANT, event)
    assert set(make_mapper().decode(TENANT, sealed).complainant) == {MARK}


def test_the_keyed_mapper_never_stores_personal_fields_without_a_tenant() -> None:
    with pytest.raises(TypeError):
        make_mapper(FakeKeys()).to_stored_event(filed().collect_events()[0])


def test_each_aggregate_is_sealed_with_its_own_tenants_key() -> None:
    tenant = Tenant.create(
        slug="t",
        name="T",
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy="hospital@1",
        by="p",
        at=AT,
    )
    assert tenant_of(tenant) == tenant.id
    assert tenant_of(filed()) == TENANT


@pytest.mark.parametrize("event_name", sorted(PERSONAL))
def test_every_declared_personal_field_is_a_field_of_its_event(event_name: str) -> None:
    aggregate, _, name = event_name.partition(".")
    cls = getattr({"Complaint": Complaint, "Tenant": Tenant}[aggregate], name)
    assert set(PERSONAL[event_name]) <= set(cls.__dataclass_fields__)


def satisfaction_and_failed_delivery() -> list[Any]:
    """A follow-up comment in the complainant's words, and a failed mail whose error quotes
    the server's reply, which names the address."""
    case = filed()
    with acting("reception.liu", AT):
        case.record_satisfaction(score=2, stage="follow-up", comment="Li Wei: nobody came")
        case.record_delivery(
            delivery="7:reply", step="reply", channel="email", attempt=1, sent=False,
            error="SMTPRecipientsRefused: {'li.wei@example.cn': (550, b'no such user')}",
            retry_at=AT,
        )  # fmt: skip
    return case.collect_events()[1:]


def test_a_satisfaction_comment_and_a_delivery_error_are_sealed_and_erased_with_the_keys() -> None:
    keys = FakeKeys()
    mapper = make_mapper(keys)
    satisfaction, delivery = (mapper.encode(TENANT, e) for e in satisfaction_and_failed_delivery())
    assert b"nobody came" not in satisfaction.state and b"li.wei" not in delivery.state
    assert state_of(satisfaction)["score"] == 2 and state_of(delivery)["sent"] is False
    assert mapper.decode(TENANT, satisfaction).comment == "Li Wei: nobody came"
    assert "li.wei@example.cn" in mapper.decode(TENANT, delivery).error
    keys.destroy(TENANT)
    assert mapper.decode(TENANT, satisfaction).comment == ERASED
    erased = mapper.decode(TENANT, delivery)
    assert (erased.error, erased.step, erased.attempt) == (ERASED, "reply", 1)


def test_a_comment_and_an_error_stored_in_clear_before_they_were_sealed_still_read() -> None:
    keys = FakeKeys()
    keyed = make_mapper(keys)
    clear = [make_mapper().encode(TENANT, e) for e in satisfaction_and_failed_delivery()]
    assert b"nobody came" in clear[0].state and b"li.wei" in clear[1].state
    read = [keyed.decode(TENANT, stored) for stored in clear]
    assert read[0].comment == "Li Wei: nobody came" and "li.wei" in read[1].error
    envelope = envelope_decoder(keyed)
    for stored in clear:  # the views' decoder too
        row = {
            "tenant_id": TENANT, "seq": 1, "recorded_at": AT, "topic": stored.topic,
            "originator_id": stored.originator_id, "originator_version": stored.originator_version,
            "state": stored.state,
        }  # fmt: skip
        data = envelope(row).data  # type: ignore[arg-type]
        assert "nobody came" in data.get("comment", "") or "li.wei" in data.get("error", "")
