"""What a hospital case must hold before a step counts (H5, H6, H8, H9, H13, C4).

Each check reads the case as recorded and raises :class:`Refused` naming the rule it holds;
:class:`domain.policies.hospital.policy.HospitalPolicy` calls them before it decides.
"""

from __future__ import annotations

from domain import commands as c
from domain.complaint import Complaint, Status
from domain.errors import Refused
from domain.policies.hospital.procedure import (
    ACCEPTANCE_RULES,
    H6_STEPS,
    MEDICAL_AFFAIRS,
    REQUIRED_DESIGNATIONS,
    STEP_RECORDERS,
    SUED,
)
from domain.policy import Rung


def latest_answer(case: Complaint, level: int) -> bool | None:
    """The complainant's latest answer at this rung since the case was last reopened: True if
    accepted, False if declined, None if none was recorded there."""
    answers = [
        response["accepted"]
        for response in case.responses
        if response["level"] == level and response["reopen_count"] == case.reopen_count
    ]
    return answers[-1] if answers else None


def check_handling(case: Complaint, here: Rung) -> None:
    """C4: a resolved case takes no new answer nor step up until it is closed and reopened
    (H5, H6: 投诉处理至此终止)."""
    if case.status is Status.RESOLVED:
        raise Refused(
            "C4", f"handling ended at the {here.name} rung; close and reopen the case first"
        )


def check_declined(case: Complaint, here: Rung) -> None:
    """H13: a hospital rung is passed on only once the complainant declined its answer."""
    if latest_answer(case, here.level) is not False:
        raise Refused("H13", f"the complainant has not declined the answer at the {here.name} rung")


def check_accepted(case: Complaint, here: Rung) -> None:
    """H5, H6, C4: handling ends on a rung only with the complainant's acceptance there."""
    if latest_answer(case, here.level) is not True:
        raise Refused(
            ACCEPTANCE_RULES.get(here.level, "C4"),
            f"the complainant has not accepted the answer given at the {here.name} rung",
        )


def step_refusal(case: Complaint, step: str, actor: c.Actor) -> str | None:
    """Why an act cannot count as H6's ``step`` now, or None when it counts: at medical
    affairs, after the complainant declined its answer, by the step's recorders, in order."""
    if case.level != MEDICAL_AFFAIRS or case.status is not Status.OPEN:
        return "H6's steps are taken while medical affairs handles the case"
    if latest_answer(case, MEDICAL_AFFAIRS) is not False:
        return "H6's steps follow the complainant declining medical affairs' answer"
    if not actor.holds(STEP_RECORDERS[step] | {"system"}):
        return f"{step} is recorded by one of {sorted(STEP_RECORDERS[step])}"
    earlier = H6_STEPS[: H6_STEPS.index(step)]
    missing = [done for done in earlier if done not in case.flags]
    if missing:
        return f"{step} follows {', '.join(missing)}"
    return None


def check_h6_steps(case: Complaint) -> None:
    """H6: the written materials, the investigation and the proposal come before the case is
    reported to the vice-president."""
    missing = [step for step in H6_STEPS if step not in case.flags]
    if missing:
        raise Refused("H6", f"before reporting to the vice-president: {', '.join(missing)}")


def check_designated(case: Complaint, level: int) -> None:
    """H8, H9: the hospital's representatives at a rung are designated before it is passed on
    or its outcome recorded."""
    if level not in REQUIRED_DESIGNATIONS:
        return
    rule, slots = REQUIRED_DESIGNATIONS[level]
    missing = [slot for slot in slots if not case.handlers.get(slot, "").strip()]
    if missing:
        raise Refused(rule, f"designate the {', '.join(missing)} first")


def sued(case: Complaint) -> bool:
    return SUED in case.flags
