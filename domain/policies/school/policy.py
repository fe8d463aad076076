"""The training school's parent-complaint plan (投诉应急预案3), S1–S11.

Two entry points. At headquarters (hotline or visit) the administration department (行政部)
runs one of three tracks, chosen by the kind of complaint: suggestion (S2), problem (S3) or
malicious (S4); a problem whose negotiation fails may turn malicious (S5). At a campus, the
reception runs the campus process (S10) for the categories of S9, and a missed campus deadline
fines the person the plan names (S11). Media, government and inspectors are recorded and
routed to leadership at once, never suppressed (S6, S7). Whoever first receives a complaint
owns it until handing it on (S1).

Each timed step of a track is a deadline named after the step. A step is completed by the act
that delivers its work (a forwarding, a report, an approval), done by a role the step names
(C3), never by a bare ``MeetDeadline``, so the record always holds the work itself; a step
delivered late is recorded as missed, with its consequences, exactly as if the deadline watcher
had caught it. A step whose work is no longer wanted (the complainant accepted, the track
changed, handling ended without it) is cancelled with the reason, or missed if already late:
it is never met without its act.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, Deadline, Status
from domain.errors import InvalidTransition, Refused
from domain.policies.base import BasePolicy, cancel_deadlines
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
    CAMPUS_RECEPTION,
    CAMPUS_SUPERVISOR,
    CATEGORIES,
    DEADLINE_MET_BY,
    DEPARTMENT_REPORT,
    DEPARTMENT_SLOT,
    DOCUMENTED_DEADLINES,
    EXECUTION,
    FINAL_PLAN,
    FINAL_RESOLUTION,
    FOLLOW_UP,
    FOLLOW_UP_ROLE,
    FORWARD,
    GENERAL_MANAGER,
    HANDLING,
    HANDLING_PERIODS,
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
    SCORES,
    SOLUTION,
    STEPS,
    SUGGESTION,
    TRACK_RULES,
    UNIT_ROLES,
    form_of,
    track_of,
)
from domain.policies.school.tracks import (
    campus_begins,
    constructive,
    contact_notice,
    current_handling,
    follow_up_visits,
    handling_periods,
    intake_notice,
    malicious_begins,
    next_step,
    problem_begins,
    solutions_carried_out,
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
    # S10 ⑥ 回访: the follow-up visit's survey goes out with the closing feedback
    feedback_steps = frozenset({"reply", "closing", "follow-up"})
    unit_roles = UNIT_ROLES
    refusals = REFUSALS
    documented_deadlines = DOCUMENTED_DEADLINES
    deadline_met_by = DEADLINE_MET_BY

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
        return decision + campus_begins(start, cal)

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
        # The problem track ends here, its pending steps undone: S4's clocks start now.
        return (
            Decision((self.classified(MALICIOUS, command.reason, "S5"),))
            + self.end(case, now, cal, "reclassified as malicious", "S5")
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
        track = track_of(case.category)
        passing_on = command.slot == DEPARTMENT_SLOT
        if command.handling_days is not None and not (passing_on and track == CAMPUS):
            raise Refused(
                "S10", "a handling period is chosen when a campus receipt form is passed on"
            )
        if not passing_on:
            return Decision()
        if track == SUGGESTION:
            return self.complete(case, FORWARD, actor, now) + next_step(
                case, DEPARTMENT_REPORT, now, cal, "suggestion forwarded: report to administration"
            )
        if track == CAMPUS:
            return self.passed_on(case, command, actor, now, cal)
        return Decision()

    def passed_on(
        self,
        case: Complaint,
        command: c.Assign,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        """S10 ②③: the receipt form goes to the department with the handling period its
        receiver chose, counted from now; passing it on again keeps the period."""
        passed = self.complete(case, RECEIPT_FORM, actor, now)
        if current_handling(case) is not None:
            if command.handling_days is not None:
                raise Refused("S10", "the handling period was chosen when the form was passed on")
            return passed
        days = self.chosen_period(case, command, actor)
        handling = step(HANDLING, now, cal, days)
        told = Notify(handling.roles, f"receipt form passed on: answer within {days} day(s)", "S10")
        return passed + Decision((handling, told))

    def chosen_period(self, case: Complaint, command: c.Assign, actor: c.Actor) -> int:
        if not (actor.holds({CAMPUS_RECEPTION}) or actor.person == case.owner):
            raise Refused(
                "S10",
                "the receiving role (campus reception, or the case's owner) chooses the "
                "handling period",
            )
        days = command.handling_days
        if days is None or days not in HANDLING_PERIODS:
            raise Refused(
                "S10",
                "passing the receipt form on chooses the handling period: "
                f"handling_days one of {list(HANDLING_PERIODS)}",
            )
        return days

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
        return self.complete(case, INVESTIGATION, actor, now)

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
            return self.department_reported(case, actor, now, cal)
        if track == PROBLEM:
            told = Notify((GENERAL_MANAGER,), "handling proposal and compensation to approve", "S3")
            return self.complete(case, PROPOSAL, actor, now) + Decision((told,))
        if track == MALICIOUS:
            told = Notify((GENERAL_MANAGER,), "opinion on a malicious complaint", "S4")
            return self.complete(case, OPINION, actor, now) + Decision((told,))
        return Decision()

    def department_reported(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        if DEPARTMENT_REPORT not in case.deadlines:
            raise Refused("S2", "the suggestion is forwarded to the department before it reports")
        return self.complete(case, DEPARTMENT_REPORT, actor, now) + next_step(
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
            return self.negotiated(case, command.accepted, actor, now)
        if not command.accepted:
            return Decision()
        # C4: handling ends at any level when the complainant accepts; what it still waited
        # for was not done, so it is cancelled, never met.
        accepted = self.end(case, now, cal, "complainant accepted", "C4")
        ended = accepted + Decision((ResolveCase("accepted by the complainant"),))
        if track == MALICIOUS:
            return ended + Decision((Notify((GENERAL_MANAGER,), "understanding reached", "S4"),))
        return ended

    def negotiated(
        self, case: Complaint, accepted: bool, actor: c.Actor, now: datetime
    ) -> Decision:
        if not accepted:
            failed = "negotiation failed: it may be reclassified as malicious, with a reason"
            return Decision((Notify((ADMINISTRATION,), failed, "S5"),))
        # S3: the plan agreed with the complainant is the final plan; the GM approves it.
        told = Notify((GENERAL_MANAGER,), "final plan agreed with the complainant: approve", "S3")
        return self.complete(case, FINAL_PLAN, actor, now) + Decision((told,))

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
        if command.target == SOLUTION:
            return self.solution_carried_out(case, now, cal)
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
        return self.complete(case, FINAL_RESOLUTION, actor, now) + next_step(
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
            return self.suggestion_reviewed(case, actor, now, cal)
        if track == PROBLEM:
            return self.plan_carried_out(case, actor, now, cal)
        if track == MALICIOUS:
            if RESULT_REPORT not in case.deadlines:
                raise Refused("S4", "the final resolution is formed before the result is reported")
            told = Notify((GENERAL_MANAGER,), "result and response plan", "S4")
            reported = self.finish(case, RESULT_REPORT, actor, now, cal, "the result was reported")
            return reported + Decision((told,))
        if track == CAMPUS:
            return self.answered(case, actor, now, cal)
        return self.end(case, now, cal, "handling ended", "C4")

    def suggestion_reviewed(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        if ADMIN_REVIEW not in case.deadlines:
            raise Refused("S2", "the department reports before administration concludes")
        if not actor.holds({ADMINISTRATION, GENERAL_MANAGER}):
            raise Refused("S2", "administration reviews the department's report")
        told = Notify((GENERAL_MANAGER,), "suggestion reviewed: the department's report", "S2")
        reviewed = self.finish(case, ADMIN_REVIEW, actor, now, cal, "the suggestion was reviewed")
        return reviewed + Decision((told,))

    def plan_carried_out(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        if EXECUTION not in case.deadlines:
            raise Refused(
                "S3", "the general manager approves the final plan before it is carried out"
            )
        told = Notify((GENERAL_MANAGER,), "final plan carried out: results and penalties", "S3")
        carried_out = self.finish(
            case, EXECUTION, actor, now, cal, "the final plan was carried out"
        )
        return carried_out + Decision((*s8_penalties(case), told))

    def answered(
        self, case: Complaint, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        """S10 ④: the customer's feedback is the direct answer (①) or ends the handling
        period (③); an investigation still pending was not needed, or not done."""
        handling = current_handling(case)
        delivered = (RECEIPT_FORM, *((handling.deadline_id,) if handling else ()))
        decision = Decision()
        for step_id in delivered:
            decision += self.complete(case, step_id, actor, now)
        rest = self.end(case, now, cal, "the customer was answered", "S10", frozenset(delivered))
        return decision + rest

    def solution_carried_out(
        self, case: Complaint, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        # S10 ⑤ 实施解决: after the feedback, once per handling period.
        if track_of(case.category) != CAMPUS:
            raise Refused("S10", "the solution carried out is a step of the campus process")
        if case.status is not Status.RESOLVED:
            raise Refused("S10", "the solution is carried out after the customer's feedback")
        carried_out = solutions_carried_out(case)
        if carried_out >= max(len(handling_periods(case)), 1):
            raise Refused("S10", "the solution is already recorded as carried out")
        # ⑥ 回访 next: a deadline of its own, one per solution carried out
        visit_id = FOLLOW_UP if carried_out == 0 else f"{FOLLOW_UP}-{carried_out + 1}"
        visit = step(FOLLOW_UP, now, cal, deadline_id=visit_id)
        return Decision((visit, Notify(visit.roles, "the solution is carried out: visit", "S10")))

    def on_close(
        self, case: Complaint, command: c.Close, actor: c.Actor, now: datetime, cal: WorkingCalendar
    ) -> Decision:
        track = track_of(case.category)
        if track is not None and case.status is not Status.RESOLVED:
            # S2, S3, S10: the customer's feedback comes once handling has ended.
            raise Refused(TRACK_RULES[track], "resolve the case before the closing feedback")
        if command.satisfaction is not None:
            self.check_score(case, command.satisfaction, actor)
        if track == CAMPUS:
            self.check_followed_up(case)
        return self.end(case, now, cal, "closed", TRACK_RULES.get(track or "", "C4"))

    def check_followed_up(self, case: Complaint) -> None:
        """S10 ⑦: the follow-up feedback closes a case passed on to a department only once
        each handling period's solution (⑤) and follow-up visit (⑥) are recorded."""
        periods = len(handling_periods(case))
        if solutions_carried_out(case) < periods:
            raise Refused(
                "S10", "record the solution carried out (RecordOutcome, target 'solution') first"
            )
        if follow_up_visits(case) < periods:
            raise Refused("S10", "a follow-up visit (RecordSatisfaction) comes before closing")

    def on_satisfaction(
        self,
        case: Complaint,
        command: c.RecordSatisfaction,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        self.check_score(case, command.score, actor)
        if track_of(case.category) != CAMPUS:
            return Decision()
        # S10 ⑥: feedback → carry out the solution → follow-up visit, in that order.
        if command.stage != FOLLOW_UP:
            raise Refused("S10", f"a campus score is taken at the follow-up visit ({FOLLOW_UP!r})")
        if case.status is not Status.RESOLVED:
            raise Refused("S10", "the follow-up visit comes after the customer's feedback")
        if follow_up_visits(case) >= solutions_carried_out(case):
            raise Refused(
                "S10",
                "the follow-up visit follows the solution carried out (RecordOutcome, "
                "target 'solution'), one visit each",
            )
        visits = [d for d in case.deadlines.values() if d.kind == FOLLOW_UP and d.is_pending]
        return Decision(tuple(MeetDeadlineEffect(d.deadline_id) for d in visits[:1]))

    def check_score(self, case: Complaint, score: int, actor: c.Actor) -> None:
        if score not in SCORES:
            raise Refused("S10", f"a satisfaction score is {SCORES.start} to {SCORES.stop - 1}")
        # S10 ⑥ 回访: reception visits, or the customer answers the follow-up survey themselves
        takers = {FOLLOW_UP_ROLE, c.COMPLAINANT_ROLE}
        if track_of(case.category) == CAMPUS and not actor.holds(takers):
            raise Refused("S10", f"on a campus only {FOLLOW_UP_ROLE} records a satisfaction score")

    def on_reopen(
        self,
        case: Complaint,
        command: c.Reopen,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
    ) -> Decision:
        if not command.recurrence or case.status is not Status.CLOSED:
            # C4: a correction or a new word from the parent is no fault; an open case is
            # refused by the case itself
            return Decision()
        return self.recurred(case, now, cal)

    def recurred(self, case: Complaint, now: datetime, cal: WorkingCalendar) -> Decision:
        """S11 ③ 投诉处理后再次触犯: the same fault, by the department it was passed on to, once
        the complaint was handled: a fine, and a new period of the length first chosen."""
        category = case.category or ""
        if track_of(category) != CAMPUS or form_of(category) != "complaint":
            raise Refused(
                "S11",
                "only a campus complaint recurs: a suggestion is no fault, and a "
                "headquarters case reopens without S11",
            )
        periods = handling_periods(case)
        if not periods or DEPARTMENT_SLOT not in case.handlers:
            raise Refused(
                "S11",
                "the same fault again is the department's it was passed on to: this "
                "complaint never was",
            )
        first = periods[0].amount
        # a period recorded before its length was: the longest the plan names
        days = max(HANDLING_PERIODS) if first is None else first
        handling = step(HANDLING, now, cal, days, f"{HANDLING}_{len(periods) + 1}")
        told = Notify(handling.roles, f"the same fault again: answer within {days} day(s)", "S11")
        return Decision((handling, told, s11_recurrence_fine(case)))

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

    def complete(self, case: Complaint, step_id: str, actor: c.Actor, now: datetime) -> Decision:
        """A step's work is delivered by ``actor``: met if in time, else missed with its
        consequences. Late work has them once: the step is no longer pending afterwards, so
        neither this nor the watcher can reach it again."""
        held = case.deadlines.get(step_id)
        if held is None or not held.is_pending:
            return Decision()
        self.check_delivers(case, held, actor)
        if now <= held.due_at:
            return Decision((MeetDeadlineEffect(held.deadline_id),))
        return Decision((MissDeadlineEffect(held.deadline_id),)) + self.consequences(case, held)

    def check_delivers(self, case: Complaint, held: Deadline, actor: c.Actor) -> None:
        # S1: the receipt form is its owner's until handed on, whatever their role.
        owns_the_form = held.kind == RECEIPT_FORM and actor.person == case.owner
        if self.may_mark_met(held, actor) or owns_the_form:
            return
        allowed = sorted(self.roles_marking_met(held))
        raise Refused(held.rule, f"the {held.kind} step is delivered by one of {allowed}")

    def finish(
        self,
        case: Complaint,
        step_id: str,
        actor: c.Actor,
        now: datetime,
        cal: WorkingCalendar,
        reason: str,
    ) -> Decision:
        """The track's last step is delivered; whatever else is pending ends undone."""
        done = self.complete(case, step_id, actor, now)
        rule = TRACK_RULES.get(track_of(case.category) or "", "C3")
        return done + self.end(case, now, cal, reason, rule, frozenset({step_id}))

    def end(
        self,
        case: Complaint,
        now: datetime,
        cal: WorkingCalendar,
        reason: str,
        rule: str,
        keep: frozenset[str] = frozenset(),
    ) -> Decision:
        """Every pending step but those in ``keep`` ends without its work: cancelled with
        ``reason`` if in time, else missed with its consequences (C3)."""
        return cancel_deadlines(case, now, reason, rule, self, cal, keep)
