"""The training school's parent-complaint plan (S1–S11): ``procedure`` holds its vocabulary
(roles, the headquarters and campus categories, the ladder, each track's timed steps and who
may act), ``tracks`` the effects a track is built from (a step's clock, intake and contact
notices), ``penalties`` the S8 and S11 fines, and ``policy`` the :class:`SchoolPolicy` that
composes them into its decisions."""

from domain.policies.school.policy import SchoolPolicy
from domain.policies.school.procedure import CAMPUS_CATEGORIES, STEPS, Step, track_of

__all__ = ["CAMPUS_CATEGORIES", "STEPS", "SchoolPolicy", "Step", "track_of"]
