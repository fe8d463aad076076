"""What a complainant reads of their case (services/api/public/status.py serves it): the
stage in the tenant's words per procedure and rung, what comes next and by when, the
organisation's replies and proposal, and the answers open to them now (C4, H6, S10).

Picked field by field from the case and its history, never passed through: notes, handovers,
restricted fields (B9), evidence and staff ids are never read here, and every reply is the
organisation's, never a person's.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from msgspec import Struct

from domain import commands as c
from domain.complaint import Complaint, Status
from domain.errors import DomainError
from domain.policies.hospital.procedure import WRITTEN_MATERIALS
from domain.policies.hospital.rules import step_refusal
from domain.tenant import Tenant
from services.handlers.cases import Cases
from services.handlers.policies import load_policy

FOLLOW_UP = "follow-up"
# (rung name) -> what the complainant reads while the case is there: (zh, en)
RUNG_WORDS: dict[str, tuple[str, str]] = {
    # hospital (H5, H6, H7, H9, H10)
    "department": ("科室正在调查处理", "The department is looking into it"),
    "medical_affairs": ("医务科正在调查处理", "The medical affairs office is looking into it"),
    "vice_president": ("分管副院长正在协调处理", "The vice-president in charge is handling it"),
    "medical_appraisal": ("正在进行医疗鉴定", "A medical appraisal is under way"),
    "court": ("案件正在法院审理", "The case is before the court"),
    "health_authority": ("卫生行政部门正在处理", "The health authority is handling it"),
    # bank
    "intake": ("已收到，正在登记", "Received and being registered"),
    "on_the_spot": ("网点正在处理", "The branch is dealing with it"),
    "business_disrupted": ("银行综合部门正在处理", "The bank's general department is handling it"),
    "serious_agitation": ("银行领导正在处理", "The bank's leadership is handling it"),
    # school
    "campus_reception": ("校区接待正在处理", "Campus reception is handling it"),
    "campus_supervisor": ("校区主管正在处理", "The campus supervisor is handling it"),
    "regional_manager": ("区域经理正在处理", "The regional manager is handling it"),
    "administration": ("总部行政部正在处理", "Head office administration is handling it"),
    "general_manager": ("总经理正在处理", "The general manager is handling it"),
}
OPEN_WORDS = ("正在处理", "Your complaint is being handled")
RESOLVED_WORDS = ("处理已完成，等待结案", "Handling is complete; the case will be closed")
ACCEPTED_WORDS = ("您已接受处理意见，处理已完成", "You accepted the answer; handling is complete")
CLOSED_WORDS = ("已结案", "The case is closed")
# deadline kind -> the step the complainant waits for (school's steps, S2-S4, S10, S11)
STEP_WORDS: dict[str, tuple[str, str]] = {
    "receipt_form": ("校区答复或转交相关部门", "Campus reception answers or passes it on"),
    "investigation": ("当日完成调查", "The investigation is done the day received"),
    "handling": ("相关部门处理并答复您", "The department handles it and answers you"),
    "forward": ("转交相关部门", "It is passed to the department concerned"),
    "department_report": ("相关部门提交处理报告", "The department reports on it"),
    "admin_review": ("行政部审核处理结果", "Administration reviews the outcome"),
    "final_plan": ("与您商定最终方案", "A final plan is agreed with you"),
    "proposal": ("提出处理方案", "A solution is proposed to you"),
    "execution": ("落实处理方案", "The plan is carried out"),
    "opinion": ("提出处理意见", "An opinion is given"),
    "final_resolution": ("作出最终处理决定", "The final decision is made"),
    "result_report": ("报告处理结果", "The outcome is reported"),
}
ANSWER_WORDS = (
    "请告诉我们您是否接受处理方案",
    "Tell us whether you accept the proposed resolution",
)
MATERIALS_WORDS = ("请提交书面材料", "Please send your written materials")
FOLLOW_UP_WORDS = ("请对处理结果评分", "Please rate how your complaint was handled")
WAIT_WORDS = ("我们会尽快答复您", "We will answer you as soon as we can")
CLOSE_WORDS = ("案件即将结案", "The case will be closed")
BY_WORDS = ("{what}（{when} 前）", "{what} (by {when})")


def words(pair: tuple[str, str], zh: bool) -> str:
    return pair[0] if zh else pair[1]


# --- what the complainant sees ---------------------------------------------------------


class ReplyOut(Struct):
    kind: str  # reply | closing
    sender: str  # the organisation, never a person
    text: str
    at: datetime


class ProposalOut(Struct):
    text: str
    compensation_yuan: str | None
    awaiting_answer: bool


class StatusOut(Struct):
    tracking: str | None
    stage: str  # open | resolved | closed
    stage_text: str
    next: str | None
    next_by: datetime | None
    replies: list[ReplyOut]
    proposal: ProposalOut | None
    can: list[str]


class GrantedOut(Struct):
    access_token: str
    expires_at: datetime
    status: StatusOut


class Accepted(Struct):
    detail: str


def yuan(fen: int | None) -> str | None:
    return None if fen is None else f"{fen // 100}.{fen % 100:02d}"


def awaiting_answer(history: Sequence[Any]) -> bool:
    """A proposal awaits the complainant's answer: none recorded since the last one."""
    waiting = False
    for event in history:
        name = type(event).__name__
        if name == "ResolutionProposed":
            waiting = True
        elif name in ("ComplainantResponded", "Reopened", "Resolved", "Closed"):
            waiting = False
    return waiting


def awaits_materials(case: Complaint) -> bool:
    """H6: medical affairs asks for written materials once its answer is declined."""
    if not case.policy.startswith("hospital@") or WRITTEN_MATERIALS in case.flags:
        return False
    return step_refusal(case, WRITTEN_MATERIALS, c.COMPLAINANT) is None


def open_actions(tenant: Tenant, case: Complaint, history: Sequence[Any]) -> list[str]:
    """What the complainant may do now (C4): answer a proposal, add materials while the case
    is open, and answer the follow-up where the policy visits (S10: once handling has ended
    and the solution is carried out, before closing) when its policy would take it now."""
    can: list[str] = []
    if case.status is Status.OPEN:
        if awaiting_answer(history):
            can += ["accept", "decline"]
        can.append("materials")
    if (
        case.status is Status.RESOLVED
        and FOLLOW_UP in load_policy(case.policy).feedback_steps
        and takes(tenant, case, c.RecordSatisfaction(score=5, stage=FOLLOW_UP))
    ):
        can.append("follow-up")
    return can


def takes(tenant: Tenant, case: Complaint, command: c.Command) -> bool:
    """Whether the case's policy would take ``command`` from the complainant now: decided on
    a copy by the code that decides the write itself, so the page never offers what the
    write refuses. (The time is the wall clock's: no decision the complainant can make
    depends on it.)"""
    try:
        Cases.decide(tenant, copy.deepcopy(case), command, c.COMPLAINANT, datetime.now(UTC))
    except DomainError:
        return False
    return True


def stage_text(case: Complaint, zh: bool) -> str:
    if case.status is Status.CLOSED:
        return words(CLOSED_WORDS, zh)
    if case.status is Status.RESOLVED:
        accepted = case.responses and case.responses[-1]["accepted"]
        return words(ACCEPTED_WORDS if accepted else RESOLVED_WORDS, zh)
    rung = case.rung
    if rung is None:
        ladder = load_policy(case.policy).ladder
        rung = ladder[case.level].name if case.level < len(ladder) else None
    return words(RUNG_WORDS.get(rung or "", OPEN_WORDS), zh)


def next_step(
    case: Complaint, can: list[str], tenant: Tenant, zh: bool
) -> tuple[str | None, datetime | None]:
    if "accept" in can:
        return words(ANSWER_WORDS, zh), None
    if case.status is Status.OPEN and awaits_materials(case):
        return words(MATERIALS_WORDS, zh), None
    if "follow-up" in can:
        return words(FOLLOW_UP_WORDS, zh), None
    if case.status is Status.CLOSED:
        return None, None
    if case.status is Status.RESOLVED:
        return words(CLOSE_WORDS, zh), None
    known = [d for d in case.deadlines.values() if d.is_running and d.kind in STEP_WORDS]
    if not known:
        return words(WAIT_WORDS, zh), None
    first = min(known, key=lambda d: d.due_at)
    when = first.due_at.astimezone(ZoneInfo(tenant.timezone)).strftime("%Y-%m-%d %H:%M")
    what = words(STEP_WORDS[first.kind], zh)
    return words(BY_WORDS, zh).format(what=what, when=when), first.due_at


def status_of(tenant: Tenant, case: Complaint, history: Sequence[Any], lang: str) -> StatusOut:
    zh = lang == "zh-CN"
    can = open_actions(tenant, case, history)
    replies = [ReplyOut("reply", tenant.name, r["text"], r["at"]) for r in case.written_replies]
    closed = [e for e in history if type(e).__name__ == "Closed"]
    if case.status is Status.CLOSED and closed and closed[-1].reason:
        replies.append(ReplyOut("closing", tenant.name, closed[-1].reason, closed[-1].at))
    proposal = None
    if case.proposals:
        latest = case.proposals[-1]
        proposal = ProposalOut(
            latest["text"], yuan(latest["compensation_fen"]), awaiting_answer(history)
        )
    next_text, next_by = next_step(case, can, tenant, zh)
    return StatusOut(
        tracking=case.tracking,
        stage=case.status.value,
        stage_text=stage_text(case, zh),
        next=next_text,
        next_by=next_by,
        replies=replies,
        proposal=proposal,
        can=can,
    )
