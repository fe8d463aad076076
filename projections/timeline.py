"""Who did what, when, in the tenant's language (English and simplified Chinese).

Texts name people by their directory id and never repeat free text or restricted fields, so a
timeline can be shown to anyone who may see the case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from string import Formatter
from typing import Any
from uuid import UUID

import asyncpg

from domain.words import word
from projections.changes import Change, Envelope, Upsert, View

TABLES = ("case_timeline",)

TEXTS: Mapping[str, tuple[str, str]] = {
    "Filed": ("{by} received the complaint by {channel}", "{by} 通过{channel}受理投诉"),
    "Classified": (
        "{by} classified it as {category} (level {level}, {rung})",
        "{by} 将其归类为 {category}（第 {level} 级，{rung}）",
    ),
    "Acknowledged": ("{by} acknowledged it", "{by} 确认受理"),
    "Assigned": ("{by} assigned {person} as {slot}", "{by} 指派 {person} 为 {slot}"),
    "OwnershipHandedOn": ("{by} handed it on to {to_person}", "{by} 移交给 {to_person}"),
    "Escalated": ("{by} escalated it to {rung} ({rule})", "{by} 上报至 {rung}（{rule}）"),
    "NoteAdded": ("{by} added a note", "{by} 添加备注"),
    "HandoverAdded": ("{by} wrote a shift handover", "{by} 填写交班记录"),
    "EvidenceAttached": ("{by} attached evidence", "{by} 附加证据"),
    "ResolutionProposed": ("{by} proposed a resolution", "{by} 提出处理方案"),
    "ComplainantResponded": (
        "the complainant {accepted_en} (recorded by {by})",
        "投诉人{accepted_zh}（{by} 记录）",
    ),
    "Resolved": ("{by} resolved it", "{by} 处理完毕"),
    "Closed": ("{by} closed it", "{by} 结案"),
    "Reopened": ("{by} reopened it", "{by} 重新打开"),
    "IncidentReported": ("{by} reported an incident: {kind}", "{by} 报告突发事件：{kind}"),
    "RolesNotified": ("{roles} notified ({rule})", "已通知 {roles}（{rule}）"),
    "WrittenReplyGiven": ("{by} replied in writing", "{by} 作出书面答复"),
    "ExternalContactRecorded": ("{by} recorded a {kind} contact", "{by} 记录 {kind} 来访"),
    "OutcomeRecorded": (
        "{authority} gave its opinion on {target}",
        "{authority} 对 {target} 作出处理意见",
    ),
    "IdentifyingFeaturesNoted": (
        "{by} noted identifying features (restricted)",
        "{by} 记录体貌特征（受限）",
    ),
    "Flagged": ("flagged {flag} ({rule})", "标记为 {flag}（{rule}）"),
    # not the group's name: it is the tenant's free text, sealed in the ledger
    "LinkedToGroup": ("{by} linked it to a group complaint", "{by} 关联至群体投诉"),
    "SatisfactionRecorded": ("satisfaction {score} at {stage}", "{stage} 满意度 {score}"),
    "DeadlineStarted": (
        # UTC: a view row is written once for every reader, whatever their time zone
        "deadline {kind} due {due_at:%Y-%m-%d %H:%M} UTC ({rule})",
        "时限 {kind} 截止于 {due_at:%Y-%m-%d %H:%M} UTC（{rule}）",
    ),
    "DeadlineMet": ("deadline {deadline_id} met", "时限 {deadline_id} 已按时完成"),
    "DeadlineMissed": ("deadline {deadline_id} missed", "时限 {deadline_id} 已超时"),
    # not the reason: a policy may word it from what staff wrote
    "DeadlineCancelled": (
        "deadline {deadline_id} cancelled ({rule})",
        "时限 {deadline_id} 已取消（{rule}）",
    ),
    "DeadlinePaused": ("deadline {deadline_id} paused", "时限 {deadline_id} 暂停计时"),
    "DeadlineResumed": ("deadline {deadline_id} resumed", "时限 {deadline_id} 恢复计时"),
    "DeadlineExtended": (
        "deadline {deadline_id} extended to {due_at:%Y-%m-%d} ({rule})",
        "时限 {deadline_id} 延长至 {due_at:%Y-%m-%d}（{rule}）",
    ),
    "PenaltyAssessed": (
        "penalty on {target_role}: {amount_yuan} yuan ({rule})",
        "处罚 {target_role}：{amount_yuan} 元（{rule}）",
    ),
    # not the reason: staff wrote it
    "PenaltyReversed": (
        "{by} reversed penalty {penalty} on {target_role}: {amount_yuan} yuan ({rule})",
        "{by} 撤销第 {penalty} 项处罚 {target_role}：{amount_yuan} 元（{rule}）",
    ),
    "DeadlineReminded": (
        "reminder {reminder}: deadline {kind} due {due_at:%Y-%m-%d %H:%M} UTC ({rule})",
        "提醒 {reminder}：时限 {kind} 截止于 {due_at:%Y-%m-%d %H:%M} UTC（{rule}）",
    ),
    "MovedToUnit": ("{by} moved it to unit {unit_id}", "{by} 将其移交至单位 {unit_id}"),
    # not the error: it may quote the complainant's address
    "FeedbackDelivery": (
        "{step_en} to the complainant by {via_en}: {sent_en} (attempt {attempt})",
        "通过{via_zh}向投诉人发送{step_zh}：{sent_zh}（第 {attempt} 次）",
    ),
}
# a delivery's step and channel (services/feedback), as the console names them
DELIVERY_WORDS = {
    "reply": ("written reply", "书面答复"),
    "closing": ("closing feedback", "结案反馈"),
    "follow-up": ("follow-up survey", "回访问卷"),
    "email": ("e-mail", "电子邮件"),
    "gateway": ("the SMS/WeChat gateway", "短信/微信网关"),
}


class _Lenient(dict):
    def __missing__(self, key: str) -> str:
        return "?"


# values render() works out rather than takes from the event
DERIVED = frozenset(
    {"roles", "accepted_en", "accepted_zh", "amount_yuan"}
    | {"step_en", "step_zh", "via_en", "via_zh", "sent_en", "sent_zh"}
)
_FIELDS: dict[str, frozenset[str]] = {}  # event name -> the fields its texts name


def _fields(name: str, texts: tuple[str, str]) -> frozenset[str]:
    if name not in _FIELDS:
        _FIELDS[name] = frozenset(
            re.split(r"[.\[]", field)[0]
            for text in texts
            for _, field, _, _ in Formatter().parse(text)
            if field is not None
        )
    return _FIELDS[name]


# fields whose value is a policy's code, and the kinds of word (domain/words.py) it may be
CODED = {
    "channel": ("channel",),
    "category": ("category",),
    "rung": ("rung",),
    "slot": ("slot",),
    "stage": ("stage",),
    "flag": ("flag",),
    "kind": ("incident", "deadline"),
}


def in_chinese(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The event's codes as the Chinese text names them: 通过电话, not 通过phone."""
    coded = {field: data[field] for field in CODED.keys() & data.keys()}
    if not coded and "roles" not in data:
        return data
    words = dict(data)
    for field, code in coded.items():
        found = (word(kind, code, 1) for kind in CODED[field])
        words[field] = next((w for w in found if w != str(code)), str(code))
    return words


def render(name: str, data: Mapping[str, Any]) -> tuple[str, str]:
    en, zh = TEXTS.get(name, ("{by}: " + name, "{by}：" + name))
    fields = _fields(name, (en, zh))
    if fields <= data.keys() and fields.isdisjoint(DERIVED):
        # the event has all they name
        return en.format_map(data), zh.format_map(in_chinese(data))
    return render_with_defaults(en, zh, data)


def render_with_defaults(en: str, zh: str, data: Mapping[str, Any]) -> tuple[str, str]:
    values = _Lenient(data)
    values.setdefault("by", "system")
    if "accepted" in data:
        values["accepted_en"] = "accepted" if data["accepted"] else "did not accept"
        values["accepted_zh"] = "接受" if data["accepted"] else "不接受"
    if "amount_fen" in data:
        values["amount_yuan"] = f"{data['amount_fen'] / 100:g}"
    if "sent" in data:
        values["sent_en"] = "sent" if data["sent"] else "failed"
        values["sent_zh"] = "已发送" if data["sent"] else "发送失败"
        for field, code in (("step", data.get("step")), ("via", data.get("channel"))):
            said_en, said_zh = DELIVERY_WORDS.get(str(code), (str(code), str(code)))
            values[f"{field}_en"], values[f"{field}_zh"] = said_en, said_zh
    chinese = _Lenient(in_chinese(values))
    if "roles" in data:
        values["roles"] = ", ".join(data["roles"])
        chinese["roles"] = "、".join(word("role", role, 1) for role in data["roles"])
    return en.format_map(values), zh.format_map(chinese)


def project(e: Envelope) -> list[Change]:
    if e.aggregate != "Complaint":
        return []
    text_en, text_zh = render(e.name, e.data)
    return [
        Upsert(
            "case_timeline",
            ("tenant_id", "case_id", "seq"),
            {
                "tenant_id": e.tenant_id,
                "case_id": e.originator_id,
                "seq": e.seq,
                "version": e.version,
                "event": e.name,
                "actor": e.by,
                "at": e.at,
                "text_en": text_en,
                "text_zh": text_zh,
            },
        )
    ]


VIEW = View("timeline", TABLES, project)


async def for_case(
    conn: asyncpg.Connection, tenant_id: UUID, case_id: UUID, language: str
) -> list[asyncpg.Record]:
    text = "text_zh" if language == "zh-CN" else "text_en"
    return await conn.fetch(
        f"SELECT seq, version, event, actor, at, {text} AS text FROM case_timeline"
        f" WHERE tenant_id = $1 AND case_id = $2 ORDER BY seq",
        tenant_id,
        case_id,
    )
