"""The village bank's customer-complaint emergency plan (织金惠民村镇银行客户投诉应急预案), B1–B14.

Three levels: 1 handled on the spot by the branch (B3), 2 business disrupted and the leader in
charge of service quality goes to the scene (B4), 3 serious agitation, where the branch is
tasked to call the police (B5). An incident (C5) jumps straight to level 3. Every complaint has
an A and a B handler (B7); only the general department speaks in writing or to the media (B10,
C6). Compensation waits for a third-party mediator (B11); every agitation event, once handled,
is reported to the originating bank (B13).

Beyond the plan, a tenant may switch on the regulator's clock (option ``regulator_clock``):
银行业保险业消费投诉处理管理办法 (CBIRC, 2020) wants a decision told to the customer within 15
days of receipt (BR1), extendable to 30 where the case is complex (BR2), and by another 30
with the approval of senior management (BR3); never longer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline, DeadlineState
from domain.errors import InvalidTransition, Refused
from domain.policies.bank.procedure import (
    ACCOUNTABLE,
    AGITATION_CATEGORIES,
    AT_ONCE_HOURS,
    AT_ONCE_RANGE,
    CATEGORIES,
    DEADLINE_MET_BY,
    DECLARED_OPTIONS,
    DOCUMENTED_DEADLINES,
    EMERGENCY_GROUP,
    EXTENDERS,
    EXTENSIONS,
    FIRST_RESPONDERS,
    GROUP_LEADERS,
    HANDLER_SLOTS,
    INCIDENT_ROLES,
    LADDER,
    LEADER_ON_SCENE,
    LEADERS,
    LEADERS_ON_SCENE,
    LEVEL_RULE,
    MEDIATION,
    MEDIATION_WAIVERS,
    MEDIATOR,
    ORIGINATING_BANK,
    ORIGINATING_BANK_REPORT,
    PERMISSIONS,
    POLICE_CALL,
    POLICE_CALLERS,
    REFUSALS,
    REGULATOR_CLOCK,
    REGULATOR_DAYS,
    REGULATOR_DECISION,
    REGULATOR_HOLDERS,
    REPORT_DAYS,
    REPORT_READERS,
    REPORTERS,
    RESTRICTED_READERS,
    ROLES,
    TOP,
    TRAINERS,
    UNIT_ROLES,
)
from domain.policies.base import BasePolicy, cancel_deadlines
from domain.policy import (
    AssessPenalty,
    Decision,
    EscalateTo,
    ExtendDeadlineEffect,
    FlagCase,
    InvalidPolicyOption,
    MeetDeadlineEffect,
    Notify,
    RecordIncident,
    ResolveCase,
    SetClassification,
    deadline,
)
from domain.restricted import CASE, redact, restricted_to, withheld

# Ended only by their own acts (the report sent, the police called), never by a resolution.
OWN_ACT_DEADLINES = frozenset({ORIGINATING_BANK_REPORT, POLICE_CALL})


class BankPolicy(BasePolicy):
    name = "bank"
    version = 1
    roles = ROLES
    emergency_group: ClassVar[Mapping[str, str]] = EMERGENCY_GROUP  # B1
    ladder = LADDER
    categories = CATEGORIES
    intake_roles = FIRST_RESPONDERS
    incident_roles = INCIDENT_ROLES
    permissions = PERMISSIONS
    unit_roles = UNIT_ROLES
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES
    declared_options = DECLARED_OPTIONS
    deadline_met_by = DEADLINE_MET_BY
    case_study_roles = TRAINERS  # B14: who may export a closed case for training
    originating_report_roles = REPORT_READERS  # B13: who reads the originating bank's pack

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        if self.options[AT_ONCE_HOURS] not in AT_ONCE_RANGE:
            first, last = AT_ONCE_RANGE.start, AT_ONCE_RANGE.stop - 1
            raise InvalidPolicyOption(AT_ONCE_HOURS, f"must be {first} to {last} hours")

    @property
    def at_once_hours(self) -> int:
        """What the plan's "at once" (立即) gives, in hours: the tenant's reading (B4, B5)."""
        return self.options[AT_ONCE_HOURS]

    # --- B9: who may read the restricted features ----------------------------------------

    # The features as noted, and as the case holds them: every read path withholds both
    # from anyone but security and leadership.
    restricted = restricted_to(
        RESTRICTED_READERS, "B9", ("IdentifyingFeaturesNoted", "features"), (CASE, "restricted")
    )

    def can_see_restricted(self, actor: c.Actor) -> bool:
        return not withheld(self, CASE, actor.roles)

    def visible_fields(self, case: Complaint, actor: c.Actor) -> dict[str, str]:
        """The restricted features of ``case`` that ``actor`` may read (B9); empty if none."""
        return redact(self, CASE, {"restricted": dict(case.restricted)}, actor.roles)["restricted"]

    # --- intake, classification, escalation ----------------------------------------------

    def on_file(
        self, case: None, command: c.File, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        # B2/B3: the branch hears of it at once; a complaint starts on the spot at level 1
        # unless its category says otherwise.
        classification = self._classified(command.category or "ordinary", "at intake", 1)
        decision = Decision(
            (
                Notify(
                    FIRST_RESPONDERS, "complaint received: respond and handle on the spot", "B2"
                ),
                Notify(("complaint_contact",), "complaint received at a branch", "B7"),
                classification,
            )
        )
        if classification.level > 1:
            decision += self._arrive(None, classification.level, command.summary, now, cal)
        if command.public_figure:
            decision += self._public_figure()
        if self.options[REGULATOR_CLOCK]:
            decision += self._regulator_clock(command.received_at, cal)
        return decision

    # --- BR1–BR3: the regulator's clock -------------------------------------------------------

    def _regulator_clock(self, received_at: datetime, cal: WorkingCalendar) -> Decision:
        # BR1: counted from receipt, in calendar days, the day of receipt not counted.
        return Decision(
            (
                deadline(
                    REGULATOR_DECISION,
                    "BR1",
                    received_at,
                    REGULATOR_DAYS,
                    Unit.CALENDAR_DAYS,
                    cal,
                    REGULATOR_HOLDERS,
                ),
            )
        )

    def on_deadline_extended(
        self,
        case: Complaint,
        command: c.ExtendDeadline,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        held = case.deadlines.get(command.deadline_id)
        if held is None or held.kind != REGULATOR_DECISION:
            return super().on_deadline_extended(case, command, actor, now, cal)
        case.check_deadline(held.deadline_id, DeadlineState.OPEN, DeadlineState.PAUSED)
        rule, days = self.check_extension(held, command, actor, now)
        # The period grows from where it stands, so time given back by a pause is kept.
        due = cal.end_of_day(cal.local_date(held.due_at) + timedelta(days=days))
        extended = ExtendDeadlineEffect(
            held.deadline_id, due, command.reason, command.approved_by, rule
        )
        told = Notify(
            REGULATOR_HOLDERS,
            f"decision period extended to {due:%Y-%m-%d}: tell the customer why",
            rule,
        )
        return Decision((extended, told))

    def check_extension(
        self, held: Deadline, command: c.ExtendDeadline, actor: c.Actor, now: datetime
    ) -> tuple[str, int]:
        """The rule and days of the next extension, or a refusal naming the rule."""
        number = held.extensions + 1
        if number not in EXTENSIONS:
            raise Refused("BR3", "the decision period is at its limit: 60 days, no more")
        rule, days = EXTENSIONS[number]
        if not actor.holds(EXTENDERS | {"system"}):
            raise Refused(rule, "an extension is recorded by the general department or leaders")
        if now > held.due_at:
            raise Refused(rule, "the period has run out: it is extended before it ends, not after")
        if not command.reason.strip():
            raise Refused(rule, "an extension records why the case needs longer")
        if not command.approved_by.strip():
            raise Refused(rule, "an extension needs the internal approval recorded (approved_by)")
        if rule == "BR3" and not actor.holds(frozenset(GROUP_LEADERS)):
            raise Refused(rule, "the second extension is approved by senior management")
        return rule, days

    def on_classify(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # Reclassifying never lowers the level the case has already reached.
        classification = self._classified(command.category, command.reason, case.level)
        decision = Decision((classification,))
        if classification.level > case.level:
            decision += self._arrive(case, classification.level, command.reason, now, cal)
        return decision

    def on_escalate(
        self,
        case: Complaint,
        command: c.Escalate,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # B3: what exceeds the branch's authority goes up level by level, never skipping one.
        if case.level >= TOP:
            raise InvalidTransition("the case is already at level 3, the top of the ladder")
        level = case.level + 1
        rung = self.rung(level)
        escalation = EscalateTo(level, rung.name, command.reason, LEVEL_RULE[level], rung.roles)
        return Decision((escalation,)) + self._respond(case, level, command.reason, now, cal)

    def on_incidents(
        self,
        case: Complaint,
        command: c.ReportIncident,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # C5: violence or disorder bypasses the ladder and goes straight to level 3 (B5); the
        # incident says whether the police were called as the reporter says, nothing more.
        incident = RecordIncident(
            command.kind, command.description, command.police_called, self.incident_roles, "C5"
        )
        decision = Decision((incident,))
        decision += self._police(case, command.police_called, now, cal, actor)
        if case.level < TOP:
            rung = self.rung(TOP)
            reason = f"incident: {command.kind}"
            decision += Decision((EscalateTo(TOP, rung.name, reason, "C5", rung.roles),))
            decision += self._leaders_to_scene(now, cal)
        return decision

    def _classified(self, category: str, reason: str, floor: int) -> SetClassification:
        level = max(self.classification(category, reason).level, floor)
        return SetClassification(
            category, level, self.rung(level).name, reason, LEVEL_RULE.get(level, "C2")
        )

    def _arrive(
        self, case: Complaint | None, level: int, reason: str, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        """Classified straight into a level: its rung hears of it as if escalated there (C2)."""
        notify = Notify(self.rung(level).roles, reason, LEVEL_RULE[level])
        return Decision((notify,)) + self._respond(case, level, reason, now, cal)

    def _respond(
        self, case: Complaint | None, level: int, reason: str, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        """What reaching a level sets in motion beyond notifying its rung."""
        if level == 2:
            return self._leader_to_scene(now, cal)
        if level == TOP:
            # Level 3 is serious agitation: an incident, though nobody has yet said the police
            # were called.
            incident = RecordIncident("serious_agitation", reason, False, self.incident_roles, "B5")
            police = self._police(case, False, now, cal)
            return Decision((incident,)) + police + self._leaders_to_scene(now, cal)
        return Decision()

    def _leader_to_scene(self, now: datetime, cal: WorkingCalendar) -> Decision:
        # B4: the leader in charge of service quality goes to the scene at once.
        return Decision(
            (
                Notify(("service_quality_leader",), "business disrupted: go to the scene", "B4"),
                deadline(
                    LEADER_ON_SCENE,
                    "B4",
                    now,
                    self.at_once_hours,
                    Unit.HOURS,
                    cal,
                    ("service_quality_leader",),
                ),
            )
        )

    def _leaders_to_scene(self, now: datetime, cal: WorkingCalendar) -> Decision:
        # B5: the leader in charge is told and the bank's leaders go to the scene.
        return Decision(
            (
                Notify(LEADERS, "serious agitation: bank leaders to the scene", "B5"),
                deadline(LEADERS_ON_SCENE, "B5", now, self.at_once_hours, Unit.HOURS, cal, LEADERS),
            )
        )

    def _police(
        self,
        case: Complaint | None,
        called: bool,
        now: datetime,
        cal: WorkingCalendar,
        actor: c.Actor | None = None,
    ) -> Decision:
        """B5: the branch head or lobby manager calls the police at once, and staff protect
        people and property until they arrive. Until one of them records the call, it is the
        branch's task (``police_call``); one task per case."""
        if called:
            protect = Notify(
                POLICE_CALLERS,
                "police called: protect staff, customers and property until they arrive",
                "B5",
            )
            return Decision((protect, *self._delivered(case, POLICE_CALL, actor, now)))
        if case is not None and (POLICE_CALL in case.deadlines or police_called(case)):
            return Decision()
        task = deadline(POLICE_CALL, "B5", now, self.at_once_hours, Unit.HOURS, cal, POLICE_CALLERS)
        alert = Notify(
            POLICE_CALLERS,
            "call the police (110) at once; protect staff, customers and property meanwhile",
            "B5",
        )
        return Decision((alert, task))

    def _public_figure(self) -> Decision:
        # B8: flagged, and received by the bank's leaders.
        return Decision(
            (
                FlagCase("public_figure", "B8"),
                Notify(GROUP_LEADERS, "public figure: senior reception", "B8"),
            )
        )

    # --- B7: A and B handlers --------------------------------------------------------------

    def on_assign(
        self,
        case: Complaint,
        command: c.Assign,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.slot not in HANDLER_SLOTS:
            raise Refused("B7", f"the bank assigns handler slot A or B, not {command.slot!r}")
        other = case.handlers.get("B" if command.slot == "A" else "A")
        if other == command.person:
            raise Refused("B7", "the B handler backs up the A handler: two different people")
        return Decision()

    def check_handlers(self, case: Complaint) -> None:
        missing = [slot for slot in HANDLER_SLOTS if slot not in case.handlers]
        if missing:
            raise Refused("B7", f"every complaint has an A and a B handler; missing {missing}")

    # --- ending, reporting, reopening ------------------------------------------------------

    def on_complainant_response(
        self,
        case: Complaint,
        command: c.RecordResponse,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # C4: acceptance ends handling at whatever level the case has reached.
        if not command.accepted:
            return Decision()
        self.check_ending(case)
        accepted = Decision((ResolveCase("accepted by the customer"),))
        return self._handled(case, actor, now, cal) + accepted

    def on_resolve(
        self,
        case: Complaint,
        command: c.Resolve,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        self.check_ending(case)
        return self._handled(case, actor, now, cal)

    def on_close(
        self, case: Complaint, command: c.Close, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        self.check_ending(case)
        # A closed case takes no more actions, so nothing still owed could be recorded later.
        if pending(case, ORIGINATING_BANK_REPORT):
            raise Refused("B13", "report the event to the originating bank before closing")
        if agitated(case) and ORIGINATING_BANK_REPORT not in case.deadlines:
            raise Refused("B13", "resolve the agitation event first: its report follows handling")
        if pending(case, POLICE_CALL):
            raise Refused("B5", "record that the police were called, or let the task run out")
        return cancel_deadlines(case, now, "case closed", "C4", self, cal)

    def check_ending(self, case: Complaint) -> None:
        """What must be on the case before handling can end (B7, B11)."""
        self.check_handlers(case)
        check_mediation(case)

    def _handled(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        """Handling ends: the decision meets the regulator's clock; the trips to the scene
        nobody recorded are no longer wanted, so cancelled; the report and the police call
        stay owed; after agitation the B13 report starts."""
        decided = self._delivered(case, REGULATOR_DECISION, actor, now)
        keep = OWN_ACT_DEADLINES | {effect.deadline_id for effect in decided}
        settled = Decision(decided) + cancel_deadlines(
            case, now, "handled before it was done", "C4", self, cal, keep
        )
        if not agitated(case) or ORIGINATING_BANK_REPORT in case.deadlines:
            return settled
        # B13: within 3 days after an agitation event (客户投诉过激行为事件) is handled, report
        # the whole event and its outcome to the originating bank; once per case.
        report = deadline(
            ORIGINATING_BANK_REPORT,
            "B13",
            now,
            REPORT_DAYS,
            Unit.CALENDAR_DAYS,
            cal,
            tuple(sorted(REPORTERS)),
        )
        return settled + Decision((report,))

    def on_deadline_met(
        self,
        case: Complaint,
        command: c.MeetDeadline,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        held = case.deadlines.get(command.deadline_id)
        if held is not None and held.kind == ORIGINATING_BANK_REPORT:
            # B13: met by the report itself, so what was reported is on the case.
            raise Refused(
                "B13",
                f"the report is met by recording it: a contact of kind {ORIGINATING_BANK!r} "
                "by the general department, with what was reported",
            )
        return Decision()

    def on_deadline_missed(
        self, case: Complaint, missed: Deadline, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        # C3: a missed step goes to the emergency group's leaders as well as to its owners.
        roles = tuple(dict.fromkeys((*missed.roles, *GROUP_LEADERS)))
        return Decision((Notify(roles, f"deadline {missed.kind} missed", missed.rule),))

    # --- B6, B10, B11, B12 ------------------------------------------------------------------

    def on_accountability(
        self,
        case: Complaint,
        command: c.AssessAccountability,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if not agitated(case):
            raise Refused("B6", "accountability applies where mishandling caused agitation")
        check_accountability(command)
        # B6: the one who handled it, the branch head and the leader in charge, each by name
        # with a share the group sets by the consequences it records beside them.
        reason = f"{command.reason.strip()}; consequences: {command.consequences.strip()}"
        return Decision(
            tuple(
                AssessPenalty(
                    target_role=role,
                    amount_fen=command.shares_fen[role],
                    reason=reason,
                    rule="B6",
                    performance=command.performance,
                    person=command.responsible[role].strip(),
                )
                for role in ACCOUNTABLE
            )
        )

    def on_contacts(
        self,
        case: Complaint,
        command: c.RecordContact,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.kind == MEDIATOR:
            check_mediator(command)
            return Decision()
        if command.kind == ORIGINATING_BANK:
            return self._reported(case, command, actor, now)
        if command.kind != "media":
            return Decision()
        # B10/C6: staff decline the interview; the general department alone makes statements.
        reason = f"media contact ({command.organisation}): the general department responds"
        return Decision((Notify(("general_department",), reason, "B10"),))

    def _delivered(
        self, case: Complaint | None, deadline_id: str, actor: c.Actor | None, now: datetime
    ) -> tuple[MeetDeadlineEffect, ...]:
        """The act a deadline waits for meets it when one who may mark it met did it in time
        (C3); a late act leaves the deadline to the watcher, which records the miss."""
        held = None if case is None else case.deadlines.get(deadline_id)
        if held is None or actor is None or not held.is_pending:
            return ()
        if (held.is_running and now > held.due_at) or not self.may_mark_met(held, actor):
            return ()
        return (MeetDeadlineEffect(deadline_id),)

    def _reported(
        self, case: Complaint, command: c.RecordContact, actor: c.Actor, now: datetime
    ) -> Decision:
        """B13: the general department records the report it sent; it meets the deadline."""
        if not actor.holds(REPORTERS):
            raise Refused("B13", "the general department reports to the originating bank")
        if not command.purpose.strip():
            raise Refused("B13", "record what was reported: the whole event and its outcome")
        return Decision(self._delivered(case, ORIGINATING_BANK_REPORT, actor, now))

    def on_outcomes(
        self,
        case: Complaint,
        command: c.RecordOutcome,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.target != MEDIATION:
            return Decision()
        # B11 says a third party should mediate "as far as possible" (尽量): where none can,
        # the emergency group records why.
        if not actor.holds(MEDIATION_WAIVERS):
            raise Refused("B11", "the emergency group records why no third party mediates")
        if not command.opinion.strip():
            raise Refused("B11", "record why no authoritative third party could mediate")
        return Decision()

    def on_propose_resolution(
        self,
        case: Complaint,
        command: c.ProposeResolution,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if not command.compensation_fen:
            return Decision()
        # B11: where compensation is due, an authoritative third party should mediate.
        return Decision(
            (
                FlagCase(MEDIATION, "B11"),
                Notify(
                    ("general_department",),
                    "compensation proposed: engage an authoritative third-party mediator",
                    "B11",
                ),
            )
        )

    def on_group(
        self,
        case: Complaint,
        command: c.LinkToGroup,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # B12: group complaints are about containment, so the emergency office hears of each.
        return Decision(
            (
                FlagCase("group_complaint", "B12"),
                Notify(
                    ("general_department", "service_quality_leader"),
                    f"linked to group complaint {command.group}: contain it",
                    "B12",
                ),
            )
        )


def agitated(case: Complaint) -> bool:
    """Whether the customer's conduct went beyond an ordinary complaint (B3–B5)."""
    return bool(case.incidents) or case.category in AGITATION_CATEGORIES or case.level >= 2


def police_called(case: Complaint) -> bool:
    return any(incident["police_called"] for incident in case.incidents)


def pending(case: Complaint, deadline_id: str) -> bool:
    held = case.deadlines.get(deadline_id)
    return held is not None and held.is_pending


def check_mediation(case: Complaint) -> None:
    """B11: a case that offered compensation ends only after a third party mediated, or the
    emergency group recorded why none could."""
    if not any(proposal["compensation_fen"] for proposal in case.proposals):
        return
    mediated = any(contact["kind"] == MEDIATOR for contact in case.contacts)
    waived = any(outcome["target"] == MEDIATION for outcome in case.outcomes)
    if not (mediated or waived):
        raise Refused(
            "B11",
            f"compensation is mediated by an authoritative third party: record the mediator "
            f"(a contact of kind {MEDIATOR!r}) or why none could (an outcome for {MEDIATION!r})",
        )


def check_mediator(command: c.RecordContact) -> None:
    if not (command.name.strip() and command.organisation.strip()):
        raise Refused("B11", "a mediator is an authoritative third party: name them and their body")


def check_accountability(command: c.AssessAccountability) -> None:
    """B6: each post held responsible is named with its own share and the consequences the
    shares follow are recorded; one amount for all says neither."""
    if command.amount_fen:
        raise Refused("B6", "each person's own share goes in shares_fen, not one amount for all")
    named = {role for role, person in command.responsible.items() if person.strip()}
    if set(command.responsible) - set(ACCOUNTABLE) or set(command.shares_fen) - set(ACCOUNTABLE):
        raise Refused("B6", f"those held responsible are the posts {list(ACCOUNTABLE)}")
    if named != set(ACCOUNTABLE) or set(command.shares_fen) != set(ACCOUNTABLE):
        raise Refused("B6", f"name each of {list(ACCOUNTABLE)} with their own share")
    if any(share < 0 for share in command.shares_fen.values()):
        raise InvalidTransition("a share cannot be negative")
    if not (command.reason.strip() and command.consequences.strip()):
        raise Refused("B6", "record the mishandling and the consequences the shares follow")
