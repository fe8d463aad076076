"""The views read an event's attributes straight from its stored JSON: exactly what the mapper's
domain event holds, for every kind of event the domain records, sealed or in clear."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic

from domain import commands as c
from domain.audit import AuditTrail
from domain.complaint import Complaint
from domain.handling import execute, file_complaint
from domain.policies.bank import (
    AT_ONCE_HOURS,
    LEADER_ON_SCENE,
    LEADERS_ON_SCENE,
    POLICE_CALL,
    REGULATOR_CLOCK,
    REGULATOR_DECISION,
)
from domain.tenant import Tenant
from services.handlers.policies import load_policy
from services.store.codec import TenantMapper, make_mapper, tenant_of
from services.store.event_state import state_reader
from services.store.personal_data import PersonalDataError
from tests.services.store.test_personal_data_fields import FakeKeys

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def every_kind_of_event() -> list[Aggregate]:
    """A tenant, its audit trail and a case that between them record every event the domain
    has, the case's through the bank policy (with the regulator's clock, which extends, and a
    day for "at once", so that an on-scene deadline is still running when handling ends and is
    cancelled)."""
    tenant = Tenant.create(
        slug=f"t-{uuid4().hex[:8]}",
        name="T",
        country="CN",
        timezone="Asia/Shanghai",
        language="zh-CN",
        policy="bank@1",
        by="admin",
        at=AT,
    )
    policy = load_policy("bank@1")
    everyone = c.Actor("clerk", frozenset(policy.roles))
    tenant.register_person(person_id="clerk", name="Li Wei", roles=["handler"], by="a", at=AT)
    tenant.issue_key(key_id="k1", person_id="clerk", roles=["handler"], secret="s", by="a", at=AT)
    tenant.revoke_key(key_id="k1", by="admin", at=AT)
    tenant.bind_policy(policy="bank@1", by="admin", at=AT)
    options = {REGULATOR_CLOCK: True, AT_ONCE_HOURS: 24}
    tenant.set_policy_options(options=options, by="admin", at=AT)
    tenant.adjust_calendar(
        extra_closures=[date(2026, 3, 9)], extra_working_days=[date(2026, 3, 14)], by="a", at=AT
    )
    tenant.move_calendar(country="CN", timezone="Asia/Shanghai", by="platform", at=AT)
    for unit in ("east", "west"):
        tenant.add_unit(unit_id=unit, name=unit, kind="branch", parent=None, by="a", at=AT)
    tenant.change_unit(unit_id="west", name="West", parent="east", by="a", at=AT)
    tenant.retire_unit(unit_id="west", reason="merged", by="a", at=AT)
    tenant.place_person(person_id="clerk", unit_id="east", roles=["handler"], by="a", at=AT)
    trail = AuditTrail.start(tenant.id, AT)
    trail.record_read(by="auditor", key_id=None, what="ledger", at=AT)

    filing = c.File(
        received_at=AT,
        channel="phone",
        summary="Card swallowed",
        details="The machine kept it.",
        complainant={"name": "Li Wei", "contact": "138"},
    )
    case = file_complaint(
        uuid4(), tenant.id, filing, everyone, policy, AT, tenant.calendar, options
    )
    at = AT

    def run(command: c.Command) -> None:
        nonlocal at
        at += timedelta(minutes=10)
        # C3: only the deadline watcher records a miss or sends a reminder
        watched = isinstance(command, c.MissDeadline | c.RemindDeadline | c.RecordDelivery)
        actor = c.SYSTEM if watched else everyone
        execute(case, command, actor, policy, at, tenant.calendar)

    for command in (
        c.Classify(category="ordinary"),
        c.Acknowledge(),
        c.Assign("p1", "A"),
        c.Assign("p2", "B"),
        c.HandOn("p2"),
        c.AddNote("note"),
        c.AddHandover("handover"),
        c.AttachEvidence("receipt", "r-1"),
        c.Escalate("customer insists"),
        c.ReportIncident("violence", "shouting"),
        c.RecordContact("media", "Jo", "Paper", "story"),
        c.ReplyInWriting("reply"),
        c.RecordOutcome("regulator", "bank", "opinion"),
        c.NoteFeatures({"height": "tall"}),
        c.LinkToGroup("g1"),
        c.RecordSatisfaction(4),
        c.ProposeResolution("refund", 100),
        c.RecordResponse(False, "not enough"),
        c.AssessAccountability(
            "late",
            responsible={"handler": "p1", "branch_head": "p3", "service_quality_leader": "p4"},
            shares_fen={"handler": 100, "branch_head": 50, "service_quality_leader": 0},
            consequences="the customer shouted in the lobby",
        ),
    ):
        run(command)
    kinds = {d.kind: d.deadline_id for d in case.deadlines.values()}
    assert set(kinds) == {REGULATOR_DECISION, LEADER_ON_SCENE, LEADERS_ON_SCENE, POLICE_CALL}
    for command in (
        c.ExtendDeadline(kinds[REGULATOR_DECISION], "awaiting documents", "leader"),
        c.MoveToUnit("east", "the branch where it arose"),
        c.ReversePenalty(1, "the handler was not on duty"),
    ):
        run(command)
    # the watcher's warning, once its moment has come
    at = case.deadlines[kinds[POLICE_CALL]].reminders[0][1] - timedelta(minutes=10)
    run(c.RemindDeadline(kinds[POLICE_CALL]))
    run(c.RecordDelivery("1:reply", "reply", "email", 1, sent=False, error="421", retry_at=at))
    for command in (
        c.PauseDeadline(kinds[LEADER_ON_SCENE], "customer away"),
        c.ResumeDeadline(kinds[LEADER_ON_SCENE]),
        c.MeetDeadline(kinds[LEADER_ON_SCENE]),
        c.MissDeadline(kinds[POLICE_CALL]),  # the watcher's act: its timing is not the point
        # B11: the refund is compensation, so a third party mediates before it is resolved
        c.RecordContact("mediator", "Zhou", "People's Mediation Committee", "mediate the refund"),
        c.Resolve("refunded"),  # meets the regulator's clock, cancels leaders_on_scene
        # B13: the general department's report to the originating bank, due once handled
        c.RecordContact("originating_bank", "Wu", "Originating Bank", "the event and refund"),
        c.Close("done", satisfaction=5),
        c.Reopen("customer came back"),
    ):
        run(command)
    tenant.offboard(reason="left", by="admin", at=at)
    return [tenant, trail, case]


def events_of(aggregates: list[Aggregate]) -> list[Any]:
    return [e for a in aggregates for e in a.collect_events()]


def same(a: Any, b: Any) -> bool:
    """Equal and of the same types all the way down (UUID is not its hex, nor 1 True)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


class NoDomainEvents(TenantMapper):
    """Opens sealed fields but builds no domain event: the direct path must not need one."""

    def decode(self, tenant_id: UUID, stored: StoredEvent) -> Any:
        raise AssertionError(f"{stored.topic} went through the mapper")


def read_both(
    mapper: TenantMapper, tenant_id: UUID, event: StoredEvent, direct: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The state read directly (through no domain event, unless ``direct`` is False) and the
    mapper's domain event's attributes."""
    reader = NoDomainEvents(mapper.transcoder, mapper.keys) if direct else mapper
    fast = state_reader(reader)(
        tenant_id, event.topic, event.originator_id, event.originator_version, event.state
    )
    return fast, vars(mapper.decode(tenant_id, event))


def test_the_scenario_records_every_kind_of_event_the_domain_has() -> None:
    recorded = {get_topic(type(e)) for e in events_of(every_kind_of_event())}
    # the generic Created stays unused where __init__ records its own creation event
    unused = {
        Complaint.Event,
        Complaint.Created,
        AuditTrail.Event,
        AuditTrail.Created,
        Tenant.Event,
    }
    declared = {
        get_topic(v)
        for cls in (Tenant, AuditTrail, Complaint)
        for v in vars(cls).values()
        if isinstance(v, type) and issubclass(v, cls.Event) and v not in unused
    }
    assert declared <= recorded


@pytest.mark.parametrize("sealed", [False, True], ids=["in clear", "sealed"])
def test_every_event_reads_as_the_mappers_domain_event_holds_it(sealed: bool) -> None:
    mapper = make_mapper(FakeKeys() if sealed else None)
    aggregates = every_kind_of_event()
    rows = [(tenant_of(a), e) for a in aggregates for e in a.collect_events()]
    assert rows
    for tenant_id, event in rows:
        stored_event = mapper.encode(tenant_id, event)
        fast, reference = read_both(mapper, tenant_id, stored_event)
        assert same(fast, reference), stored_event.topic


def test_erased_and_altered_personal_fields_read_as_through_the_mapper() -> None:
    keys = FakeKeys()
    mapper = make_mapper(keys)
    case = every_kind_of_event()[2]
    tenant_id = case.tenant_id
    filed = mapper.encode(tenant_id, case.collect_events()[0])
    state = json.loads(filed.state)
    state["summary"]["_enc_"]["c"] = state["details"]["_enc_"]["c"]  # moved from another field
    altered = dataclasses.replace(filed, state=json.dumps(state).encode())
    read = state_reader(mapper)
    with pytest.raises(PersonalDataError):
        read(
            tenant_id,
            altered.topic,
            altered.originator_id,
            altered.originator_version,
            altered.state,
        )
    keys.destroy(tenant_id)
    fast, reference = read_both(mapper, tenant_id, filed)
    assert same(fast, reference)
    assert fast["summary"] == "[erased]"


def synthetic(state: bytes) -> StoredEvent:
    return StoredEvent(uuid4(), 3, "domain.complaint:Complaint.NoteAdded", state)


def test_tagged_values_revive_inside_lists_and_objects() -> None:
    mapper = make_mapper()
    state = {
        "text": "n",
        "by": "x",
        "at": AT,
        "nested": {"when": [AT, date(2026, 1, 2), {"id": UUID(int=7)}], "amount": Decimal("1.10")},
        "looks_tagged": {"_type_": "datetime_iso"},
        "numbers": [1, 1.5, -0.0, 10**30, True, None],
    }
    fast, reference = read_both(mapper, uuid4(), synthetic(mapper.transcoder.encode(state)))
    assert same(fast, reference)
    assert fast["nested"]["amount"] == Decimal("1.10")


@pytest.mark.parametrize(
    "state",
    [
        b'{"text":"n","at":NaN}',  # Python's JSON reads it, msgspec does not
        b'{"text":"n","class_version":1}',  # the mapper drops it
        b'{"text":"\\ud800"}',  # a lone surrogate
    ],
)
def test_what_msgspec_reads_otherwise_goes_through_the_mapper(state: bytes) -> None:
    fast, reference = read_both(make_mapper(), uuid4(), synthetic(state), direct=False)
    assert list(fast) == list(reference)
    assert json.dumps(fast, default=str) == json.dumps(reference, default=str)


def test_a_tag_no_transcoding_names_fails_as_in_the_mapper() -> None:
    mapper = make_mapper()
    bad = synthetic(b'{"text":"n","at":{"_type_":"nope","_data_":"x"}}')
    with pytest.raises(Exception) as through_mapper:
        mapper.decode(uuid4(), bad)
    with pytest.raises(type(through_mapper.value)):
        state_reader(mapper)(uuid4(), bad.topic, bad.originator_id, 3, bad.state)


class Versioned(Aggregate):
    """An event class on its second version, with the upcaster its first version needs."""

    class Noted(Aggregate.Event):
        class_version = 2
        text: str
        source: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = "before sources were recorded"


def test_an_event_class_with_upcasters_reads_through_the_mapper() -> None:
    mapper = make_mapper()
    topic = get_topic(Versioned.Noted)
    first_version = mapper.transcoder.encode({"timestamp": AT, "text": "n"})  # no class_version
    event = StoredEvent(uuid4(), 2, topic, first_version)
    fast, reference = read_both(mapper, uuid4(), event, direct=False)
    assert same(fast, reference)
    assert fast["source"] == "before sources were recorded"
