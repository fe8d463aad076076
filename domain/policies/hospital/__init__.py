"""The hospital's medical-dispute and complaint plan (H1–H13): ``procedure`` holds its tables
(the six rungs from the department to the health authority, intake and incident roles, H6's
steps, designations, incident kinds, authorities, deadlines, the tenant option and
permissions), ``rules`` the checks on what a case holds before a step counts, and ``policy``
the :class:`HospitalPolicy` that decides each command by them, with the errors it raises for
an unknown incident kind or authority."""

from domain.policies.hospital.policy import (
    HospitalPolicy,
    UnknownAuthority,
    UnknownIncidentKind,
)
from domain.policies.hospital.procedure import (
    APPRAISAL_RECORDS,
    AUTHORITIES,
    INCIDENT_KINDS,
    POLICE_ALERT,
)

__all__ = [
    "APPRAISAL_RECORDS",
    "AUTHORITIES",
    "INCIDENT_KINDS",
    "POLICE_ALERT",
    "HospitalPolicy",
    "UnknownAuthority",
    "UnknownIncidentKind",
]
