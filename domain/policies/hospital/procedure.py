"""The hospital plan's tables: the six rungs, who is told and who acts at each, H6's steps,
the suit and the designations, incident kinds, the deadlines and who meets them, the tenant
option, and who may act (H1–H13).

Read by :class:`domain.policies.hospital.policy.HospitalPolicy`; a rule's ID sits beside the
value it sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.policies.base import OPTIONS_OF_EVERY_POLICY
from domain.policy import Notify, PolicyOption, Rung

DEPARTMENT, MEDICAL_AFFAIRS, VICE_PRESIDENT, APPRAISAL, COURT, HEALTH_AUTHORITY = range(6)

# H4: a complaint or dispute is reported at once to all three.
INTAKE_ROLES = ("department_head", "head_nurse", "medical_affairs")
# H11: disorder goes to security and medical affairs (保卫科、医务处).
INCIDENT_ROLES = ("security", "medical_affairs")
# H8, H9: "the hospital designates" — the people who speak for the hospital in disputes.
DESIGNATORS = frozenset({"medical_affairs", "vice_president"})
# Medical affairs coordinates the whole procedure (H6, H13), so it may move a case on from any rung.
COORDINATOR = "medical_affairs"
LEADS = frozenset({"department_head", "medical_affairs", "vice_president"})

# The rungs where the hospital itself answers: a case leaves them only when the complainant has
# declined that answer (H5 "if they accept, it ends", H6 "not accepted → vice-president",
# H13 "患者不能接受→向分管副院长汇报→仍无法解决时→医疗鉴定").
HOSPITAL_RUNGS = frozenset({DEPARTMENT, MEDICAL_AFFAIRS, VICE_PRESIDENT})
ACCEPTANCE_RULES = MappingProxyType({DEPARTMENT: "H5", MEDICAL_AFFAIRS: "H6", VICE_PRESIDENT: "H6"})
ESCALATION_RULES = MappingProxyType(
    {
        MEDICAL_AFFAIRS: "H6",
        VICE_PRESIDENT: "H6",
        APPRAISAL: "H7",
        COURT: "H9",
        HEALTH_AUTHORITY: "H10",
    }
)
DECLINE_NOTICES = MappingProxyType(
    {
        MEDICAL_AFFAIRS: Notify(
            ("medical_affairs",),
            "answer not accepted: ask the complainant for written materials and attach them, "
            "record the investigation's findings (outcome 'investigation'), propose a solution, "
            "then report to the vice-president",
            "H6",
        ),
        VICE_PRESIDENT: Notify(
            ("medical_affairs", "vice_president"),
            "negotiation failed: advise the complainant to seek a medical appraisal by law",
            "H7",
        ),
    }
)

INCIDENT_KINDS = MappingProxyType(
    {
        "disorder": "无理取闹 making trouble without cause",
        "record_seizure": "抢夺病历资料 seizing medical records",
        "assault": "殴打医务人员 beating staff",
        "insult": "辱骂医务人员 insulting staff",
        "disruption": "损坏医院正常工作秩序 disrupting the hospital's work",
        "other": "other disorderly conduct",
    }
)
# Physical harm or seized records cannot wait for a report up the line: alert the police (110).
VIOLENT_KINDS = frozenset({"assault", "record_seizure"})
POLICE_ALERT = "police_alert"

# H6: what follows a declined answer at medical affairs, in the plan's order, before the case
# is reported to the vice-president (要求其提供书面材料，由有关负责人调查了解详情，提出解决问题的
# 方案). Each is a recorded act, flagged on the case once the policy counts it as the step:
# the written materials attached, the findings recorded as an outcome of INVESTIGATION, a
# proposed resolution.
WRITTEN_MATERIALS = "written_materials_received"
INVESTIGATED = "investigation_done"
PROPOSED = "proposal_made"
H6_STEPS = (WRITTEN_MATERIALS, INVESTIGATED, PROPOSED)
INVESTIGATION = "investigation"  # the outcome authority that records the findings
# Medical affairs asks for the materials and organises the investigation (H6, H13 及时组织调查
# 核实); the proposal comes from it or the department head it handles the case with.
STEP_RECORDERS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        # H6: 要求患方提交书面材料: the complainant's own, or what medical affairs attaches
        WRITTEN_MATERIALS: frozenset({"medical_affairs", "complainant"}),
        INVESTIGATED: frozenset({"medical_affairs"}),
        PROPOSED: frozenset({"medical_affairs", "department_head"}),
    }
)

# H9: the complainant's suit, recorded as a contact of this kind at the appraisal rung (the
# court's papers reaching the hospital); flagged SUED. Only a suit takes a case to court.
SUIT = "suit"
SUED = "suit_filed"
SUIT_RECORDERS = frozenset({"medical_affairs", "vice_president", "lawyer"})

APPRAISAL_RECORDS = "appraisal-records"
RECORDS_DAYS = 7  # H7: 一周内, read as seven calendar days
# H11 says to protect the scene and keep evidence (注意保护现场和保留证据) without a figure: the
# hours are a tenant's reading, a day unless it sets another, never more than a week.
EVIDENCE_HOURS = "evidence_hours"
EVIDENCE_HOURS_DEFAULT = 24
EVIDENCE_HOURS_RANGE = range(1, 7 * 24 + 1)
# C3: deadline kind -> who marks it met, as the plan names who does the work: the department
# assembles the records (H7 当事科室一周内备齐有关资料); the scene and evidence are kept by
# those the disorder is reported to (H11 报告保卫科、医务处 … 注意保护现场和保留证据).
DEADLINE_MET_BY: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "appraisal_records": frozenset({"department_head"}),
        "evidence_preservation": frozenset({"security", "medical_affairs"}),
    }
)
# Missing a deadline reaches those who can still make it good, beside its holders.
MISSED_NOTIFY = MappingProxyType(
    {
        "appraisal_records": ("medical_affairs", "vice_president"),
        "evidence_preservation": ("medical_affairs",),
    }
)

# slot -> (the rung from which it exists, rule): who represents the hospital outside. The
# court's two are designated once the complainant has sued (H9 患者及家属向法院起诉后).
DESIGNATIONS = MappingProxyType(
    {
        "appraisal_attendee": (APPRAISAL, "H8"),
        "court_representative": (APPRAISAL, "H9"),
        "lawyer": (APPRAISAL, "H9"),
    }
)
COURT_SLOTS = frozenset({"court_representative", "lawyer"})
# rung -> (rule, the slots designated before the rung is passed on or concluded): H8 医院指定
# 专人出席医疗事故鉴定会; H9 医院指定专人和律师代表医院出庭.
REQUIRED_DESIGNATIONS = MappingProxyType(
    {
        APPRAISAL: ("H8", ("appraisal_attendee",)),
        COURT: ("H9", ("court_representative", "lawyer")),
    }
)
# authority -> (the rung from which its opinion can exist, rule). H13 puts the health
# authority's opinion straight after the appraisal meeting, so it needs no suit first.
AUTHORITIES = MappingProxyType(
    {
        "appraisal_body": (APPRAISAL, "H8"),
        "court": (COURT, "H9"),
        "health_authority": (APPRAISAL, "H10"),
    }
)
# An appraisal's conclusion is the basis for settling, not a settlement; a judgment and the
# authority's opinion (the last step of H13) end handling.
FINAL_AUTHORITIES = frozenset({"court", "health_authority"})
OUTCOME_ROLES = ("medical_affairs", "vice_president", "department_head")


ROLES: Mapping[str, str] = MappingProxyType(
    {
        "clinician": "医生 clinician on duty: serves and explains (H1, H2), hands over (H3)",
        "nurse": "护士 nurse on duty: serves and explains (H1, H2), hands over (H3)",
        "department_head": "科主任 department head: told at once (H4), investigates and "
        "resolves in the department (H5), assembles records for appraisal (H7)",
        "head_nurse": "护士长 head nurse: told at once (H4), receives shift reports (H3)",
        "medical_affairs": "医务科/医务处 medical affairs: told at once (H4), handles with the "
        "department head (H6), coordinates the procedure (H13), told of incidents (H11)",
        "vice_president": "分管副院长 vice-president in charge: negotiates unresolved disputes "
        "(H6), designates the hospital's representatives (H8, H9)",
        "spokesperson": "医院指定专人 designated spokesperson: the only one who replies in "
        "writing (H12)",
        "lawyer": "医院律师 hospital lawyer: represents the hospital in court (H9)",
        "security": "保卫科 security: takes incidents, protects the scene and keeps evidence (H11)",
        "admin": "系统管理员 tenant administrator: role directory, keys and calendar",
    }
)
LADDER = (
    Rung(DEPARTMENT, "department", ("department_head", "head_nurse")),  # H5
    Rung(MEDICAL_AFFAIRS, "medical_affairs", ("medical_affairs", "department_head")),  # H6
    Rung(VICE_PRESIDENT, "vice_president", ("vice_president", "medical_affairs")),  # H6
    Rung(
        APPRAISAL, "medical_appraisal", ("medical_affairs", "department_head", "vice_president")
    ),  # H7, H8
    Rung(COURT, "court", ("vice_president", "medical_affairs", "lawyer")),  # H9
    Rung(
        HEALTH_AUTHORITY,
        "health_authority",
        ("vice_president", "medical_affairs", "department_head"),
    ),  # H10
)
# Both start in the department: medical problems by H5, the rest because H4 reports there.
CATEGORIES: Mapping[str, int] = MappingProxyType(
    {"medical_dispute": DEPARTMENT, "service_complaint": DEPARTMENT}
)
PERMISSIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "written-replies": frozenset({"spokesperson"}),  # H12, C6
        "outcomes": frozenset({"medical_affairs", "vice_president", "lawyer"}),
        "resolve": LEADS,
        "close": LEADS,
        "deadline-missed": frozenset({"system"}),  # C3: only the deadline watcher
        # H13: medical affairs coordinates the procedure, so it says which department handles
        "move": frozenset({"medical_affairs", "vice_president"}),
        # the plan fines nobody; what another procedure records is corrected by its leads
        "penalty-reversals": frozenset({"medical_affairs", "vice_president"}),
    }
)
# H4: "report at once to the department head and head nurse" of the department concerned:
# these posts are held per department or ward; medical affairs and the rest are the hospital's.
UNIT_ROLES = frozenset({"clinician", "nurse", "department_head", "head_nurse"})
REFUSALS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "written-replies": ("H12", "only the designated spokesperson may reply in writing"),
        "deadline-missed": ("C3", "a deadline is missed by the deadline watcher, not by staff"),
        "move": ("H13", "medical affairs decides which department handles a case"),
    }
)
DOCUMENTED_DEADLINES = (
    (
        "H7",
        f"`{APPRAISAL_RECORDS}`: records for the appraisal, {RECORDS_DAYS} calendar days "
        "from reaching medical_appraisal",
        "department_head",
    ),
    (
        "H11",
        f"`evidence-<n>`: scene and evidence kept, option `{EVIDENCE_HOURS}` hour(s) "
        f"({EVIDENCE_HOURS_DEFAULT} unless the tenant sets it) from each incident",
        "security",
    ),
)
DECLARED_OPTIONS: Mapping[str, PolicyOption] = MappingProxyType(
    {
        **OPTIONS_OF_EVERY_POLICY,
        EVIDENCE_HOURS: PolicyOption(
            default=EVIDENCE_HOURS_DEFAULT,
            description="the hours security has to protect the scene and keep the evidence "
            "after each incident; the plan names the duty without a figure, so this is the "
            f"hospital's reading, {EVIDENCE_HOURS_RANGE.start} to "
            f"{EVIDENCE_HOURS_RANGE.stop - 1}",
            rule="H11",
        ),
    }
)
