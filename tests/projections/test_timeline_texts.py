"""Timeline texts: an event that has every field its texts name renders them straight from
its data, exactly as with the defaults and derived values filled in."""

from __future__ import annotations

from datetime import UTC, datetime
from string import Formatter

from projections.timeline import TEXTS, render, render_with_defaults

AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SAMPLE = {
    "by": "nurse.wang",
    "accepted": False,
    "roles": ["nurse", "head_nurse"],
    "amount_fen": 12_345,
    "due_at": AT,
    "level": 2,
    "score": 4,
}


def complete(en: str, zh: str) -> dict[str, object]:
    named = {f for text in (en, zh) for _, f, _, _ in Formatter().parse(text) if f is not None}
    return {name: f"<{name}>" for name in named} | SAMPLE


def test_every_text_renders_the_same_with_or_without_the_defaults() -> None:
    for name, (en, zh) in TEXTS.items():
        data = complete(en, zh)
        assert render(name, data) == render_with_defaults(en, zh, data), name
        partial = {k: v for k, v in data.items() if k != "by"}
        assert render(name, partial) == render_with_defaults(en, zh, partial), name
    unknown = render("SomethingNew", {"by": "x"})
    assert unknown == ("x: SomethingNew", "x：SomethingNew")


def test_the_chinese_timeline_names_the_policys_codes_in_chinese_words() -> None:
    filed = render("Filed", {"by": "nurse.wang", "channel": "phone"})
    assert filed == ("nurse.wang received the complaint by phone", "nurse.wang 通过电话受理投诉")
    incident = render("IncidentReported", {"by": "nurse.wang", "kind": "insult"})
    assert incident[1] == "nurse.wang 报告突发事件：辱骂医务人员"
    notified = render("RolesNotified", {"roles": ["department_head", "head_nurse"], "rule": "H4"})
    assert notified == ("department_head, head_nurse notified (H4)", "已通知 科主任、护士长（H4）")
    started = render(
        "DeadlineStarted", {"kind": "evidence_preservation", "due_at": AT, "rule": "H11"}
    )
    assert started[1] == "时限 证据保全 截止于 2026-03-02 09:30 UTC（H11）"


def test_a_code_no_policy_words_shows_as_written_in_both_languages() -> None:
    text = render("Escalated", {"by": "x", "rung": "board_of_trustees", "rule": "P1"})
    assert text == ("x escalated it to board_of_trustees (P1)", "x 上报至 board_of_trustees（P1）")


def test_a_delivery_to_the_complainant_reads_as_words_without_its_error() -> None:
    failed = {"step": "reply", "channel": "email", "attempt": 2, "sent": False}
    text = render("FeedbackDelivery", {**failed, "error": "550 li@example.cn unknown"})
    assert text == (
        "written reply to the complainant by e-mail: failed (attempt 2)",
        "通过电子邮件向投诉人发送书面答复：发送失败（第 2 次）",
    )
    sent = render(
        "FeedbackDelivery", {**failed, "step": "follow-up", "channel": "gateway", "sent": True}
    )
    assert sent[1] == "通过短信/微信网关向投诉人发送回访问卷：已发送（第 2 次）"
