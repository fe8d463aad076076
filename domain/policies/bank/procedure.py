"""The bank plan's tables: roles, the three levels, categories, who may act, and the clocks.

Read by :class:`domain.policies.bank.policy.BankPolicy`; a rule's ID (B1–B14, BR1–BR3) sits
beside the value it sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.policies.base import OPTIONS_OF_EVERY_POLICY
from domain.policy import PolicyOption, Rung

FIRST_RESPONDERS = ("branch_head", "lobby_manager", "security_guard")
LEADERS = ("service_quality_leader", "president", "vice_president")
GROUP_LEADERS = ("president", "vice_president")
# B9: security and leadership only; the general department coordinates but does not see them.
RESTRICTED_READERS = frozenset({"security_guard", *LEADERS})
HANDLER_SLOTS = ("A", "B")
# B14: 支行各营业机构 train their staff on case analysis; the leaders and the general
# department (which coordinates complaints) run it bank-wide, a branch head for the branch.
TRAINERS = frozenset({"branch_head", "general_department", *LEADERS})
# B6: 当事人、网点负责人以及分管领导.
ACCOUNTABLE = ("handler", "branch_head", "service_quality_leader")
# B11: the mediator is recorded as a contact of kind MEDIATOR; where none can be had (应尽量),
# the emergency group records why as an outcome for MEDIATION.
MEDIATION = "third_party_mediation"
MEDIATOR = "mediator"
MEDIATION_WAIVERS = frozenset({"general_department", *GROUP_LEADERS})
AGITATION_CATEGORIES = frozenset({"mild_agitation", "business_disruption", "serious_agitation"})
LEVEL_RULE: Mapping[int, str] = MappingProxyType({1: "B3", 2: "B4", 3: "B5"})
TOP = 3

LEADER_ON_SCENE = "leader_on_scene"
LEADERS_ON_SCENE = "leaders_on_scene"
POLICE_CALL = "police_call"
# B5: 网点负责人或大堂经理应立即报警.
POLICE_CALLERS = ("branch_head", "lobby_manager")
ORIGINATING_BANK_REPORT = "originating_bank_report"
ORIGINATING_BANK = "originating_bank"  # the contact kind that records the report (B13)
REPORTERS = frozenset({"general_department"})
# B13: who reads the report pack for the originating bank: who sends it, and the leaders
REPORT_READERS = frozenset({*REPORTERS, "service_quality_leader", "president", "vice_president"})
REPORT_DAYS = 3  # B13: 三日内, calendar days
# The plan says "at once" (立即) without a figure (B4, B5); a tenant option makes it watchable.
AT_ONCE_HOURS = "at_once_hours"
AT_ONCE_DEFAULT = 1
AT_ONCE_RANGE = range(1, 25)  # "at once" is never read as more than a day

# The regulator's overlay (银行业保险业消费投诉处理管理办法, 2020), on when a tenant says so.
REGULATOR_CLOCK = "regulator_clock"
REGULATOR_DECISION = "regulator_decision"
REGULATOR_DAYS = 15  # BR1: 自收到消费投诉之日起15日内作出处理决定并告知投诉人
# extension number -> (rule, days added): to 30 days where complex (BR2), then 30 more with
# senior management's approval (BR3): 60 days at most.
EXTENSIONS: Mapping[int, tuple[str, int]] = MappingProxyType({1: ("BR2", 15), 2: ("BR3", 30)})
REGULATOR_HOLDERS = ("handler", "general_department")
EXTENDERS = frozenset({"general_department", *GROUP_LEADERS})
# Whoever may decide a complaint gives the decision BR1 waits for.
DECIDERS = frozenset({*FIRST_RESPONDERS, *REGULATOR_HOLDERS, *LEADERS})

# C3: deadline kind -> who may say its work is done (deadline-met, or the act that delivers
# it): the post the plan gives the step to. Only the watcher records a miss.
DEADLINE_MET_BY: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        LEADER_ON_SCENE: frozenset({"service_quality_leader"}),  # B4: 分管领导…赶到现场
        LEADERS_ON_SCENE: frozenset(LEADERS),  # B5: 行领导…赶赴网点现场
        POLICE_CALL: frozenset(POLICE_CALLERS),  # B5: 网点负责人或大堂经理应立即报警
        ORIGINATING_BANK_REPORT: REPORTERS,  # B13, and only by recording the report
        REGULATOR_DECISION: DECIDERS,  # BR1
    }
)

ROLES: Mapping[str, str] = MappingProxyType(
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
EMERGENCY_GROUP: Mapping[str, str] = MappingProxyType(
    {"leader": "president", "deputy": "vice_president", "office": "general_department"}
)
LADDER = (
    Rung(0, "intake", ()),
    Rung(1, "on_the_spot", FIRST_RESPONDERS),
    Rung(2, "business_disrupted", ("general_department", "president", "service_quality_leader")),
    Rung(3, "serious_agitation", ("general_department", *LEADERS)),
)
CATEGORIES: Mapping[str, int] = MappingProxyType(
    {
        "ordinary": 1,
        "mild_agitation": 1,  # B3: still handled on the spot
        "business_disruption": 2,
        # B12: a group event needs containment beyond one branch's authority.
        "group": 2,
        "serious_agitation": 3,
    }
)
INCIDENT_ROLES = (*FIRST_RESPONDERS, "general_department", *LEADERS)
PERMISSIONS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "identifying-features": RESTRICTED_READERS,
        "written-replies": frozenset({"general_department"}),
        "accountability": frozenset({"general_department", *GROUP_LEADERS}),
        # B1, B7: the emergency group's office and the bank-wide contact serve every branch
        "move": frozenset({"general_department", "complaint_contact", *GROUP_LEADERS}),
        # B6: the emergency group that holds people accountable corrects its own decision
        "penalty-reversals": frozenset({"general_department", *GROUP_LEADERS}),
    }
)
# B3, B4: handled "where it arises" (网点) by that branch's head and lobby manager, its guard
# assisting, its A/B handlers (B7); the general department and the leaders are the bank's.
UNIT_ROLES = frozenset({"branch_head", "lobby_manager", "security_guard", "handler"})
REFUSALS: Mapping[str, tuple[str, str]] = MappingProxyType(
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
        "penalty-reversals": ("B6", "the emergency group alone corrects an accountability"),
        "move": ("B1", "the emergency group's office or the bank-wide contact moves a case"),
    }
)
AT_ONCE = f"`{AT_ONCE_HOURS}` hours (option, default {AT_ONCE_DEFAULT})"
DOCUMENTED_DEADLINES = (
    (
        "B4",
        f"`{LEADER_ON_SCENE}`: on the scene within {AT_ONCE} of reaching level 2",
        "service_quality_leader",
    ),
    (
        "B5",
        f"`{LEADERS_ON_SCENE}`: on the scene within {AT_ONCE} of reaching level 3",
        ", ".join(LEADERS),
    ),
    (
        "B5",
        f"`{POLICE_CALL}`: the police called within {AT_ONCE} of reaching level 3 without "
        "them; met when the branch head or lobby manager records the call",
        ", ".join(POLICE_CALLERS),
    ),
    (
        "B13",
        f"`{ORIGINATING_BANK_REPORT}`: the whole event and its outcome reported to the "
        f"originating bank within {REPORT_DAYS} calendar days of handling an agitation event "
        f"(mild agitation, level 2 or 3, an incident); met by the report itself (a contact "
        f"of kind `{ORIGINATING_BANK}`)",
        ", ".join(sorted(REPORTERS)),
    ),
    (
        "BR1",
        f"`{REGULATOR_DECISION}` (option `{REGULATOR_CLOCK}`): a decision told to the "
        f"customer, {REGULATOR_DAYS} calendar days from receipt; extendable to 30 (BR2), "
        "then by 30 more (BR3)",
        ", ".join(REGULATOR_HOLDERS),
    ),
)
DECLARED_OPTIONS: Mapping[str, PolicyOption] = MappingProxyType(
    {
        **OPTIONS_OF_EVERY_POLICY,
        AT_ONCE_HOURS: PolicyOption(
            default=AT_ONCE_DEFAULT,
            description='the hours this bank reads the plan\'s "at once" (立即) as: the '
            "leader in charge on the scene at level 2, the bank's leaders on the scene and the "
            f"police called at level 3; {AT_ONCE_RANGE.start} to {AT_ONCE_RANGE.stop - 1}",
            rule="B4",
        ),
        REGULATOR_CLOCK: PolicyOption(
            default=False,
            description="run the regulator's clock on every consumer complaint: a decision "
            f"within {REGULATOR_DAYS} calendar days of receipt, extendable to 30 and then "
            "by 30 more with recorded approval (银行业保险业消费投诉处理管理办法, 2020)",
            rule="BR1",
        ),
    }
)
