"""The school plan's vocabulary: roles, categories (S9), the ladder, steps and their clocks.

Tables that :class:`domain.policies.school.policy.SchoolPolicy` decides by. Each timed step of
a track is a deadline named after the step; its row says which rule sets it, who owns it, how
long it runs, what act delivers it and whose act that must be (C3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from domain.calendar import Unit
from domain.policy import Rung

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


# S10: 协调处理（1日、3日、7日）. The plan names the three periods and no rule between them, so
# the receiving role chooses one when it passes the receipt form on; nothing infers it.
HANDLING_PERIODS = (1, 3, 7)


# --- steps: each a deadline, met by the act that delivers its work ---------------------------


@dataclass(frozen=True)
class Step:
    rule: str
    roles: tuple[str, ...]  # who holds it: told when it starts and when it is missed
    amount: int | None  # None: chosen when it starts
    unit: Unit
    starts: str
    met_by: str
    # C3: whose act delivers it, where they are not its holders
    markers: tuple[str, ...] = ()

    @property
    def delivered_by(self) -> tuple[str, ...]:
        return self.markers or self.roles


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
FOLLOW_UP = "follow-up"
FOLLOW_UP_ROLE = CAMPUS_RECEPTION
# S10 ⑥ 回访: the plan names no figure; three working days from the solution carried out is
# this school's reading, so a visit forgotten is missed like every other step
FOLLOW_UP_DAYS = 3
STEPS: Mapping[str, Step] = MappingProxyType(
    {
        FORWARD: Step(
            "S2", (ADMINISTRATION,), 24, HOURS, RECEIPT, "forwarding: Assign, slot 'department'"
        ),
        DEPARTMENT_REPORT: Step(
            "S2", DEPARTMENT, 5, WD, "the forwarding", "the report: ProposeResolution"
        ),
        ADMIN_REVIEW: Step(
            "S2",
            (ADMINISTRATION,),
            2,
            WD,
            "the department's report",
            "the review: Resolve",
            (ADMINISTRATION, GENERAL_MANAGER),
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
        # S11 ①: 2日内; a school opens at weekends, so campus days are calendar days. The
        # case's owner delivers it too: the fine for a late form falls on them (S1).
        RECEIPT_FORM: Step(
            "S11",
            (CAMPUS_RECEPTION,),
            2,
            DAYS,
            RECEIPT,
            "passing the form on (Assign, slot 'department', with handling_days) or "
            "answering directly (Resolve), by campus_reception or the case's owner",
        ),
        # S10 ②: 本日内完成, the day the complaint was received.
        INVESTIGATION: Step(
            "S10",
            (CAMPUS_RECEPTION, *DEPARTMENT),
            0,
            DAYS,
            RECEIPT,
            "its findings attached to the receipt form: AttachEvidence",
            (CAMPUS_RECEPTION, *DEPARTMENT, CAMPUS_SUPERVISOR),
        ),
        # S10 ③: as long as the receiving role chose, counted from passing the form on, or
        # from the reopening for the same fault again (S11 ③).
        HANDLING: Step(
            "S10",
            (DEPARTMENT_HEAD, COORDINATOR),
            None,
            DAYS,
            "passing the form on, or a reopening for the same fault again",
            "the customer's feedback: Resolve",
            (DEPARTMENT_HEAD, COORDINATOR, CAMPUS_RECEPTION),
        ),
        # S10 ⑥: the follow-up visit, by reception or the customer's own answer to the survey
        FOLLOW_UP: Step(
            "S10",
            (CAMPUS_RECEPTION,),
            FOLLOW_UP_DAYS,
            WD,
            "the solution carried out (RecordOutcome, target 'solution')",
            "the follow-up visit: RecordSatisfaction, stage 'follow-up'",
            (CAMPUS_RECEPTION, "complainant"),
        ),
    }
)


def documented(step_id: str, held: Step) -> tuple[str, str, str]:
    """A step as a row of the generated docs' deadline table."""
    if held.amount is None:
        periods = ", ".join(map(str, HANDLING_PERIODS[:-1])) + f" or {HANDLING_PERIODS[-1]}"
        length = f"{periods} {held.unit.replace('_', ' ')}, as the receiving role chose, from"
    elif held.amount == 0:
        length = "by the end of the day of"
    else:
        length = f"{held.amount} {held.unit.replace('_', ' ')} from"
    what = f"`{step_id}`: {length} {held.starts}; met by {held.met_by}"
    if held.markers:
        what += f", by {', '.join(held.markers)}"
    return (held.rule, what, ", ".join(held.roles))


# C3: each step is marked met only by the roles whose act delivers it.
DEADLINE_MET_BY: Mapping[str, frozenset[str]] = MappingProxyType(
    {step_id: frozenset(held.delivered_by) for step_id, held in STEPS.items()}
)

APPROVED = "approved"  # the general manager's opinion that starts the S3 execution
# S10 ⑤ 实施解决: the solution carried out, a RecordOutcome with this target.
SOLUTION = "solution"
# S10 ⑥ 跟踪回访: the follow-up visit is reception's 回访服务 (S9, 校区接待咨询), and the
# satisfaction score it takes is on a five-point scale.
SCORES = range(1, 6)


# --- the policy's tables ---------------------------------------------------------------------

ROLES: Mapping[str, str] = MappingProxyType(
    {
        ADMINISTRATION: "行政部 administration department: registers headquarters complaints, "
        "forwards, negotiates and reports to the general manager (S2–S5); meets media and "
        "government (S6)",
        DEPARTMENT_HEAD: "被投诉部门负责人 head of the department complained about: reports, "
        "forms opinions and resolutions (S2–S4); fined under S11; direct superior (S8)",
        DEPARTMENT_STAFF: "部门员工 staff of a department: investigates and reports (S2, S10); "
        "the person complained about (S8)",
        CAMPUS_SUPERVISOR: "校区主管 campus supervisor: meets problem complainants with "
        "administration (S3); decides on media and inspection on campus (S7)",
        GENERAL_MANAGER: "总经理 general manager: receives the reports (S2–S4), approves "
        "final plans (S3)",
        REGIONAL_MANAGER: "区域经理 regional manager: decides on media and inspection (S7)",
        MARKET_DEPARTMENT: "市场部 market department: public relations; nothing automated (S6)",
        CAMPUS_RECEPTION: "校区接待 campus reception: receives, answers or fills the receipt "
        "form, chooses the handling period and passes it on within 2 days (S10, S11); makes "
        "the follow-up visit and takes the satisfaction score (S10)",
        COORDINATOR: "协调部门 coordinating department: investigates and handles (S10)",
        "admin": "tenant administrator: people, keys and calendar; no part in the procedure",
    }
)
# C2: a campus case climbs from reception to the campus's managers and on to headquarters;
# a headquarters case starts at administration, one rung below the general manager.
LADDER = (
    Rung(0, "campus_reception", (CAMPUS_RECEPTION,)),
    Rung(1, "department", (DEPARTMENT_HEAD, COORDINATOR)),
    Rung(2, "campus_supervisor", (CAMPUS_SUPERVISOR,)),
    Rung(3, "regional_manager", (REGIONAL_MANAGER,)),
    Rung(HQ_LEVEL, "administration", (ADMINISTRATION,)),
    Rung(5, "general_manager", (GENERAL_MANAGER,)),
)
CATEGORIES: Mapping[str, int] = MappingProxyType(
    {cat: HQ_LEVEL for cat in (SUGGESTION, CONSTRUCTIVE, PROBLEM, MALICIOUS)}
    | dict.fromkeys(CAMPUS_CATEGORIES, 0)
)
INCIDENT_ROLES = (*LEADERSHIP, ADMINISTRATION)  # C5: the school has no security post
PERMISSIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "written-replies": SPOKESPEOPLE,
        "deadline-missed": frozenset[str](),
        # S2: administration forwards a case to the department concerned
        "move": frozenset({ADMINISTRATION, GENERAL_MANAGER}),
        # S8, S11: the fines are reported to the general manager, who alone takes one back
        "penalty-reversals": frozenset({GENERAL_MANAGER}),
    }
)
# S7, S10: a campus's supervisor, reception and departments act on that campus's cases; a
# region's manager on its campuses'; administration and the general manager are the school's.
UNIT_ROLES = frozenset(
    {CAMPUS_SUPERVISOR, CAMPUS_RECEPTION, REGIONAL_MANAGER, COORDINATOR, *DEPARTMENT}
)
REFUSALS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "written-replies": (
            "C6",
            "only administration or the school's leadership answers in writing",
        ),
        "deadline-missed": ("C3", "only the deadline watcher records a missed deadline"),
        "penalty-reversals": ("S11", "only the general manager takes back a fine"),
        "move": ("S2", "administration forwards a case to the unit concerned"),
    }
)
DOCUMENTED_DEADLINES = tuple(documented(step_id, held) for step_id, held in STEPS.items())
