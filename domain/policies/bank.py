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

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, ClassVar

from domain import commands as c
from domain.calendar import Unit, WorkingCalendar
from domain.complaint import Complaint, Deadline, DeadlineState, Status
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy, settle_deadlines
from domain.policy import (
    AssessPenalty,
    Decision,
    EscalateTo,
    ExtendDeadlineEffect,
    FlagCase,
    Notify,
    PolicyOption,
    RecordIncident,
    ResolveCase,
    Rung,
    SetClassification,
    deadline,
)

FIRST_RESPONDERS = ("branch_head", "lobby_manager", "security_guard")
LEADERS = ("service_quality_leader", "president", "vice_president")
GROUP_LEADERS = ("president", "vice_president")
# B9: security and leadership only; the general department coordinates but does not see them.
RESTRICTED_READERS = frozenset({"security_guard", *LEADERS})
HANDLER_SLOTS = ("A", "B")
# B6: 当事人、网点负责人以及分管领导.
ACCOUNTABLE = ("handler", "branch_head", "service_quality_leader")
AGITATION_CATEGORIES = frozenset({"mild_agitation", "business_disruption", "serious_agitation"})
LEVEL_RULE: Mapping[int, str] = MappingProxyType({1: "B3", 2: "B4", 3: "B5"})
TOP = 3

LEADER_ON_SCENE = "leader_on_scene"
LEADERS_ON_SCENE = "leaders_on_scene"
ORIGINATING_BANK_REPORT = "originating_bank_report"
# The plan says "at once" (立即) without a figure; an hour makes it watchable.
ON_SCENE_HOURS = 1
REPORT_DAYS = 3  # B13: 三日内, calendar days

# The regulator's overlay (银行业保险业消费投诉处理管理办法, 2020), on when a tenant says so.
REGULATOR_CLOCK = "regulator_clock"
REGULATOR_DECISION = "regulator_decision"
REGULATOR_DAYS = 15  # BR1: 自收到消费投诉之日起15日内作出处理决定并告知投诉人
# extension number -> (rule, days added): to 30 days where complex (BR2), then 30 more with
# senior management's approval (BR3): 60 days at most.
EXTENSIONS: Mapping[int, tuple[str, int]] = MappingProxyType({1: ("BR2", 15), 2: ("BR3", 30)})
REGULATOR_HOLDERS = ("handler", "general_department")
EXTENDERS = frozenset({"general_department", *GROUP_LEADERS})


class BankPolicy(BasePolicy):
    name = "bank"
    version = 1
    roles = MappingProxyType(
        {
            "lobby_manager": "大堂经理 lobby manager: handles complaints on the spot (B3)",
            "branch_head": "网点负责人 branch head: handles on the spot, keeps order (B3–B5)",
            "security_guard": "保安 security guard: assists, keeps order, notes features (B3, B9)",
            "general_department": "综合部 general department: office of the emergency group, "
            "its manager the director; alone answers in writing and to the media (B1, B10)",
            "service_quality_leader": "分管文优服务的领导 leader in charge of service quality: "
            "goes to the scene (B4, B5)",
            "president": "行长 president: leads the emergency group (B1)",
            "vice_president": "副行长 vice-president: deputy leader of the emergency group (B1)",
            "complaint_contact": "全辖投诉联系人 bank-wide complaint contact for every branch (B7)",
            "handler": "A/B 角 complaint handler, in slot A or backup slot B (B7)",
            "admin": "tenant administrator: people, keys and calendar",
        }
    )
    # B1: the emergency leading group; every department is a member.
    emergency_group: ClassVar[Mapping[str, str]] = MappingProxyType(
        {"leader": "president", "deputy": "vice_president", "office": "general_department"}
    )
    ladder = (
        Rung(0, "intake", ()),
        Rung(1, "on_the_spot", FIRST_RESPONDERS),
        Rung(
            2, "business_disrupted", ("general_department", "president", "service_quality_leader")
        ),
        Rung(3, "serious_agitation", ("general_department", *LEADERS)),
    )
    categories = MappingProxyType(
        {
            "ordinary": 1,
            "mild_agitation": 1,  # B3: still handled on the spot
            "business_disruption": 2,
            # B12: a group event needs containment beyond one branch's authority.
            "group": 2,
            "serious_agitation": 3,
        }
    )
    intake_roles = FIRST_RESPONDERS
    incident_roles = (*FIRST_RESPONDERS, "general_department", *LEADERS)
    permissions = MappingProxyType(
        {
            "identifying-features": RESTRICTED_READERS,
            "written-replies": frozenset({"general_department"}),
            "accountability": frozenset({"general_department", *GROUP_LEADERS}),
        }
    )
    refusals = MappingProxyType(
        {
            "identifying-features": (
                "B9",
                "identifying features are noted by security and leadership only",
            ),
            "written-replies": (
                "B10",
                "no written reply to the customer; only the general department answers in writing",
            ),
            "accountability": ("B6", "accountability is assessed by the emergency group"),
        }
    )
    documented_deadlines = (
        (
            "B4",
            f"`{LEADER_ON_SCENE}`: on the scene, {ON_SCENE_HOURS} hour(s) from reaching level 2",
            "service_quality_leader",
        ),
        (
            "B5",
            f"`{LEADERS_ON_SCENE}`: on the scene, {ON_SCENE_HOURS} hour(s) from reaching level 3",
            ", ".join(LEADERS),
        ),
        (
            "B13",
            f"`{ORIGINATING_BANK_REPORT}`: report to the originating bank, {REPORT_DAYS} "
            "calendar days from handling a case with an incident",
            "general_department",
        ),
        (
            "BR1",
            f"`{REGULATOR_DECISION}` (option `{REGULATOR_CLOCK}`): a decision told to the "
            f"customer, {REGULATOR_DAYS} calendar days from receipt; extendable to 30 (BR2), "
            "then by 30 more (BR3)",
            ", ".join(REGULATOR_HOLDERS),
        ),
    )
    declared_options = MappingProxyType(
        {
            REGULATOR_CLOCK: PolicyOption(
                default=False,
                description="run the regulator's clock on every consumer complaint: a decision "
                f"within {REGULATOR_DAYS} calendar days of receipt, extendable to 30 and then "
                "by 30 more with recorded approval (银行业保险业消费投诉处理管理办法, 2020)",
                rule="BR1",
            )
        }
    )

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


# --- B14: anonymised case studies ------------------------------------------------------------

REDACTED = "[redacted]"


def case_study(case: Complaint) -> dict[str, Any]:
    """A closed case as training material: no customer identity, contacts, staff names or
    restricted features (B14)."""
    if case.status is not Status.CLOSED:
        raise InvalidTransition("B14: only a closed case becomes a case study")
    redact = _redactor(case)
    return {
        "policy": case.policy,
        "category": case.category,
        "level_reached": case.level,
        "rung": case.rung,
        "channel": case.channel,
        "summary": redact(case.summary),
        "flags": list(case.flags),
        "group_complaint": case.group is not None,
        "incidents": [
            {"kind": i["kind"], "police_called": i["police_called"]} for i in case.incidents
        ],
        "proposals": [
            {"text": redact(p["text"]), "compensation_fen": p["compensation_fen"]}
            for p in case.proposals
        ],
        "responses": [{"accepted": r["accepted"]} for r in case.responses],
        "resolution": redact(case.resolution or ""),
        "deadlines": [
            {"kind": d.kind, "rule": d.rule, "state": str(d.state)} for d in case.deadlines.values()
        ],
        "accountability": [
            {"target_role": p["target_role"], "rule": p["rule"]} for p in case.penalties
        ],
        "reopened": case.reopen_count,
    }


def _redactor(case: Complaint) -> Callable[[str], str]:
    secrets = sorted(_identifying_strings(case), key=len, reverse=True)

    def redact(text: str) -> str:
        for secret in secrets:
            text = text.replace(secret, REDACTED)
        return text

    return redact


def _identifying_strings(case: Complaint) -> set[str]:
    """Every string that could name a person on the case: customer, staff, contacts, features."""
    found: set[str] = set()
    _collect(case.complainant, found)
    _collect(case.restricted, found)
    _collect([contact["name"] for contact in case.contacts], found)
    _collect(list(case.handlers.values()), found)
    return {text for text in found if text.strip()}


def _collect(value: Any, found: set[str]) -> None:
    if isinstance(value, str):
        found.add(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        found.add(str(value))  # a phone or ID number given as a number
    elif isinstance(value, Mapping):
        for item in value.values():
            _collect(item, found)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, found)
