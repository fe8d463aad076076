"""Kept for imports written before the school plan became a package: its vocabulary now lives in
:mod:`domain.policies.school.procedure` (tables), ``tracks`` and ``penalties``."""

from domain.policies.school.procedure import CAMPUS_CATEGORIES, STEPS, Step

__all__ = ["CAMPUS_CATEGORIES", "STEPS", "Step"]
