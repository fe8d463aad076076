"""Defaults a tenant policy builds on: a ladder, intake and incident routing, permissions.

A concrete policy sets the class attributes and overrides the hooks whose rules differ; the
table :attr:`BasePolicy.hooks` says which hook decides which command. Hooks return a
:class:`Decision`; a refusal raises :class:`Refused`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, ClassVar, Self

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, Deadline
from domain.errors import InvalidTransition, Refused
from domain.policy import (
    CancelDeadlineEffect,
    Decision,
    EscalateTo,
    InvalidPolicyOption,
    MeetDeadlineEffect,
    MissDeadlineEffect,
    Notify,
    PolicyOption,
    RecordIncident,
    ResolveCase,
    Rung,
    SetClassification,
    check_options,
)
from domain.reminders import (
    DEFAULT_REMINDERS,
    InvalidReminders,
    Reminder,
    reminder_options,
    reminders_from,
)
from domain.restricted import UNRESTRICTED, RestrictionTable

EMPTY: Mapping = MappingProxyType({})
REMINDERS = "reminders"


def check_reminders(value: Any) -> None:
    try:
        reminders_from(value)
    except InvalidReminders as wrong:
        raise InvalidPolicyOption(f"{REMINDERS}{wrong.where}", wrong.reason) from None


# C3: every policy's warnings before a deadline, which a tenant may replace with its own
REMINDERS_OPTION = PolicyOption(
    default=reminder_options(DEFAULT_REMINDERS),
    description="the warnings before every deadline, each {name, fraction} (a share of its "
    "time gone, between 0 and 1) or {name, hours_before} (hours left), in the deadline's own "
    "time: a working-day deadline counts the working hours of working days only",
    rule="C3",
    check=check_reminders,
)
OPTIONS_OF_EVERY_POLICY: Mapping[str, PolicyOption] = MappingProxyType(
    {REMINDERS: REMINDERS_OPTION}
)


class UnknownCategory(InvalidTransition):
    pass


class BasePolicy:
    name: ClassVar[str]
    version: ClassVar[int] = 1
    roles: ClassVar[Mapping[str, str]] = EMPTY
    ladder: ClassVar[tuple[Rung, ...]] = ()
    categories: ClassVar[Mapping[str, int]] = EMPTY  # category -> starting level
    intake_roles: ClassVar[tuple[str, ...]] = ()
    incident_roles: ClassVar[tuple[str, ...]] = ()
    # action -> roles allowed to perform it; an action not listed is open to any staff role
    permissions: ClassVar[Mapping[str, frozenset[str]]] = EMPTY
    # action -> (rule ID, message) given when the caller lacks the roles
    refusals: ClassVar[Mapping[str, tuple[str, str]]] = EMPTY
    # (rule ID, deadline, who holds it): read only by the generated docs, never by decisions
    documented_deadlines: ClassVar[tuple[tuple[str, str, str], ...]] = ()
    # name -> option a tenant may set (``PUT /v1/tenant/policy-options``): the reminders by
    # default; a policy declaring more adds its own to OPTIONS_OF_EVERY_POLICY
    declared_options: ClassVar[Mapping[str, PolicyOption]] = OPTIONS_OF_EVERY_POLICY
    # (event or the case's state, field) -> the roles that alone may read it; every read
    # path withholds it from other readers (domain/restricted.py). Nothing by default.
    restricted: ClassVar[RestrictionTable] = UNRESTRICTED
    # C3: deadline kind -> the roles that may mark it met (MeetDeadline, or the act that
    # delivers it); a kind not listed is marked met by the roles it was set for. Only the
    # deadline watcher, the system actor, records a missed deadline: no table changes that.
    deadline_met_by: ClassVar[Mapping[str, frozenset[str]]] = EMPTY
    # The roles this procedure means per unit (domain/units.py): told of, seeing and acting
    # on the cases of the units where they are held. Every other role is the tenant's.
    unit_roles: ClassVar[frozenset[str]] = frozenset()
    # C3: the warnings before every deadline (domain/reminders.py) unless the tenant names
    # its own: half the time gone and one hour left, in the deadline's own time (a
    # working-day deadline counts only the working hours of working days)
    default_reminders: ClassVar[tuple[Reminder, ...]] = DEFAULT_REMINDERS
    # C4, H6, S10: what the complainant does: file their complaint (public intake), and on
    # it accept or decline the answer they were given, add written materials, answer the
    # follow-up visit. Nothing else.
    complainant_actions: ClassVar[frozenset[str]] = frozenset(
        {
            c.File.action,
            c.RecordResponse.action,
            c.AttachEvidence.action,
            c.RecordSatisfaction.action,
        }
    )
    # the messages the organisation sends the complainant (services/feedback): its written
    # replies and the closing feedback; a policy that visits afterwards adds "follow-up" (S10)
    feedback_steps: ClassVar[frozenset[str]] = frozenset({"reply", "closing"})
    # command -> the name of the hook that decides it, looked up on the policy: a subclass
    # overrides a hook by defining the method, and a hook a policy does not define decides
    # nothing. A policy with commands of its own extends it (``BasePolicy.hooks | {...}``).
    # MissDeadline has none: execute() calls on_deadline_missed itself once the miss is
    # recorded, with the missed deadline rather than the command.
    hooks: ClassVar[Mapping[type[c.Command], str]] = MappingProxyType(
        {
            c.File: "on_file",
            c.Classify: "on_classify",
            c.Acknowledge: "on_acknowledge",
            c.Assign: "on_assign",
            c.HandOn: "on_hand_on",
            c.Escalate: "on_escalate",
            c.AddNote: "on_notes",
            c.AddHandover: "on_handovers",
            c.AttachEvidence: "on_evidence",
            c.ProposeResolution: "on_propose_resolution",
            c.RecordResponse: "on_complainant_response",
            c.Resolve: "on_resolve",
            c.Close: "on_close",
            c.Reopen: "on_reopen",
            c.ReportIncident: "on_incidents",
            c.RecordContact: "on_contacts",
            c.ReplyInWriting: "on_written_replies",
            c.RecordOutcome: "on_outcomes",
            c.NoteFeatures: "on_identifying_features",
            c.LinkToGroup: "on_group",
            c.MoveToUnit: "on_move",
            c.ReversePenalty: "on_penalty_reversals",
            c.RemindDeadline: "on_deadline_reminders",
            c.RecordDelivery: "on_deliveries",
            c.RecordSatisfaction: "on_satisfaction",
            c.AssessAccountability: "on_accountability",
            c.MeetDeadline: "on_deadline_met",
            c.PauseDeadline: "on_deadline_paused",
            c.ResumeDeadline: "on_deadline_resumed",
            c.ExtendDeadline: "on_deadline_extended",
        }
    )

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        self.options: Mapping[str, Any] = MappingProxyType(
            check_options(self.declared_options, options or {})
        )
        # the policy's own unless the tenant named some: the declared default is the base's
        chosen = (options or {}).get(REMINDERS)
        self.reminders: tuple[Reminder, ...] = (
            self.default_reminders if chosen is None else reminders_from(chosen)
        )

    def with_options(self, options: Mapping[str, Any]) -> Self:
        """The same procedure with these options in force (the defaults for the rest)."""
        return type(self)(options)

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def decide(
        self,
        case: Complaint | None,
        command: c.Command,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        self.check_permitted(command, actor)
        self.check_deadline_actor(case, command, actor)
        hook = self.hook_for(command)
        if hook is None:
            return Decision()
        return hook(case, command, actor, now, calendar)

    def hook_for(self, command: c.Command) -> Callable[..., Decision] | None:
        """This policy's hook for ``command`` as :attr:`hooks` names it, or None."""
        kinds = type(command).__mro__  # a command's subclass is decided as the command
        name = next((self.hooks[kind] for kind in kinds if kind in self.hooks), None)
        return None if name is None else getattr(self, name, None)

    def check_permitted(self, command: c.Command, actor: c.Actor) -> None:
        if c.COMPLAINANT_ROLE in actor.roles:
            if command.action in self.complainant_actions:
                return
            raise Refused("C4", "the complainant answers, adds materials and rates the follow-up")
        allowed = self.permissions.get(command.action)
        if allowed is None or actor.holds(allowed | {"system"}):
            return
        rule, message = self.refusals.get(
            command.action, ("C2", f"{command.action} needs one of {sorted(allowed)}")
        )
        raise Refused(rule, message)

    # --- C3: who ends a deadline ------------------------------------------------------------

    def roles_marking_met(self, deadline: Deadline) -> frozenset[str]:
        return self.deadline_met_by.get(deadline.kind, frozenset(deadline.roles))

    def may_mark_met(self, deadline: Deadline, actor: c.Actor) -> bool:
        """Whether ``actor`` may say ``deadline``'s work is done (C3)."""
        return actor.holds(self.roles_marking_met(deadline))

    def check_deadline_actor(
        self, case: Complaint | None, command: c.Command, actor: c.Actor
    ) -> None:
        if isinstance(command, c.MissDeadline) and actor != c.SYSTEM:
            raise Refused("C3", "only the deadline watcher records a missed deadline")
        if isinstance(command, c.RemindDeadline) and actor != c.SYSTEM:
            raise Refused("C3", "only the deadline watcher sends a deadline's reminders")
        if isinstance(command, c.RecordDelivery) and actor != c.SYSTEM:
            raise Refused("C1", "a delivery is recorded by the feedback sender that made it")
        if not isinstance(command, c.MeetDeadline) or case is None:
            return
        held = case.deadlines.get(command.deadline_id)
        if held is not None and not self.may_mark_met(held, actor):
            allowed = sorted(self.roles_marking_met(held))
            raise Refused(held.rule, f"{held.kind} is marked met by one of {allowed}")

    def rung(self, level: int) -> Rung:
        return self.ladder[level]

    def classification(self, category: str, reason: str, rule: str = "C2") -> SetClassification:
        if category not in self.categories:
            raise UnknownCategory(
                f"unknown category {category!r}; one of {sorted(self.categories)}"
            )
        rung = self.rung(self.categories[category])
        return SetClassification(category, rung.level, rung.name, reason, rule)

    # --- default hooks ------------------------------------------------------------------

    def on_file(
        self,
        case: None,
        command: c.File,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        effects: list = [Notify(self.intake_roles, "complaint received", "C2")]
        if command.category:
            effects.append(self.classification(command.category, "classified at intake"))
        return Decision(tuple(effects))

    def on_move(
        self,
        case: Complaint,
        command: c.MoveToUnit,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        """The unit the case moved to is told, as its rung's holders (or intake's) would
        have been had it been filed there."""
        roles = self.rung(case.level).roles if self.ladder else ()
        roles = roles or self.intake_roles
        rule = self.refusals.get("move", ("C2", ""))[0]
        return Decision((Notify(roles, f"case moved here: {command.reason}", rule),))

    def on_classify(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return Decision((self.classification(command.category, command.reason),))

    def on_escalate(
        self,
        case: Complaint,
        command: c.Escalate,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if case.level + 1 >= len(self.ladder):
            raise InvalidTransition("the case is already at the top rung of the ladder")
        rung = self.rung(case.level + 1)
        return Decision((EscalateTo(rung.level, rung.name, command.reason, "C2", rung.roles),))

    def on_incidents(
        self,
        case: Complaint,
        command: c.ReportIncident,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        incident = RecordIncident(
            command.kind, command.description, command.police_called, self.incident_roles, "C5"
        )
        return Decision((incident,))

    def on_complainant_response(
        self,
        case: Complaint,
        command: c.RecordResponse,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        if not command.accepted:
            return Decision()
        # C4: acceptance ends handling; the work still pending was not done, so not met.
        ended = cancel_deadlines(case, now, "complainant accepted", "C4", self, calendar)
        return ended + Decision((ResolveCase("accepted by the complainant"),))

    def on_resolve(
        self,
        case: Complaint,
        command: c.Resolve,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return settle_deadlines(case, now, self, calendar)

    def on_close(
        self,
        case: Complaint,
        command: c.Close,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        return settle_deadlines(case, now, self, calendar)

    def on_deadline_extended(
        self,
        case: Complaint,
        command: c.ExtendDeadline,
        actor: c.Actor,
        now: datetime,
        calendar: WorkingCalendar,
    ) -> Decision:
        # C3: deadlines are the policy's; only a policy that says how may move one later.
        raise Refused("C3", f"the {self.ref} procedure allows no extension of its deadlines")

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision:
        return Decision(
            (Notify(deadline.roles, f"deadline {deadline.kind} missed", deadline.rule),)
        )


def settle_deadlines(
    case: Complaint,
    now: datetime,
    policy: BasePolicy | None = None,
    calendar: WorkingCalendar | None = None,
) -> Decision:
    """End every pending deadline when handling ends: met if still in time, else missed. Given
    the policy, a late one carries the consequences a watcher's miss would have had (C3)."""
    decision = Decision()
    for held in case.deadlines.values():
        if not held.is_pending:
            continue
        if now <= held.due_at:
            decision += Decision((MeetDeadlineEffect(held.deadline_id),))
            continue
        decision += Decision((MissDeadlineEffect(held.deadline_id),))
        if policy is not None and calendar is not None:
            decision += policy.on_deadline_missed(case, held, now, calendar)
    return decision


def cancel_deadlines(
    case: Complaint,
    now: datetime,
    reason: str,
    rule: str,
    policy: BasePolicy | None = None,
    calendar: WorkingCalendar | None = None,
    keep: frozenset[str] = frozenset(),
) -> Decision:
    """End every pending deadline (but those in ``keep``) whose work is no longer wanted:
    cancelled, with ``reason``, if still in time; missed if already late, with the
    consequences a watcher's miss would have had when the policy is given (C3)."""
    decision = Decision()
    for held in case.deadlines.values():
        if not held.is_pending or held.deadline_id in keep:
            continue
        if now <= held.due_at:
            decision += Decision((CancelDeadlineEffect(held.deadline_id, reason, rule),))
            continue
        decision += Decision((MissDeadlineEffect(held.deadline_id),))
        if policy is not None and calendar is not None:
            decision += policy.on_deadline_missed(case, held, now, calendar)
    return decision
