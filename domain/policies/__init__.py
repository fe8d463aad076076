"""The built-in tenant policies."""

from __future__ import annotations

from domain.policies.bank import BankPolicy
from domain.policies.hospital import HospitalPolicy
from domain.policies.school import SchoolPolicy

BUILTIN: tuple[type, ...] = (HospitalPolicy, BankPolicy, SchoolPolicy)
