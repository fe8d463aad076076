"""The training school's parent-complaint plan (投诉应急预案3), S1–S11.

Two entry points. At headquarters (hotline or visit) the administration department (行政部)
runs one of three tracks, chosen by the kind of complaint: suggestion (S2), problem (S3) or
malicious (S4); a problem whose negotiation fails may turn malicious (S5). At a campus, the
reception runs the campus process (S10) for the categories of S9, and a missed campus deadline
fines the person the plan names (S11). Media, government and inspectors are recorded and
routed to leadership at once, never suppressed (S6, S7). Whoever first receives a complaint
owns it until handing it on (S1).

Each timed step of a track is a deadline named after the step. A step is completed by the act
that delivers its work (a forwarding, a report, an approval), never by a bare ``MeetDeadline``,
so the record always holds the work itself; a step delivered late is recorded as missed, with
its consequences, exactly as if the deadline watcher had caught it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, Deadline, Status
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy
from domain.policies.school.penalties import (
    s8_penalties,
    s11_fines,
    s11_recurrence_fine,
)
from domain.policies.school.procedure import (
    ADMIN_REVIEW,
    ADMINISTRATION,
    APPROVED,
    CAMPUS,
    CAMPUS_SUPERVISOR,
    CATEGORIES,
    DEPARTMENT_REPORT,
    DEPARTMENT_SLOT,
    DOCUMENTED_DEADLINES,
    EXECUTION,
    FINAL_PLAN,
    FINAL_RESOLUTION,
    FOLLOW_UP,
    FORWARD,
    GENERAL_MANAGER,
    HANDLING,
    HQ_PAIR,
    INCIDENT_ROLES,
    INVESTIGATION,
    LADDER,
    MALICIOUS,
    MANAGERS,
    OPINION,
    PERMISSIONS,
    PROBLEM,
    PROPOSAL,
    RECEIPT_FORM,
    REFUSALS,
    RESULT_REPORT,
    ROLES,
    STEPS,
    SUGGESTION,
    TRACK_RULES,
    form_of,
    handling_days,
    track_of,
)
from domain.policies.school.tracks import (
    campus_begins,
    constructive,
    contact_notice,
    followed_up,
    intake_notice,
    malicious_begins,
    next_step,
    problem_begins,
    step,
    suggestion_begins,
)
from domain.policy import (
    Decision,
    MeetDeadlineEffect,
    MissDeadlineEffect,
    Notify,
    ResolveCase,
    SetClassification,
)


class SchoolPolicy(BasePolicy):
    name = "school"
    version = 1
    roles = ROLES
    ladder = LADDER
    categories = CATEGORIES
    incident_roles = INCIDENT_ROLES
    permissions = PERMISSIONS
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES

    # --- intake and classification ----------------------------------------------------------

    def on_file(
        self, case: None, command: c.File, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        received = Decision((intake_notice(command.category),))
        if command.category is None:
            return received
        return received + self.begin(command.category, "at intake", command.received_at, cal)

    def on_classify(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        new, old = command.category, case.category
        classified = self.classified(new, command.reason)  # S9: unknown categories refused
        if old is None:
            return self.begin(new, command.reason, case.received_at, cal)
        if new == old:
            raise InvalidTransition(f"the case is already classified as {old!r}")
        if track_of(new) == track_of(old):
            return Decision((classified,)) + constructive(new)
        if (track_of(old), track_of(new)) == (PROBLEM, MALICIOUS):
            return self.turn_malicious(case, command, actor, now, cal)
        raise Refused(
            "S5",
            f"a {old} complaint cannot become {new}: only a problem complaint whose "
            "negotiation failed is reclassified, as malicious",
        )

    def classified(self, category: str, reason: str, rule: str | None = None) -> SetClassification:
        track = track_of(category)
        default = "S9" if track == CAMPUS else TRACK_RULES.get(track or "", "C2")
        return replace(self.classification(category, reason), rule=rule or default)

    def begin(self, category: str, reason: str, start: datetime, cal: WorkingCalendar) -> Decision:
        """The first classification starts the category's track, counted from receipt."""
        track = track_of(category)
        decision = Decision((self.classified(category, reason),))
        if track == SUGGESTION:
            return decision + suggestion_begins(start, cal) + constructive(category)
        if track == PROBLEM:
            return decision + problem_begins(start, cal)
        if track == MALICIOUS:
            return decision + malicious_begins(start, cal)
        return decision + campus_begins(category, start, cal)

    def turn_malicious(
        self,
        case: Complaint,
        command: c.Classify,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # S5: 问题型投诉面谈、协商失败也会转为恶意投诉.
        if not case.responses or case.responses[-1]["accepted"]:
            raise Refused(
                "S5", "a problem complaint turns malicious only after a failed negotiation"
            )
        if not command.reason.strip():
            raise Refused("S5", "the reclassification records its reason")
        if not actor.holds({ADMINISTRATION, GENERAL_MANAGER}):
            raise Refused("S5", "administration or the general manager reclassifies a complaint")
        # The problem track ends here: its pending steps are settled, and S4's clocks start now.
        return (
            Decision((self.classified(MALICIOUS, command.reason, "S5"),))
            + self.settle(case, now)
            + malicious_begins(now, cal)
        )

    # --- S1: first-contact responsibility ---------------------------------------------------

    def on_hand_on(
        self,
        case: Complaint,
        command: c.HandOn,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.to_person == case.owner:
            raise InvalidTransition(f"{case.owner} already owns the case")
        if actor.person != case.owner and not actor.holds(MANAGERS | {"system"}):
            raise Refused("S1", f"{case.owner} received it first and owns it until handing it on")
        return Decision()

    # --- the tracks' steps --------------------------------------------------------------------

    def on_acknowledge(
        self,
        case: Complaint,
        command: c.Acknowledge,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # S3: the meeting with the complainant (面谈) starts the 24-hour proposal clock.
        if track_of(case.category) != PROBLEM or PROPOSAL in case.deadlines:
            return Decision()
        return Decision((step(PROPOSAL, now, cal),))

    def on_assign(
        self,
        case: Complaint,
        command: c.Assign,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.slot != DEPARTMENT_SLOT:
            return Decision()
        track = track_of(case.category)
        if track == SUGGESTION:
            return self.complete(case, FORWARD, now) + next_step(
                case, DEPARTMENT_REPORT, now, cal, "suggestion forwarded: report to administration"
            )
        if track == CAMPUS:
            return self.complete(case, RECEIPT_FORM, now) + next_step(
                case,
                INVESTIGATION,
                now,
                cal,
                "receipt form passed on: investigate today and "
                "attach the data, on-site photos and physical items",
            )
        return Decision()

    def on_evidence(
        self,
        case: Complaint,
        command: c.AttachEvidence,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # S10: the investigation's data, photos and items are attached to the receipt form;
        # the first attachment delivers the same-day investigation.
        return self.complete(case, INVESTIGATION, now)

    def on_propose_resolution(
        self,
        case: Complaint,
        command: c.ProposeResolution,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        track = track_of(case.category)
        if track == SUGGESTION:
            return self.department_reported(case, now, cal)
        if track == PROBLEM:
            told = Notify((GENERAL_MANAGER,), "handling proposal and compensation to approve", "S3")
            return self.complete(case, PROPOSAL, now) + Decision((told,))
        if track == MALICIOUS:
            told = Notify((GENERAL_MANAGER,), "opinion on a malicious complaint", "S4")
            return self.complete(case, OPINION, now) + Decision((told,))
        return Decision()

    def department_reported(self, case: Complaint, now: datetime, cal: WorkingCalendar) -> Decision:
        if DEPARTMENT_REPORT not in case.deadlines:
            raise Refused("S2", "the suggestion is forwarded to the department before it reports")
        return self.complete(case, DEPARTMENT_REPORT, now) + next_step(
            case, ADMIN_REVIEW, now, cal, "department report received: review it"
        )

    def on_complainant_response(
        self,
        case: Complaint,
        command: c.RecordResponse,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        track = track_of(case.category)
        if track == PROBLEM:
            return self.negotiated(case, command.accepted, now)
        if not command.accepted:
            return Decision()
        # C4: handling ends at any level when the complainant accepts.
        ended = self.settle(case, now) + Decision((ResolveCase("accepted by the complainant"),))
        if track == MALICIOUS:
            return ended + Decision((Notify((GENERAL_MANAGER,), "understanding reached", "S4"),))
        return ended

    def negotiated(self, case: Complaint, accepted: bool, now: datetime) -> Decision:
        if not accepted:
            failed = "negotiation failed: it may be reclassified as malicious, with a reason"
            return Decision((Notify((ADMINISTRATION,), failed, "S5"),))
        # S3: the plan agreed with the complainant is the final plan; the GM approves it.
        told = Notify((GENERAL_MANAGER,), "final plan agreed with the complainant: approve", "S3")
        return self.complete(case, FINAL_PLAN, now) + Decision((told,))

    def on_outcomes(
        self,
        case: Complaint,
        command: c.RecordOutcome,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if command.target == FINAL_PLAN:
            return self.general_manager_decides(case, command, actor, now, cal)
        if command.target == FINAL_RESOLUTION:
            return self.resolution_formed(case, actor, now, cal)
        return Decision()

    def general_manager_decides(
        self,
        case: Complaint,
        command: c.RecordOutcome,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if track_of(case.category) != PROBLEM:
            raise Refused("S3", "only a problem complaint has a final plan to approve")
        if not actor.holds({GENERAL_MANAGER}):
            raise Refused("S3", "only the general manager approves the final plan")
        if not case.responses or not case.responses[-1]["accepted"]:
            raise Refused("S3", "the final plan is agreed with the complainant before approval")
        if command.opinion != APPROVED:
            again = "final plan not approved: negotiate again"
            return Decision((Notify(HQ_PAIR, again, "S3"),))
        return next_step(
            case,
            EXECUTION,
            now,
            cal,
            "final plan approved: carry it out, penalise the person responsible",
        )

    def resolution_formed(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        if track_of(case.category) != MALICIOUS:
            raise Refused("S4", "only a malicious complaint has a final resolution")
        if not actor.holds(set(HQ_PAIR)):
            raise Refused("S4", "administration and the department head form the resolution")
        return self.complete(case, FINAL_RESOLUTION, now) + next_step(
            case, RESULT_REPORT, now, cal, "final resolution formed: report result and plan"
        )

    # --- ending: resolution (handling ends) and closure (feedback) ---------------------------

    def on_resolve(
        self,
        case: Complaint,
        command: c.Resolve,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        track = track_of(case.category)
        if track == SUGGESTION:
            return self.suggestion_reviewed(case, actor, now)
        if track == PROBLEM:
            return self.plan_carried_out(case, now)
        if track == MALICIOUS:
            if RESULT_REPORT not in case.deadlines:
                raise Refused("S4", "the final resolution is formed before the result is reported")
            told = Notify((GENERAL_MANAGER,), "result and response plan", "S4")
            return self.settle(case, now) + Decision((told,))
        return self.settle(case, now)

    def suggestion_reviewed(self, case: Complaint, actor: c.Actor, now: datetime) -> Decision:
        if ADMIN_REVIEW not in case.deadlines:
            raise Refused("S2", "the department reports before administration concludes")
        if not actor.holds({ADMINISTRATION, GENERAL_MANAGER}):
            raise Refused("S2", "administration reviews the department's report")
        told = Notify((GENERAL_MANAGER,), "suggestion reviewed: the department's report", "S2")
        return self.settle(case, now) + Decision((told,))

    def plan_carried_out(self, case: Complaint, now: datetime) -> Decision:
        if EXECUTION not in case.deadlines:
            raise Refused(
                "S3", "the general manager approves the final plan before it is carried out"
            )
        told = Notify((GENERAL_MANAGER,), "final plan carried out: results and penalties", "S3")
        return self.settle(case, now) + Decision((*s8_penalties(case), told))

    def on_close(
        self, case: Complaint, command: c.Close, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        track = track_of(case.category)
        if track is not None and case.status is not Status.RESOLVED:
            # S2, S3, S10: the customer's feedback comes once handling has ended.
            raise Refused(TRACK_RULES[track], "resolve the case before the closing feedback")
        if track == CAMPUS and INVESTIGATION in case.deadlines and not followed_up(case):
            raise Refused("S10", "a follow-up visit (RecordSatisfaction) comes before closing")
        return self.settle(case, now)

    def on_satisfaction(
        self,
        case: Complaint,
        command: c.RecordSatisfaction,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # S10: feedback → carry out the solution → follow-up visit, in that order.
        campus_follow_up = command.stage == FOLLOW_UP and track_of(case.category) == CAMPUS
        if campus_follow_up and case.status is not Status.RESOLVED:
            raise Refused("S10", "the follow-up visit comes after the customer's feedback")
        return Decision()

    def on_reopen(
        self,
        case: Complaint,
        command: c.Reopen,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        category = case.category
        if category is None or track_of(category) != CAMPUS:
            return Decision()  # C4: a headquarters case simply reopens
        handling = step(
            HANDLING, now, cal, handling_days(category), f"handling_{case.reopen_count + 2}"
        )
        if form_of(category) != "complaint":
            return Decision((handling,))
        # S11 ③: 投诉处理后再次触犯 — a reopened campus complaint is the same fault again.
        return Decision((handling, s11_recurrence_fine(case)))

    # --- S6, S7: media, government, inspectors ----------------------------------------------

    def on_contacts(
        self,
        case: Complaint,
        command: c.RecordContact,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # Recording and routing only: nothing here delays, hides or refuses a report.
        return Decision((contact_notice(command, track_of(case.category) == CAMPUS),))

    # --- deadlines -----------------------------------------------------------------------------

    def on_deadline_met(
        self,
        case: Complaint,
        command: c.MeetDeadline,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        # A bare report would be recorded as met however late, and leave no work on record.
        held = case.deadlines.get(command.deadline_id)
        if held is None or held.kind not in STEPS:
            return Decision()  # recording it fails, or it is not one of this policy's steps
        raise Refused(held.rule, f"the {held.kind} step is met by {STEPS[held.kind].met_by}")

    def on_deadline_missed(
        self, case: Complaint, deadline: Deadline, now: datetime, calendar: WorkingCalendar
    ) -> Decision:
        return self.consequences(case, deadline)

    def consequences(self, case: Complaint, missed: Deadline) -> Decision:
        """C3: who hears of a missed step and, on a campus, who is fined (S11)."""
        above = CAMPUS_SUPERVISOR if track_of(case.category) == CAMPUS else GENERAL_MANAGER
        told = Notify((*missed.roles, above), f"deadline {missed.kind} missed", missed.rule)
        return Decision((told, *s11_fines(case, missed)))

    def complete(self, case: Complaint, step_id: str, now: datetime) -> Decision:
        """A step's work is delivered: met if in time, else missed with its consequences."""
        held = case.deadlines.get(step_id)
        if held is None or not held.is_pending:
            return Decision()
        return self.settle_one(case, held, now)

    def settle(self, case: Complaint, now: datetime) -> Decision:
        """Every pending step ends with the handling: met if in time, else missed (C3)."""
        decision = Decision()
        for held in case.deadlines.values():
            if held.is_pending:
                decision += self.settle_one(case, held, now)
        return decision

    def settle_one(self, case: Complaint, held: Deadline, now: datetime) -> Decision:
        if now <= held.due_at:
            return Decision((MeetDeadlineEffect(held.deadline_id),))
        # Late work has the consequences a watcher's miss would have had, once: the deadline
        # is no longer pending afterwards, so neither path can reach it again.
        return Decision((MissDeadlineEffect(held.deadline_id),)) + self.consequences(case, held)
