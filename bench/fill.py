"""Filling a ledger fast: tenants and cases made by the domain, then cloned.

A few hundred template cases go through the real domain (policy ``hospital@1``: filing,
notes, acknowledgement, assignment, escalation, resolution and closing in a mix); a tenant's
cases are those templates' stored events with fresh case ids and the tenant's id written into
them, appended through ``Ledger.append`` (the chain trigger hashes every row). Cloning costs
microseconds an event where the domain costs about 30, which is what lets the scale row reach
a million events in the time a bench step has.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from eventsourcing.persistence import StoredEvent

from domain import commands as c
from domain.errors import DomainError
from domain.handling import execute, file_complaint
from domain.tenant import Tenant
from services.handlers.api_keys import new_key
from services.handlers.policies import load_policy
from services.store.codec import make_mapper
from services.store.ledger import Ledger

POLICY = "hospital@1"
# The roles the bench's keys carry: the ones a hospital filing notifies (rule H4) and more.
ROLES = ("department_head", "head_nurse", "medical_affairs", "nurse")
FAN_OUT_ROLE = "medical_affairs"
START = datetime(2026, 3, 2, 9, tzinfo=UTC)
MAPPER = make_mapper()


@dataclass(frozen=True)
class BenchTenant:
    id: UUID
    slug: str
    key: str  # a clerk's key with ROLES


def new_tenant(slug: str, at: datetime = START) -> tuple[BenchTenant, list[StoredEvent]]:
    """A hospital tenant with a clerk and the clerk's key, as stored events to append."""
    tenant = Tenant.create(
        slug=slug,
        name=slug,
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy=POLICY,
        by="bench",
        at=at,
    )
    tenant.register_person(person_id="clerk", name="Clerk", roles=list(ROLES), by="bench", at=at)
    key_id, secret, key = new_key(tenant.id)
    tenant.issue_key(
        key_id=key_id, person_id="clerk", roles=list(ROLES), secret=secret, by="bench", at=at
    )
    events = [MAPPER.to_stored_event(e) for e in tenant.collect_events()]
    return BenchTenant(tenant.id, slug, key), events


def template_cases(count: int, at: datetime = START) -> tuple[UUID, list[list[StoredEvent]]]:
    """``count`` cases of one template tenant, each as its stored events."""
    tenant = Tenant.create(
        slug="bench-template",
        name="template",
        country="CN",
        timezone="Asia/Shanghai",
        language="en",
        policy=POLICY,
        by="bench",
        at=at,
    )
    policy, calendar = load_policy(POLICY), tenant.calendar
    clerk = c.Actor("clerk", frozenset(policy.roles))
    cases = []
    for n in range(count):
        when = at + timedelta(minutes=n)
        filing = c.File(
            received_at=when,
            channel="phone",
            summary=f"case {n}: dressing changed late on ward {n % 17}",
            category="medical_dispute",
            complainant={"name": "Li Wei", "contact": "138"},
        )
        case = file_complaint(uuid4(), tenant.id, filing, clerk, policy, when, calendar)
        for step, command in enumerate(steps(n)):
            try:
                execute(case, command, clerk, policy, when + timedelta(hours=step + 1), calendar)
            except DomainError:
                break
        cases.append([MAPPER.to_stored_event(e) for e in case.collect_events()])
    return tenant.id, cases


def steps(n: int) -> list[c.Command]:
    """A mix: most cases stay open, a quarter are resolved and closed, some escalate."""
    done: list[c.Command] = []
    if n % 2 == 0:
        done.append(c.AddNote(f"called back, note {n}"))
    if n % 3 == 0:
        done += [c.Acknowledge(), c.Assign("dr.zhang")]
    if n % 5 == 0:
        done += [c.ProposeResolution("apology"), c.RecordResponse(False), c.Escalate("declined")]
    elif n % 4 == 0:
        done += [
            c.ProposeResolution("apology"),
            c.RecordResponse(True),
            c.Resolve("apologised"),
            c.Close(),
        ]
    return done


def clone(case: Sequence[StoredEvent], template: UUID, tenant: UUID) -> list[StoredEvent]:
    """The case's events under a fresh case id, with the tenant's id where the template's was."""
    case_id = uuid4()
    old, new = template.hex.encode(), tenant.hex.encode()
    return [
        StoredEvent(case_id, e.originator_version, e.topic, e.state.replace(old, new)) for e in case
    ]


def cloned_events(
    cases: Sequence[Sequence[StoredEvent]], template: UUID, tenant: UUID, events: int
) -> list[StoredEvent]:
    """Whole cloned cases, cycling through the templates, as many as fit in ``events`` (the
    smallest one if none fits)."""
    out: list[StoredEvent] = []
    n = misses = 0
    while misses < len(cases):
        case = cases[n % len(cases)]
        n += 1
        if len(out) + len(case) > events:
            misses += 1
            continue
        out += clone(case, template, tenant)
        misses = 0
    return out or clone(min(cases, key=len), template, tenant)


def batches(items: Sequence[StoredEvent], size: int) -> Iterator[Sequence[StoredEvent]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def append_all(ledger: Ledger, tenant_id: UUID, events: Sequence[StoredEvent]) -> None:
    for batch in batches(events, 2000):
        await ledger.append(tenant_id, batch)
