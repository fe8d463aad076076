"""The complainant's pages in a real browser: filing without a key, following the case by its
secret link in the hospital's language (zh-CN), and accepting the proposed resolution there
(C4: the complainant answers as an actor of their own; H5: accepted at the department, the
case ends on its rung). The pages run no script: plain forms posting to the same origin."""

from __future__ import annotations

import json
import re

import httpx
from playwright.async_api import expect

from domain.tenant import tenant_id_for
from services.runtime import Runtime
from tests.e2e.console.support import Console, Hospital
from tests.e2e.console.test_units_readme import curl
from tests.e2e.test_readme_walkthrough import README, Request, walk_through
from tests.projections.support import caught_up
from tests.services.support import staff_key

TRACKING = re.compile(r"^HOSP-\d{4}-\d{6}$")
SECTION = "### The complainant's side"


async def test_H5_C4_a_complainant_files_follows_the_link_and_accepts_the_proposal(
    console: Console, hospital: Hospital, http: httpx.AsyncClient, runtime: Runtime
) -> None:
    slug = hospital.tenant.slug
    page = console.page

    await page.goto(f"{console.base_url}/public/{slug}")
    await expect(page.locator("h1")).to_have_text("提交投诉")
    await page.fill("#summary", "夜班护士一直没有来")
    await page.fill("#details", "凌晨两点按铃，等了四十分钟。")
    await page.fill("#name", "李伟")
    await page.fill("#email", "li.wei@example.com")
    await page.check("#consent")
    await console.screenshot("intake")
    await page.click("form button[type=submit]")

    await expect(page.locator("h1")).to_have_text("感谢您的投诉")
    tracking = (await page.locator("strong.tracking").inner_text()).strip()
    assert TRACKING.match(tracking), tracking
    link = page.locator(".notice a")
    href = await link.get_attribute("href")
    # absolute, on the address the organisation publishes (COMPLAINTS_PUBLIC_BASE_URL)
    assert href is not None
    assert href.startswith(f"{runtime.settings.public_base_url}/public/{slug}/cases/"), href
    await expect(link).to_have_text(href)
    await console.screenshot("filed")

    # the link opens the case once the case list has it (here on the test's own socket)
    await caught_up(runtime, tenant_id_for(slug))
    await page.goto(console.base_url + href.removeprefix(runtime.settings.public_base_url))
    await expect(page.locator("h1 .tracking")).to_have_text(tracking)
    await expect(page.locator("main")).to_contain_text("科室正在调查处理")
    await expect(page.locator("button[name=accepted]")).to_have_count(0)
    await console.screenshot("status")

    # staff find the case by its number and propose a resolution, over HTTP with their key
    head = await staff_key(http, hospital.tenant, "dr.zhao", ["department_head"])
    listed = await http.get("/v1/complaints", headers=head)
    assert listed.status_code == 200, listed.text
    (case_id,) = [row["case_id"] for row in listed.json()["items"]]  # this module's only case
    filed = (await http.get(f"/v1/complaints/{case_id}", headers=head)).json()
    assert (filed["tracking"], filed["channel"]) == (tracking, "web")
    for action, body in (
        ("classify", {"category": "medical_dispute"}),
        ("acknowledge", {}),
        (
            "propose-resolution",
            {"text": "向您书面道歉，并退还当晚的护理费", "compensation_fen": 12050},
        ),
    ):
        done = await http.post(f"/v1/complaints/{case_id}/{action}", headers=head, json=body)
        assert done.status_code == 200, done.text

    await page.reload()
    await expect(page.locator("main")).to_contain_text("处理方案")
    await expect(page.locator("main")).to_contain_text("向您书面道歉，并退还当晚的护理费")
    await expect(page.locator("main")).to_contain_text("¥120.50")
    await expect(page.locator("main")).to_contain_text("请告诉我们您是否接受处理方案")
    accept = page.locator("button[name=accepted][value=true]")
    await expect(accept).to_have_text("接受")
    await expect(page.locator("button[name=accepted][value=false]")).to_have_text("不接受")

    await page.fill("#text", "可以接受，谢谢")
    await console.screenshot("status-proposal")
    await accept.click()
    await expect(page.locator(".notice")).to_have_text("已收到您的答复")
    await expect(page.locator("main")).to_contain_text("您已接受处理意见，处理已完成")
    await expect(page.locator("button[name=accepted]")).to_have_count(0)
    await console.screenshot("status-after")

    # the answer is the complainant's own, given through the link (no ``via``)
    history = await http.get(f"/v1/complaints/{case_id}/history", headers=head)
    responded = [h for h in history.json() if h["event"] == "ComplainantResponded"]
    assert [(h["by"], h["data"]["accepted"], h["data"]["via"]) for h in responded] == [
        ("complainant", True, None)
    ]
    case = (await http.get(f"/v1/complaints/{case_id}", headers=head)).json()
    assert (case["status"], case["rung"]) == ("resolved", "department")


async def test_the_readme_complainant_section_answers_as_it_says(
    base_url: str, hospital: Hospital, runtime: Runtime
) -> None:
    """Its curl commands, run by the shell without a key: the filing answers 201 with a
    tracking number and a link, and the link's token reads the case's status (200)."""
    block = README.read_text().split(SECTION, 1)[1].split("```sh\n", 1)[1].split("\n```")[0]
    walk = walk_through(block)
    assert set(walk.variables) == {"SLUG", "TOKEN"}
    variables = {"API": base_url, "SLUG": hospital.tenant.slug}
    answers = []
    for step in walk.steps:
        assert isinstance(step, Request)
        status, body = await curl(step.command, variables)
        assert status == step.status, f"{step.command}\nanswered {status}: {body}"
        answer = json.loads(body)
        answers.append(answer)
        if "link" in answer:  # the link opens the case once the case list has it
            variables["TOKEN"] = answer["link"].rsplit("/cases/", 1)[1]
            await caught_up(runtime, tenant_id_for(hospital.tenant.slug))
    filed, shown = answers
    assert TRACKING.match(filed["tracking"]) and shown["tracking"] == filed["tracking"]
    assert (shown["stage"], shown["proposal"], shown["can"]) == ("open", None, ["materials"])
