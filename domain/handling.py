"""Carry out a command on a case: ask the policy, record the command's fact, then its effects.

This is the whole write path in pure form; the service layer adds loading and saving. Every
event of a command is recorded inside ``acting(actor.person, now)``, which gives each its
``by`` and ``at``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.acting import acting, current
from domain.calendar import WorkingCalendar
from domain.complaint import Complaint, recorded
from domain.errors import InvalidTransition
from domain.policy import (
    AssessPenalty,
    CancelDeadlineEffect,
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
from domain.reminders import NO_REMINDERS, Schedule


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
    Complaint.check_received_at(command.received_at, now)
    if options is not None:
        policy = configured(policy, options)
    decision = policy.decide(None, command, actor, now, calendar)
    plan = schedule_of(policy, calendar)
    with acting(actor.person, now):
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
            unit_id=command.unit,
            tracking=command.tracking,
            access_sha256=command.access_sha256,
        )
        apply_decision(case, decision, policy.ref, plan)
    return case


def schedule_of(policy: Policy, calendar: WorkingCalendar) -> Schedule:
    """The policy's reminders in the tenant's calendar (none for a policy that names none)."""
    return Schedule(tuple(getattr(policy, "reminders", ())), calendar)


def execute(
    case: Complaint,
    command: c.Command,
    actor: c.Actor,
    policy: Policy,
    now: datetime,
    calendar: WorkingCalendar,
) -> Complaint:
    # a closed case is reopened, and the messages sent about it (its closing feedback) are
    # recorded on it; nothing else is done to it
    if not isinstance(command, c.Reopen | c.RecordDelivery):
        case.check_open(command.action)
    policy = configured(policy, case.policy_options)  # as recorded at filing, never as now
    decision = policy.decide(case, command, actor, now, calendar)
    plan = schedule_of(policy, calendar)
    with acting(actor.person, now):
        record_command(case, command, plan, policy.ref)
        apply_decision(case, decision, policy.ref, plan)
        if isinstance(command, c.MissDeadline):
            missed = case.deadlines[command.deadline_id]
            consequences = policy.on_deadline_missed(case, missed, now, calendar)
            apply_decision(case, consequences, policy.ref, plan)
    return case


def record_command(case: Complaint, command: c.Command, plan: Schedule, policy: str) -> None:
    """The fact of the command itself; decisions about it come from the policy's effects.
    The case checks that its state allows it (a reopen, a deadline's state)."""
    match command:
        case c.Acknowledge():
            case.acknowledge()
        case c.Assign(person=person, slot=slot, handling_days=days):
            case.assign(person=person, slot=slot, handling_days=days)
        case c.HandOn(to_person=to_person, reason=reason):
            case.hand_on(to_person=to_person, reason=reason)
        case c.AddNote(text=text):
            case.add_note(text=text)
        case c.AddHandover(text=text):
            case.add_handover(text=text)
        case c.AttachEvidence(description=d, reference=r, sha256=h):
            case.attach_evidence(description=d, reference=r, sha256=h)
        case c.ProposeResolution(text=text, compensation_fen=fen):
            case.propose_resolution(text=text, compensation_fen=fen)
        case c.RecordResponse(accepted=accepted, text=text, via=via):
            case.record_response(accepted=accepted, text=text, via=via)
        case c.RecordDelivery():
            case.record_delivery(
                delivery=command.delivery,
                step=command.step,
                channel=command.channel,
                attempt=command.attempt,
                sent=command.sent,
                error=command.error,
                retry_at=command.retry_at,
            )
        case c.Resolve(outcome=outcome):
            case.resolve(outcome=outcome)
        case c.Close(reason=reason, satisfaction=score):
            if score is not None:
                case.record_satisfaction(score=score, stage="closure")
            case.close(reason=reason)
        case c.Reopen(reason=reason, recurrence=recurrence):
            case.reopen(reason=reason, recurrence=recurrence)
        case c.RecordContact(kind=kind, name=name, organisation=org, purpose=purpose):
            case.record_contact(kind=kind, name=name, organisation=org, purpose=purpose)
        case c.ReplyInWriting(text=text):
            case.reply_in_writing(text=text)
        case c.RecordOutcome(authority=authority, target=target, opinion=opinion):
            case.record_outcome(authority=authority, target=target, opinion=opinion)
        case c.NoteFeatures(features=features):
            case.note_features(features=dict(features))
        case c.LinkToGroup(group=group):
            case.link(group=group)
        case c.ReversePenalty(penalty=penalty, reason=reason):
            case.reverse_penalty(penalty=penalty, reason=reason)
        case c.MoveToUnit(unit=unit, reason=reason):
            case.move_to_unit(unit_id=unit, reason=reason)
        case c.RecordSatisfaction(score=score, stage=stage, comment=comment):
            case.record_satisfaction(score=score, stage=stage, comment=comment)
        case c.MeetDeadline(deadline_id=deadline_id):
            case.meet_deadline(deadline_id=deadline_id)
        case c.PauseDeadline(deadline_id=deadline_id, reason=reason):
            case.pause_deadline(deadline_id=deadline_id, reason=reason)
        case c.ResumeDeadline(deadline_id=deadline_id):
            case.resume_deadline(deadline_id=deadline_id, calendar=plan.calendar, schedule=plan)
        case c.RemindDeadline(deadline_id=deadline_id):
            case.remind(deadline_id=deadline_id, policy=policy)
        case c.MissDeadline(deadline_id=deadline_id):
            case.miss_deadline(deadline_id=deadline_id)
        case c.ExtendDeadline():
            pass  # the extension is the policy's effect: Complaint.extend_deadline checks it
        case c.Classify() | c.Escalate() | c.ReportIncident():
            pass  # wholly decided by the policy
        case c.AssessAccountability():
            pass  # wholly decided by the policy: its penalties are the record
        case _:
            raise InvalidTransition(f"unsupported command {command.action}")


def apply_decision(
    case: Complaint, decision: Decision, policy_ref: str, plan: Schedule = NO_REMINDERS
) -> None:
    for effect in decision.effects:
        apply_effect(case, effect, policy_ref, plan)


def apply_effect(
    case: Complaint, effect: Effect, policy: str, plan: Schedule = NO_REMINDERS
) -> None:
    match effect:
        case SetClassification(category=cat, level=level, rung=rung, reason=reason, rule=rule):
            case.classify(
                category=cat, level=level, rung=rung, reason=reason, rule=rule, policy=policy
            )
        case EscalateTo(level=level, rung=rung, reason=reason, rule=rule, notify=roles):
            case.escalate(
                to_level=level,
                rung=rung,
                reason=reason,
                rule=rule,
                policy=policy,
                notify=list(roles),
                unit_id=case.unit_id,
            )
        case Notify(roles=roles, reason=reason, rule=rule):
            case.notify(roles=list(roles), reason=reason, rule=rule, policy=policy)
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
                amount=effect.amount,
                reminders=recorded(plan.of(current().at, due, effect.unit)),
            )
        case ExtendDeadlineEffect():
            case.extend_deadline(
                deadline_id=effect.deadline_id,
                due_at=effect.due_at,
                reason=effect.reason,
                approved_by=effect.approved_by,
                rule=effect.rule,
                policy=policy,
                schedule=plan,
            )
        case MeetDeadlineEffect(deadline_id=did):
            case.settle_deadline(deadline_id=did, met=True)
        case MissDeadlineEffect(deadline_id=did):
            case.settle_deadline(deadline_id=did, met=False)
        case CancelDeadlineEffect(deadline_id=did, reason=reason, rule=rule):
            case.cancel_deadline(deadline_id=did, reason=reason, rule=rule, policy=policy)
        case AssessPenalty():
            case.assess_penalty(
                target_role=effect.target_role,
                person=effect.person,
                amount_fen=effect.amount_fen,
                performance=effect.performance,
                reason=effect.reason,
                rule=effect.rule,
                policy=policy,
                unit_id=case.unit_id,
            )
        case ResolveCase(outcome=outcome):
            case.resolve(outcome=outcome)
        case FlagCase(flag=flag, rule=rule):
            case.flag(flag=flag, rule=rule)
