"""``GET /v1/complaints/{id}/actions`` cannot disagree with a POST: for each role and each case
command, an action answered ``allowed: false`` with rule X is refused with rule X, one
allowed with nothing it ``needs`` is accepted, and a 403 naming a rule comes only where the
answer said so or said the body decides (``needs``)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from services.api.case_commands import CASE_COMMANDS
from services.handlers.policies import load_policy
from tests.services.support import TenantKeys, complaint_body, new_tenant, staff_key

# A valid body for each command; the decision, not the schema, is under test.
BODIES: dict[str, dict[str, Any]] = {
    "classify": {"category": "service_complaint", "reason": "r"},
    "acknowledge": {},
    "assign": {"person": "dr.li"},
    "hand-on": {"to_person": "dr.li", "reason": "r"},
    "escalate": {"reason": "declined"},
    "notes": {"text": "t"},
    "handovers": {"text": "next shift: call the family"},
    "evidence": {"description": "photo of the ward"},
    "propose-resolution": {"text": "apology"},
    "complainant-response": {"accepted": False, "text": "not enough"},
    "resolve": {"outcome": "apologised"},
    "close": {"reason": "done"},
    "reopen": {"reason": "came back"},
    "incidents": {"kind": "assault", "description": "a relative hit a nurse"},
    "contacts": {"kind": "media", "name": "n", "organisation": "o", "purpose": "p"},
    "written-replies": {"text": "our reply"},
    "outcomes": {"authority": "court", "target": "hospital", "opinion": "o"},
    "identifying-features": {"features": {"coat": "red"}},
    "group": {"group": "ward-3"},
    "move": {"unit": None, "reason": "filed in the wrong department"},
    "penalty-reversals": {"penalty": 1, "reason": "wrongly fined"},
    "satisfaction": {"score": 4},
    "accountability": {"reason": "r"},
    "deadline-met": {},
    "deadline-paused": {"reason": "waiting for the family"},
    "deadline-resumed": {},
    "deadline-extended": {"reason": "records are late", "approved_by": "vp.zhou"},
}
ROLES = {
    "nurse.wang": ["nurse"],
    "speaker.wu": ["spokesperson"],
    "affairs.sun": ["medical_affairs"],
    "head.chen": ["department_head"],
    "guard.ma": ["security"],
}


async def actions(client: httpx.AsyncClient, case_id: str, who: dict[str, str]) -> dict:
    answer = await client.get(f"/v1/complaints/{case_id}/actions", headers=who)
    assert answer.status_code == 200, answer.text
    return answer.json()


def disagreement(entry: dict[str, Any], posted: httpx.Response) -> str | None:
    """Why the POST's answer contradicts the entry, or None when they agree."""
    status = posted.status_code
    rule = posted.json().get("rule") if status >= 400 else None
    if not entry["allowed"]:
        # a refusal by the procedure names its rule; one by the case's state names none
        if (entry["rule"] and status != 403) or status < 400 or rule != entry["rule"]:
            return f"said refused by {entry['rule']}: {status} {posted.text[:160]}"
    elif not entry["needs"] and status != 200:
        return f"said allowed whatever the body: {status} {posted.text[:160]}"
    elif status == 403 and rule and not entry["needs"]:
        return f"refused by {rule} though allowed: {posted.text[:160]}"
    return None


async def entry_for(
    client: httpx.AsyncClient, case_id: str, who: dict[str, str], action: str, deadline: str | None
) -> dict | None:
    """The answer for one action, or for one of its deadlines (None once that has ended)."""
    answer = await actions(client, case_id, who)
    (entry,) = [a for a in answer["actions"] if a["action"] == action]
    if deadline is None:
        return entry
    return next((d for d in entry["deadlines"] if d["deadline_id"] == deadline), None)


async def every_action_agrees(
    client: httpx.AsyncClient, tenant: TenantKeys, policy: str, who: dict[str, str]
) -> tuple[list[str], list[dict]]:
    """Each command in turn, each of its deadlines for those on one: ask, then POST; asked
    again before each POST, since the one before may have moved the case on."""
    category = sorted(load_policy(policy).categories)[0]
    filed = await client.post(
        "/v1/complaints", headers=tenant.admin, json=complaint_body(category=category)
    )
    assert filed.status_code == 201, filed.text
    case_id = filed.json()["id"]
    problems, seen = [], []
    for command in CASE_COMMANDS:
        entry = await entry_for(client, case_id, who, command.action, None)
        assert entry is not None
        on_deadlines = "deadlines" in entry
        targets = [d["deadline_id"] for d in entry["deadlines"]] if on_deadlines else [None]
        for deadline in targets:
            judged = await entry_for(client, case_id, who, command.action, deadline)
            if judged is None:
                continue
            body = {**BODIES[command.action], **({"deadline_id": deadline} if deadline else {})}
            posted = await client.post(entry["path"], headers=who, json=body)
            seen.append({**judged, "action": command.action, "status": posted.status_code})
            if (why := disagreement(judged, posted)) is not None:
                problems.append(f"{command.action} {body}: {why}")
    return problems, seen


async def agreement(client: httpx.AsyncClient, policy: str, roles: dict[str, list[str]]) -> set:
    """Every action for each person: no disagreement, and the refusals that were checked."""
    tenant = await new_tenant(client, policy)
    problems, refusals = [], set()
    for person, held in roles.items():
        who = await staff_key(client, tenant, person, held)
        found, seen = await every_action_agrees(client, tenant, policy, who)
        problems += [f"{person}: {p}" for p in found]
        refusals |= {(person, s["action"], s["rule"]) for s in seen if not s["allowed"]}
    assert not problems, "\n".join(problems)
    return refusals


async def test_the_answer_agrees_with_a_post_for_every_command_and_hospital_role(
    client: httpx.AsyncClient,
) -> None:
    refusals = await agreement(client, "hospital@1", ROLES)
    # the procedure's own refusals were among those checked, not only the state's
    assert ("nurse.wang", "written-replies", "H12") in refusals
    assert ("nurse.wang", "resolve", "C2") in refusals
    assert ("head.chen", "resolve", "H5") in refusals
    assert ("guard.ma", "outcomes", "C2") in refusals
    assert not any(p == "speaker.wu" and a == "written-replies" for p, a, _ in refusals)


@pytest.mark.parametrize("policy", ["school@1", "bank@1"])
async def test_the_answer_agrees_with_a_post_for_every_role_of_another_procedure(
    client: httpx.AsyncClient, policy: str
) -> None:
    roles = {f"staff.{role}": [role] for role in sorted(load_policy(policy).roles)}
    refusals = await agreement(client, policy, roles)
    assert {rule for _, _, rule in refusals if rule}  # some refused by a rule of the procedure


async def test_h12_only_the_spokesperson_replies_in_writing(client: httpx.AsyncClient) -> None:
    tenant = await new_tenant(client, "hospital@1")
    nurse = await staff_key(client, tenant, "nurse.wang", ["nurse"])
    speaker = await staff_key(client, tenant, "speaker.wu", ["spokesperson"])
    filed = await client.post("/v1/complaints", headers=nurse, json=complaint_body())
    case_id = filed.json()["id"]

    def reply(answer: dict) -> dict:
        return next(a for a in answer["actions"] if a["action"] == "written-replies")

    refused = reply(await actions(client, case_id, nurse))
    assert refused["allowed"] is False and refused["rule"] == "H12"
    assert refused["reason"] == "only the designated spokesperson may reply in writing"
    assert refused["method"] == "POST"
    assert refused["path"] == f"/v1/complaints/{case_id}/written-replies"
    assert refused["schema"]["required"] == ["text"]
    assert refused["schema"]["additionalProperties"] is False
    allowed = reply(await actions(client, case_id, speaker))
    assert allowed["allowed"] is True and allowed["rule"] is None and allowed["needs"] == []
    posted = await client.post(allowed["path"], headers=speaker, json={"text": "our reply"})
    assert posted.status_code == 200


async def test_an_auditor_is_answered_read_only_for_every_action(
    client: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    auditor = await staff_key(client, tenant, "audit.fang", ["auditor"])
    filed = await client.post("/v1/complaints", headers=tenant.admin, json=complaint_body())
    answer = await actions(client, filed.json()["id"], auditor)
    assert answer["case_id"] == filed.json()["id"] and answer["version"] >= 1
    assert {a["action"] for a in answer["actions"]} == {c.action for c in CASE_COMMANDS}
    for entry in answer["actions"]:
        assert (entry["allowed"], entry["rule"], entry["reason"]) == (
            False,
            None,
            "auditors read only",
        )
    escalate = next(a for a in answer["actions"] if a["action"] == "escalate")
    posted = await client.post(escalate["path"], headers=auditor, json={"reason": "r"})
    assert posted.status_code == 403 and posted.json()["type"] == "/problems/http-403"


async def test_a_closed_case_allows_only_reopening_and_says_why(
    client: httpx.AsyncClient,
) -> None:
    tenant = await new_tenant(client, "hospital@1")
    lead = await staff_key(client, tenant, "affairs.sun", ["medical_affairs"])
    filed = await client.post("/v1/complaints", headers=lead, json=complaint_body())
    case_id = filed.json()["id"]
    closed = await client.post(f"/v1/complaints/{case_id}/close", headers=lead, json={})
    assert closed.status_code == 200, closed.text
    answer = await actions(client, case_id, lead)
    allowed = {a["action"] for a in answer["actions"] if a["allowed"]}
    assert allowed == {"reopen"}
    notes = next(a for a in answer["actions"] if a["action"] == "notes")
    assert notes["rule"] is None and "closed" in notes["reason"]
    refused = await client.post(notes["path"], headers=lead, json={"text": "t"})
    assert refused.status_code == 409


async def test_another_tenants_case_is_not_found(client: httpx.AsyncClient) -> None:
    ours, theirs = await new_tenant(client, "hospital@1"), await new_tenant(client, "hospital@1")
    filed = await client.post("/v1/complaints", headers=theirs.admin, json=complaint_body())
    answer = await client.get(f"/v1/complaints/{filed.json()['id']}/actions", headers=ours.admin)
    assert answer.status_code == 404
