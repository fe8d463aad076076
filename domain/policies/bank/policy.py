"""The village bank's customer-complaint emergency plan (织金惠民村镇银行客户投诉应急预案), B1–B14.

Three levels: 1 handled on the spot by the branch (B3), 2 business disrupted and the leader in
charge of service quality goes to the scene (B4), 3 serious agitation with the police called
(B5). An incident (C5) jumps straight to level 3. Every complaint has an A and a B handler
(B7); only the general department speaks in writing or to the media (B10, C6).

Beyond the plan, a tenant may switch on the regulator's clock (option ``regulator_clock``):
银行业保险业消费投诉处理管理办法 (CBIRC, 2020) wants a decision told to the customer within 15
days of receipt (BR1), extendable to 30 where the case is complex (BR2), and by another 30
with the approval of senior management (BR3); never longer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import ClassVar

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline, DeadlineState
from domain.errors import InvalidTransition, Refused
from domain.policies.bank.procedure import (
    ACCOUNTABLE,
    AGITATION_CATEGORIES,
    CATEGORIES,
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
    ON_SCENE_HOURS,
    ORIGINATING_BANK_REPORT,
    PERMISSIONS,
    REFUSALS,
    REGULATOR_CLOCK,
    REGULATOR_DAYS,
    REGULATOR_DECISION,
    REGULATOR_HOLDERS,
    REPORT_DAYS,
    RESTRICTED_READERS,
    ROLES,
    TOP,
)
from domain.policies.base import BasePolicy, settle_deadlines
from domain.policy import (
    AssessPenalty,
    Decision,
    EscalateTo,
    ExtendDeadlineEffect,
    FlagCase,
    Notify,
    RecordIncident,
    ResolveCase,
    SetClassification,
    deadline,
)


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
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES
    declared_options = DECLARED_OPTIONS

    # --- B9: who may read the restricted features ----------------------------------------

    def can_see_restricted(self, actor: c.Actor) -> bool:
        return actor.holds(RESTRICTED_READERS)

    def visible_fields(self, case: Complaint, actor: c.Actor) -> dict[str, str]:
        """The restricted features of ``case`` that ``actor`` may read (B9); empty if none."""
        return dict(case.restricted) if self.can_see_restricted(actor) else {}

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
            decision += self._arrive(classification.level, command.summary, now, cal)
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
            decision += self._arrive(classification.level, command.reason, now, cal)
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
        return Decision((escalation,)) + self._respond(level, command.reason, now, cal)

    def on_incidents(
        self,
        case: Complaint,
        command: c.ReportIncident,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # C5: violence or disorder bypasses the ladder and goes straight to level 3 (B5).
        decision = self._police(command.kind, command.description, "C5")
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

    def _arrive(self, level: int, reason: str, now: datetime, cal: WorkingCalendar) -> Decision:
        """Classified straight into a level: its rung hears of it as if escalated there (C2)."""
        notify = Notify(self.rung(level).roles, reason, LEVEL_RULE[level])
        return Decision((notify,)) + self._respond(level, reason, now, cal)

    def _respond(self, level: int, reason: str, now: datetime, cal: WorkingCalendar) -> Decision:
        """What reaching a level sets in motion beyond notifying its rung."""
        if level == 2:
            return self._leader_to_scene(now, cal)
        if level == TOP:
            police = self._police("serious_agitation", reason, "B5")
            return police + self._leaders_to_scene(now, cal)
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
                    ON_SCENE_HOURS,
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
                deadline(LEADERS_ON_SCENE, "B5", now, ON_SCENE_HOURS, Unit.HOURS, cal, LEADERS),
            )
        )

    def _police(self, kind: str, description: str, rule: str) -> Decision:
        # B5: the branch calls the police at once and protects people and property meanwhile.
        return Decision(
            (
                RecordIncident(kind, description, True, self.incident_roles, rule),
                Notify(
                    ("branch_head", "lobby_manager"),
                    "call the police (110) at once; protect staff, customers and property",
                    "B5",
                ),
            )
        )

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
        self.check_handlers(case)
        return self._handled(case, now, cal) + Decision((ResolveCase("accepted by the customer"),))

    def on_resolve(
        self,
        case: Complaint,
        command: c.Resolve,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        self.check_handlers(case)
        return self._handled(case, now, cal)

    def on_close(
        self, case: Complaint, command: c.Close, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        self.check_handlers(case)
        if self._report_pending(case):
            # A closed case takes no more actions, so the report could never be marked sent.
            raise Refused("B13", "report the incident to the originating bank before closing")
        return settle_deadlines(case, now)

    def _handled(self, case: Complaint, now: datetime, cal: WorkingCalendar) -> Decision:
        """Handling ends: on-scene deadlines settle; after an incident the B13 report starts."""
        settled = Decision(
            tuple(
                effect
                for effect in settle_deadlines(case, now).effects
                if getattr(effect, "deadline_id", None) != ORIGINATING_BANK_REPORT
            )
        )
        if not case.incidents or self._report_pending(case):
            return settled
        # B13: within 3 days after an agitation incident is handled, report the whole event
        # and its outcome to the originating bank.
        report = deadline(
            ORIGINATING_BANK_REPORT,
            "B13",
            now,
            REPORT_DAYS,
            Unit.CALENDAR_DAYS,
            cal,
            ("general_department",),
        )
        return settled + Decision((report,))

    def _report_pending(self, case: Complaint) -> bool:
        report = case.deadlines.get(ORIGINATING_BANK_REPORT)
        return report is not None and report.is_pending

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
        if command.amount_fen < 0:
            raise InvalidTransition("a penalty amount cannot be negative")
        # B6: the one who handled it, the branch head and the leader in charge, in proportion
        # to the consequences, which the group states in the command.
        return Decision(
            tuple(
                AssessPenalty(
                    target_role=role,
                    amount_fen=command.amount_fen,
                    reason=command.reason,
                    rule="B6",
                    performance=command.performance,
                    person=case.handlers.get("A") if role == "handler" else None,
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
        if command.kind != "media":
            return Decision()
        # B10/C6: staff decline the interview; the general department alone makes statements.
        reason = f"media contact ({command.organisation}): the general department responds"
        return Decision((Notify(("general_department",), reason, "B10"),))

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
                FlagCase("third_party_mediation", "B11"),
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
