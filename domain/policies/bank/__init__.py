"""The village bank's complaint emergency plan (B1–B14) with the regulator's optional clock
(BR1–BR3): ``procedure`` holds its tables (roles, the three levels, categories, permissions,
deadlines and the regulator option), ``policy`` the :class:`BankPolicy` that decides each
command by them, and ``case_studies`` the anonymised export of closed cases (B14)."""

from domain.policies.bank.case_studies import REDACTED, NoCaseStudies, case_study, may_export
from domain.policies.bank.policy import BankPolicy, agitated
from domain.policies.bank.procedure import (
    AT_ONCE_HOURS,
    LEADER_ON_SCENE,
    LEADERS_ON_SCENE,
    ORIGINATING_BANK_REPORT,
    POLICE_CALL,
    REGULATOR_CLOCK,
    REGULATOR_DECISION,
)

__all__ = [
    "AT_ONCE_HOURS",
    "LEADERS_ON_SCENE",
    "LEADER_ON_SCENE",
    "ORIGINATING_BANK_REPORT",
    "POLICE_CALL",
    "REDACTED",
    "REGULATOR_CLOCK",
    "REGULATOR_DECISION",
    "BankPolicy",
    "NoCaseStudies",
    "agitated",
    "case_study",
    "may_export",
]
