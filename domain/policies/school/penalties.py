"""The school's penalties: S8 on the person complained about and their direct superior, S11
fines for a late campus step and for the same fault again."""

from __future__ import annotations

from domain.complaint import Complaint, Deadline
from domain.policies.school.procedure import (
    CAMPUS_RECEPTION,
    DEPARTMENT_HEAD,
    DEPARTMENT_SLOT,
    DEPARTMENT_STAFF,
    HANDLING,
    RECEIPT_FORM,
    RESPONSIBLE_SLOT,
    SUPERIOR_SLOT,
)
from domain.policy import AssessPenalty

RECEIPT_FORM_FINE_FEN = 10_000  # 100 yuan
HANDLING_FINE_FEN = 20_000  # 200 yuan
RECURRENCE_FINE_FEN = 20_000  # 200 yuan
FROM_PERFORMANCE_PAY = "deducted from performance pay"
ZERO_PERFORMANCE = "zero performance this month"
ZERO_MANAGEMENT_PERFORMANCE = "zero management performance this month"


def final_compensation_fen(case: Complaint) -> int:
    offers = [p["compensation_fen"] for p in case.proposals if p["compensation_fen"]]
    return offers[-1] if offers else 0


def s8_penalties(case: Complaint) -> tuple[AssessPenalty, ...]:
    """S8, once per case: the person complained about and their direct superior."""
    if any(p["rule"] == "S8" for p in case.penalties):
        return ()  # a reopened case carried out again is not penalised twice
    responsible = case.handlers.get(RESPONSIBLE_SLOT)
    zero = AssessPenalty(
        target_role=DEPARTMENT_STAFF,
        amount_fen=0,
        reason="complained about in a problem complaint",
        rule="S8",
        performance=ZERO_PERFORMANCE,
        person=responsible,
    )
    superior = AssessPenalty(
        target_role=DEPARTMENT_HEAD,
        amount_fen=0,
        reason="direct superior of the person complained about: mismanagement",
        rule="S8",
        performance=ZERO_MANAGEMENT_PERFORMANCE,
        person=case.handlers.get(SUPERIOR_SLOT),
    )
    loss = final_compensation_fen(case)
    if not loss:
        return (zero, superior)
    borne = AssessPenalty(
        target_role=DEPARTMENT_STAFF,
        amount_fen=loss,
        reason="economic loss borne in full by the person responsible",
        rule="S8",
        person=responsible,
    )
    return (zero, superior, borne)


def s11_fines(case: Complaint, missed: Deadline) -> tuple[AssessPenalty, ...]:
    """S11 ① and ②: the fines a missed campus step carries; other steps carry none."""
    if missed.kind == RECEIPT_FORM:
        # The first-contact owner (S1) held the receipt form.
        late_form = AssessPenalty(
            target_role=CAMPUS_RECEPTION,
            amount_fen=RECEIPT_FORM_FINE_FEN,
            reason="receipt form not passed on within 2 days",
            rule="S11",
            performance=FROM_PERFORMANCE_PAY,
            person=case.owner,
        )
        return (late_form,)
    if missed.kind == HANDLING:
        # 投诉处理期内没解决没反馈: the head of the department it was passed on to.
        unanswered = AssessPenalty(
            target_role=DEPARTMENT_HEAD,
            amount_fen=HANDLING_FINE_FEN,
            reason="neither resolved nor answered within the handling period",
            rule="S11",
            performance=ZERO_PERFORMANCE,
            person=case.handlers.get(DEPARTMENT_SLOT),
        )
        return (unanswered,)
    return ()


def s11_recurrence_fine(case: Complaint) -> AssessPenalty:
    # S11 ③: 投诉处理后再次触犯的相关责任部门负责人罚款200元.
    return AssessPenalty(
        target_role=DEPARTMENT_HEAD,
        amount_fen=RECURRENCE_FINE_FEN,
        reason="the same fault again after the complaint was handled",
        rule="S11",
        performance=FROM_PERFORMANCE_PAY,
        person=case.handlers.get(DEPARTMENT_SLOT),
    )
