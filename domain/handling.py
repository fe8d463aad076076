"""Carry out a command on a case: ask the policy, record the command's fact, then its effects.

This is the whole write path in pure form; the service layer adds loading and saving.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, DeadlineState
from domain.errors import InvalidTransition
from domain.policy import (
    AssessPenalty,
    Decision,
    Effect,
    EscalateTo,
    ExtendDeadlineEffect,
    FlagCase,
    MeetDeadlineEffect,
    MissDeadlineEffect,
    Notify,
    Policy,
    RecordIncident,
    ResolveCase,
    SetClassification,
    StartDeadline,
    configured,
)


def file_complaint(
    case_id: UUID,
    tenant_id: UUID,
    command: c.File,
    actor: c.Actor,
    policy: Policy,
    now: datetime,
    calendar: WorkingCalendar,
    options: Mapping[str, Any] | None = None,
) -> Complaint:
    """File a case under ``policy`` with the tenant's ``options`` (when given) in force; the
    Filed event records the values in force, and every later command on the case uses them."""
    if options is not None:
        policy = configured(policy, options)
    decision = policy.decide(None, command, actor, now, calendar)
    case = Complaint._create(
        Complaint.Filed,
        id=case_id,
        tenant_id=tenant_id,
        policy=policy.ref,
        received_at=command.received_at,
        channel=command.channel,
        summary=command.summary,
        details=command.details,
        complainant=dict(command.complainant),
        site=command.site,
        by=actor.person,
        at=now,
        policy_options=dict(getattr(policy, "options", {})),
    )
    apply_decision(case, decision, policy.ref, actor, now)
    return case


def execute(
    case: Complaint,
    command: c.Command,
    actor: c.Actor,
    policy: Policy,
    now: datetime,
    calendar: WorkingCalendar,
) -> Complaint:
    if not isinstance(command, c.Reopen):
        case.check_open(command.action)
    policy = configured(policy, case.policy_options)  # as recorded at filing, never as now
    decision = policy.decide(case, command, actor, now, calendar)
    record_command(case, command, actor, now, calendar)
    apply_decision(case, decision, policy.ref, actor, now)
    if isinstance(command, c.MissDeadline):
        missed = case.deadlines[command.deadline_id]
        apply_decision(
            case, policy.on_deadline_missed(case, missed, now, calendar), policy.ref, actor, now
        )
    return case


def record_command(
    case: Complaint, command: c.Command, actor: c.Actor, now: datetime, calendar: WorkingCalendar
) -> None:
    """The fact of the command itself; decisions about it come from the policy's effects."""
    who = {"by": actor.person, "at": now}
    match command:
        case c.Acknowledge():
            case.acknowledge(**who)
        case c.Assign(person=person, slot=slot):
            case.assign(person=person, slot=slot, **who)
        case c.HandOn(to_person=to_person, reason=reason):
            case.hand_on(to_person=to_person, reason=reason, **who)
        case c.AddNote(text=text):
            case.add_note(text=text, **who)
        case c.AddHandover(text=text):
            case.add_handover(text=text, **who)
        case c.AttachEvidence(description=d, reference=r, sha256=h):
            case.attach_evidence(description=d, reference=r, sha256=h, **who)
        case c.ProposeResolution(text=text, compensation_fen=fen):
            case.propose_resolution(text=text, compensation_fen=fen, **who)
        case c.RecordResponse(accepted=accepted, text=text):
            case.record_response(accepted=accepted, text=text, **who)
        case c.Resolve(outcome=outcome):
            case.resolve(outcome=outcome, **who)
        case c.Close(reason=reason, satisfaction=score):
            if score is not None:
                case.record_satisfaction(score=score, stage="closure", **who)
            case.close(reason=reason, **who)
        case c.Reopen(reason=reason):
            case.check_closed()
            case.reopen(reason=reason, **who)
        case c.RecordContact(kind=kind, name=name, organisation=org, purpose=purpose):
            case.record_contact(kind=kind, name=name, organisation=org, purpose=purpose, **who)
        case c.ReplyInWriting(text=text):
            case.reply_in_writing(text=text, **who)
        case c.RecordOutcome(authority=authority, target=target, opinion=opinion):
            case.record_outcome(authority=authority, target=target, opinion=opinion, **who)
        case c.NoteFeatures(features=features):
            case.note_features(features=dict(features), **who)
        case c.LinkToGroup(group=group):
            case.link(group=group, **who)
        case c.RecordSatisfaction(score=score, stage=stage):
            case.record_satisfaction(score=score, stage=stage, **who)
        case c.MeetDeadline(deadline_id=deadline_id):
            case.check_deadline(deadline_id, DeadlineState.OPEN, DeadlineState.PAUSED)
            case.meet_deadline(deadline_id=deadline_id, **who)
        case c.PauseDeadline(deadline_id=deadline_id, reason=reason):
            case.check_deadline(deadline_id, DeadlineState.OPEN)
            case.pause_deadline(deadline_id=deadline_id, reason=reason, **who)
        case c.ResumeDeadline(deadline_id=deadline_id):
            paused = case.check_deadline(deadline_id, DeadlineState.PAUSED)
            assert paused.paused_at is not None
            case.resume_deadline(
                deadline_id=deadline_id,
                paused_for_seconds=(now - paused.paused_at).total_seconds(),
                # the time left, in the deadline's own unit (working days skip the weekend)
                due_at=calendar.resumed_due(paused.due_at, paused.unit, paused.paused_at, now),
                **who,
            )
        case c.MissDeadline(deadline_id=deadline_id):
            case.check_deadline(deadline_id, DeadlineState.OPEN)
            case.miss_deadline(deadline_id=deadline_id, **who)
        case c.ExtendDeadline(deadline_id=deadline_id):
            case.check_deadline(deadline_id, DeadlineState.OPEN, DeadlineState.PAUSED)
        case c.Classify() | c.Escalate() | c.ReportIncident():
            pass  # wholly decided by the policy
        case c.AssessAccountability():
            pass  # wholly decided by the policy: its penalties are the record
        case _:
            raise InvalidTransition(f"unsupported command {command.action}")


def apply_decision(
    case: Complaint, decision: Decision, policy_ref: str, actor: c.Actor, now: datetime
) -> None:
    for effect in decision.effects:
        apply_effect(case, effect, policy_ref, actor, now)


def apply_effect(
    case: Complaint, effect: Effect, policy: str, actor: c.Actor, now: datetime
) -> None:
    who = {"by": actor.person, "at": now}
    match effect:
        case SetClassification(category=cat, level=level, rung=rung, reason=reason, rule=rule):
            case.classify(
                category=cat,
                level=level,
                rung=rung,
                reason=reason,
                rule=rule,
                policy=policy,
                **who,
            )
        case EscalateTo(level=level, rung=rung, reason=reason, rule=rule, notify=roles):
            case.escalate(
                to_level=level,
                rung=rung,
                reason=reason,
                rule=rule,
                policy=policy,
                notify=list(roles),
                **who,
            )
        case Notify(roles=roles, reason=reason, rule=rule):
            case.notify(roles=list(roles), reason=reason, rule=rule, policy=policy, **who)
        case RecordIncident(
            kind=kind, description=d, police_called=police, notify=roles, rule=rule
        ):
            case.report_incident(
                kind=kind,
                description=d,
                police_called=police,
                notify=list(roles),
                rule=rule,
                policy=policy,
                **who,
            )
        case StartDeadline(deadline_id=did, kind=kind, rule=rule, due_at=due, roles=roles):
            case.start_deadline(
                deadline_id=did,
                kind=kind,
                rule=rule,
                due_at=due,
                roles=list(roles),
                policy=policy,
                unit=str(effect.unit) if effect.unit else None,
                **who,
            )
        case ExtendDeadlineEffect():
            case.extend_deadline(
                deadline_id=effect.deadline_id,
                due_at=effect.due_at,
                reason=effect.reason,
                approved_by=effect.approved_by,
                rule=effect.rule,
                policy=policy,
                **who,
            )
        case MeetDeadlineEffect(deadline_id=did):
            if did in case.deadlines and case.deadlines[did].is_pending:
                case.meet_deadline(deadline_id=did, **who)
        case MissDeadlineEffect(deadline_id=did):
            if did in case.deadlines and case.deadlines[did].is_pending:
                case.miss_deadline(deadline_id=did, **who)
        case AssessPenalty():
            case.assess_penalty(
                target_role=effect.target_role,
                person=effect.person,
                amount_fen=effect.amount_fen,
                performance=effect.performance,
                reason=effect.reason,
                rule=effect.rule,
                policy=policy,
                **who,
            )
        case ResolveCase(outcome=outcome):
            case.resolve(outcome=outcome, **who)
        case FlagCase(flag=flag, rule=rule):
            case.flag(flag=flag, rule=rule, **who)
