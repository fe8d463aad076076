"""The bank plan's tables: roles, the three levels, categories, who may act, and the clocks.

Read by :class:`domain.policies.bank.policy.BankPolicy`; a rule's ID (B1–B14, BR1–BR3) sits
beside the value it sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from domain.policy import PolicyOption, Rung

FIRST_RESPONDERS = ("branch_head", "lobby_manager", "security_guard")
LEADERS = ("service_quality_leader", "president", "vice_president")
GROUP_LEADERS = ("president", "vice_president")
# B9: security and leadership only; the general department coordinates but does not see them.
RESTRICTED_READERS = frozenset({"security_guard", *LEADERS})
HANDLER_SLOTS = ("A", "B")
# B6: 当事人、网点负责人以及分管领导.
ACCOUNTABLE = ("handler", "branch_head", "service_quality_leader")
AGITATION_CATEGORIES = frozenset({"mild_agitation", "business_disruption", "serious_agitation"})
LEVEL_RULE: Mapping[int, str] = MappingProxyType({1: "B3", 2: "B4", 3: "B5"})
TOP = 3

LEADER_ON_SCENE = "leader_on_scene"
LEADERS_ON_SCENE = "leaders_on_scene"
ORIGINATING_BANK_REPORT = "originating_bank_report"
# The plan says "at once" (立即) without a figure; an hour makes it watchable.
ON_SCENE_HOURS = 1
REPORT_DAYS = 3  # B13: 三日内, calendar days

# The regulator's overlay (银行业保险业消费投诉处理管理办法, 2020), on when a tenant says so.
REGULATOR_CLOCK = "regulator_clock"
REGULATOR_DECISION = "regulator_decision"
REGULATOR_DAYS = 15  # BR1: 自收到消费投诉之日起15日内作出处理决定并告知投诉人
# extension number -> (rule, days added): to 30 days where complex (BR2), then 30 more with
# senior management's approval (BR3): 60 days at most.
EXTENSIONS: Mapping[int, tuple[str, int]] = MappingProxyType({1: ("BR2", 15), 2: ("BR3", 30)})
REGULATOR_HOLDERS = ("handler", "general_department")
EXTENDERS = frozenset({"general_department", *GROUP_LEADERS})

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
    }
)
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
    }
)
DOCUMENTED_DEADLINES = (
    (
        "B4",
        f"`{LEADER_ON_SCENE}`: on the scene, {ON_SCENE_HOURS} hour(s) from reaching level 2",
        "service_quality_leader",
    ),
    (
        "B5",
        f"`{LEADERS_ON_SCENE}`: on the scene, {ON_SCENE_HOURS} hour(s) from reaching level 3",
        ", ".join(LEADERS),
    ),
    (
        "B13",
        f"`{ORIGINATING_BANK_REPORT}`: report to the originating bank, {REPORT_DAYS} "
        "calendar days from handling a case with an incident",
        "general_department",
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
        REGULATOR_CLOCK: PolicyOption(
            default=False,
            description="run the regulator's clock on every consumer complaint: a decision "
            f"within {REGULATOR_DAYS} calendar days of receipt, extendable to 30 and then "
            "by 30 more with recorded approval (银行业保险业消费投诉处理管理办法, 2020)",
            rule="BR1",
        )
    }
)
