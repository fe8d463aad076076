"""The school plan's vocabulary: roles, categories (S9), steps and their clocks, penalties.

Tables and pure functions that :class:`domain.policies.school.SchoolPolicy` composes into its
decisions. Each timed step of a track is a deadline named after the step; its row says which
rule sets it, who owns it, how long it runs and what act delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from domain.calendar import Unit, WorkingCalendar
from domain.commands import RecordContact
from domain.complaint import Complaint, Deadline
from domain.policy import (
    AssessPenalty,
    Decision,
    FlagCase,
    Notify,
    StartDeadline,
    deadline,
)

# --- roles --------------------------------------------------------------------------------

ADMINISTRATION = "administration"  # 行政部; the id "admin" is the tenant administrator's
DEPARTMENT_HEAD = "department_head"
DEPARTMENT_STAFF = "department_staff"
CAMPUS_SUPERVISOR = "campus_supervisor"
GENERAL_MANAGER = "general_manager"
REGIONAL_MANAGER = "regional_manager"
MARKET_DEPARTMENT = "market_department"
CAMPUS_RECEPTION = "campus_reception"
COORDINATOR = "coordinator"

# S6, S7: the leadership told at once of media, government or inspectors.
LEADERSHIP = (GENERAL_MANAGER, CAMPUS_SUPERVISOR, REGIONAL_MANAGER)
# S1: besides its owner, a manager may pass a case on (the owner may be away).
MANAGERS = frozenset({ADMINISTRATION, CAMPUS_SUPERVISOR, REGIONAL_MANAGER, GENERAL_MANAGER})
# C6: the plan has administration and leadership face the media (S6, S7); they alone write.
SPOKESPEOPLE = MANAGERS
DEPARTMENT = (DEPARTMENT_HEAD, DEPARTMENT_STAFF, COORDINATOR)

# Assign slots the procedure reads: where a case was forwarded (S2) or its receipt form passed
# on (S10), the person complained about and that person's direct superior (S8).
DEPARTMENT_SLOT = "department"
RESPONSIBLE_SLOT = "responsible"
SUPERIOR_SLOT = "superior"

# --- categories: the headquarters kinds (S2–S4) and the campus categories (S9) --------------

SUGGESTION = "suggestion"
CONSTRUCTIVE = "suggestion/constructive"
PROBLEM = "problem"
MALICIOUS = "malicious"
CAMPUS = "campus"
CAMPUS_SUBJECTS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        # 服务投诉: 基础建设, 安全保障, 接待咨询, 教学质量维护
        "service": ("facilities", "safety", "reception", "teaching_upkeep"),
        # 教学投诉: 教师到岗出勤, 教师上课质量, 课程讲义质量
        "teaching": ("attendance", "quality", "materials"),
    }
)
FORMS = ("suggestion", "complaint")  # S9: each category comes as 建议 or 投诉


def campus_category(area: str, subject: str, form: str) -> str:
    return f"{CAMPUS}/{area}/{subject}/{form}"


CAMPUS_CATEGORIES = tuple(
    campus_category(area, subject, form)
    for area, subjects in CAMPUS_SUBJECTS.items()
    for subject in subjects
    for form in FORMS
)
TRACK_RULES: Mapping[str, str] = MappingProxyType(
    {SUGGESTION: "S2", PROBLEM: "S3", MALICIOUS: "S4", CAMPUS: "S10"}
)
HQ_LEVEL = 4  # administration's rung: headquarters complaints start there


def track_of(category: str | None) -> str | None:
    """The procedure a category runs: suggestion, problem, malicious or campus."""
    return None if category is None else category.split("/")[0]


def form_of(category: str) -> str:
    return category.rsplit("/", 1)[-1]


# S10: 协调处理（1日、3日、7日）. The plan leaves the choice to urgency; this policy reads the
# urgency from what is complained about: safety cannot wait, other complaints are ordinary,
# a suggestion has the longest.
URGENT_DAYS, ORDINARY_DAYS, SUGGESTION_DAYS = 1, 3, 7


def handling_days(category: str) -> int:
    if form_of(category) == "suggestion":
        return SUGGESTION_DAYS
    return URGENT_DAYS if "/safety/" in category else ORDINARY_DAYS


# --- steps: each a deadline, met by the act that delivers its work ---------------------------


@dataclass(frozen=True)
class Step:
    rule: str
    roles: tuple[str, ...]
    amount: int
    unit: Unit
    starts: str
    met_by: str


FORWARD = "forward"
DEPARTMENT_REPORT = "department_report"
ADMIN_REVIEW = "admin_review"
FINAL_PLAN = "final_plan"
PROPOSAL = "proposal"
EXECUTION = "execution"
OPINION = "opinion"
FINAL_RESOLUTION = "final_resolution"
RESULT_REPORT = "result_report"
RECEIPT_FORM = "receipt_form"
INVESTIGATION = "investigation"
HANDLING = "handling"

HQ_PAIR = (ADMINISTRATION, DEPARTMENT_HEAD)
WD, HOURS, DAYS = Unit.WORKING_DAYS, Unit.HOURS, Unit.CALENDAR_DAYS
RECEIPT = "receipt"
S4_START = "receipt, or the S5 reclassification"
STEPS: Mapping[str, Step] = MappingProxyType(
    {
        FORWARD: Step(
            "S2", (ADMINISTRATION,), 24, HOURS, RECEIPT, "forwarding: Assign, slot 'department'"
        ),
        DEPARTMENT_REPORT: Step(
            "S2", DEPARTMENT, 5, WD, "the forwarding", "the report: ProposeResolution"
        ),
        ADMIN_REVIEW: Step(
            "S2", (ADMINISTRATION,), 2, WD, "the department's report", "the review: Resolve"
        ),
        FINAL_PLAN: Step("S3", HQ_PAIR, 5, WD, RECEIPT, "the complainant agreeing: RecordResponse"),
        PROPOSAL: Step(
            "S3", HQ_PAIR, 24, HOURS, "the meeting: Acknowledge", "the proposal: ProposeResolution"
        ),
        EXECUTION: Step(
            "S3", HQ_PAIR, 2, WD, "the general manager's approval", "carrying it out: Resolve"
        ),
        OPINION: Step("S4", HQ_PAIR, 24, HOURS, S4_START, "the opinion: ProposeResolution"),
        FINAL_RESOLUTION: Step(
            "S4", HQ_PAIR, 5, WD, S4_START, "RecordOutcome, target 'final_resolution'"
        ),
        RESULT_REPORT: Step("S4", HQ_PAIR, 2, WD, "the final resolution", "the report: Resolve"),
        # S11 ①: 2日内; a school opens at weekends, so campus days are calendar days.
        RECEIPT_FORM: Step(
            "S11",
            (CAMPUS_RECEPTION,),
            2,
            DAYS,
            RECEIPT,
            "passing the form on (Assign, slot 'department') or answering directly (Resolve)",
        ),
        INVESTIGATION: Step(
            "S10", DEPARTMENT, 0, DAYS, "passing the form on", "its findings: AttachEvidence"
        ),
        # Its length is chosen by urgency when it starts: see handling_days.
        HANDLING: Step(
            "S10",
            (DEPARTMENT_HEAD, COORDINATOR),
            ORDINARY_DAYS,
            DAYS,
            "receipt, or a reopening",
            "the answer: Resolve",
        ),
    }
)


def documented(step_id: str, held: Step) -> tuple[str, str, str]:
    """A step as a row of the generated docs' deadline table."""
    if step_id == HANDLING:
        length = "1, 3 or 7 calendar days by urgency from"
    elif held.amount == 0:
        length = "by the end of the day of"
    else:
        length = f"{held.amount} {held.unit.replace('_', ' ')} from"
    what = f"`{step_id}`: {length} {held.starts}; met by {held.met_by}"
    return (held.rule, what, ", ".join(held.roles))


# --- penalties (S8, S11) ---------------------------------------------------------------------

RECEIPT_FORM_FINE_FEN = 10_000  # 100 yuan
HANDLING_FINE_FEN = 20_000  # 200 yuan
RECURRENCE_FINE_FEN = 20_000  # 200 yuan
FROM_PERFORMANCE_PAY = "deducted from performance pay"
ZERO_PERFORMANCE = "zero performance this month"
ZERO_MANAGEMENT_PERFORMANCE = "zero management performance this month"

APPROVED = "approved"  # the general manager's opinion that starts the S3 execution
FOLLOW_UP = "follow-up"


# --- effects the tracks are built from ---------------------------------------------------------


def step(
    step_id: str,
    start: datetime,
    cal: WorkingCalendar,
    amount: int | None = None,
    deadline_id: str | None = None,
) -> StartDeadline:
    held = STEPS[step_id]
    length = held.amount if amount is None else amount
    return deadline(
        deadline_id or step_id, held.rule, start, length, held.unit, cal, held.roles, step_id
    )


def next_step(
    case: Complaint, step_id: str, now: datetime, cal: WorkingCalendar, reason: str
) -> Decision:
    """Start a step once: repeating the previous step's act does not restart its clock."""
    if step_id in case.deadlines:
        return Decision()
    started = step(step_id, now, cal)
    return Decision((started, Notify(started.roles, reason, started.rule)))


def intake_notice(category: str | None) -> Notify:
    # S1 七要: record, report. Headquarters reports to administration, a campus to its supervisor.
    track = track_of(category)
    if track == CAMPUS:
        roles: tuple[str, ...] = (CAMPUS_SUPERVISOR,)
    elif track is None:
        roles = (ADMINISTRATION, CAMPUS_SUPERVISOR)
    else:
        roles = (ADMINISTRATION,)
    return Notify(roles, "complaint received: record it, report it, answer in time", "S1")


def suggestion_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    thank = "suggestion: thank the customer; record the idea, name and contact; forward it"
    return Decision((Notify((ADMINISTRATION,), thank, "S2"), step(FORWARD, start, cal)))


def constructive(category: str) -> Decision:
    # S2: 若具有建设性的意见当事部门应面谈并当面道谢给予部分礼品.
    if category != CONSTRUCTIVE:
        return Decision()
    gift = "constructive suggestion: meet the customer, thank them in person, give a small gift"
    return Decision(
        (FlagCase("constructive_suggestion", "S2"), Notify((DEPARTMENT_HEAD,), gift, "S2"))
    )


def problem_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    meet = "problem complaint: register it by phone; where needed meet the complainant"
    return Decision(
        (Notify((ADMINISTRATION, CAMPUS_SUPERVISOR), meet, "S3"), step(FINAL_PLAN, start, cal))
    )


def malicious_begins(start: datetime, cal: WorkingCalendar) -> Decision:
    meet = "malicious complaint: meet the complainant at once and keep in contact"
    return Decision(
        (
            Notify(HQ_PAIR, meet, "S4"),
            step(OPINION, start, cal),
            step(FINAL_RESOLUTION, start, cal),
        )
    )


def campus_begins(category: str, start: datetime, cal: WorkingCalendar) -> Decision:
    return Decision(
        (step(RECEIPT_FORM, start, cal), step(HANDLING, start, cal, handling_days(category)))
    )


def followed_up(case: Complaint) -> bool:
    return any(entry["stage"] == FOLLOW_UP for entry in case.satisfaction)


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


def contact_notice(command: RecordContact, on_campus: bool) -> Notify:
    """S6, S7: who came, from where and why, to leadership at once; never held back."""
    who = f"{command.kind}: {command.name} ({command.organisation}), purpose: {command.purpose}"
    if command.kind == "inspection" or (on_campus and command.kind == "media"):
        # S7: the supervisor and regional manager decide; nothing is done unapproved.
        approval = "; no interview, inspection, photo or filming without their approval"
        return Notify(LEADERSHIP, who + approval, "S7")
    # S6: administration and the department heads go and explain.
    return Notify((*LEADERSHIP, *HQ_PAIR), who + "; administration and the head explain", "S6")
