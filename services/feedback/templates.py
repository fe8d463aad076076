"""What a message to the complainant says: a subject and a body per step ("reply", "closing",
"follow-up") and language (zh-CN, en), written in Jinja over a fixed set of placeholders.

The defaults live here (the bank's closing feedback in the words of its prepared talking
points, B10); a tenant may set its own per step and language (``TemplateStore``, table
``feedback_templates``, migration 052). Every version a tenant sets is kept with who set it and
when; the newest is used. A template is checked before it is kept: it must render with sample
values and name no placeholder outside ``PLACEHOLDERS``.

The status link a message carries is the tracking page (``/public/{slug}/track?number=...``),
where the complainant asks for a one-time code: the case's own link holds a secret that is
never stored, so no message can carry it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

import asyncpg
from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from services.store.tenant_rows import tenant_transaction

STEPS = ("reply", "closing", "follow-up")
LANGUAGES = ("zh-CN", "en")

# What a template may name, and what each stands for.
PLACEHOLDERS = {
    "tenant_name": "the organisation's name",
    "tracking": "the case's tracking number (HOSP-2026-000123)",
    "reply_text": "the written reply (step reply)",
    "closing_reason": "how handling ended (step follow-up) or why the case was closed (closing)",
    "status_link": "the page where the complainant follows the case",
    "survey_link": "the follow-up survey (step follow-up)",
}

SAMPLE = {
    "tenant_name": "Example Organisation",
    "tracking": "EXMP-2026-000001",
    "reply_text": "We have looked into your complaint.",
    "closing_reason": "resolved",
    "status_link": "https://complaints.example/public/example/track?number=EXMP-2026-000001",
    "survey_link": "https://complaints.example/public/example/track?number=EXMP-2026-000001#follow-up",
}

_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


_GENERAL: dict[tuple[str, str], Template] = {
    ("reply", "zh-CN"): Template(
        "{{ tenant_name }}：您的投诉 {{ tracking }} 的书面答复",
        "您好：\n\n关于您的投诉（编号 {{ tracking }}），{{ tenant_name }}答复如下：\n\n"
        "{{ reply_text }}\n\n"
        "查看办理进度：{{ status_link }}\n（打开后输入投诉编号，我们会向您发送一次性验证码。）\n",
    ),
    ("reply", "en"): Template(
        "{{ tenant_name }}: our written reply to your complaint {{ tracking }}",
        "Hello,\n\nAbout your complaint {{ tracking }}, {{ tenant_name }} replies:\n\n"
        "{{ reply_text }}\n\n"
        "Follow your case: {{ status_link }}\n"
        "(There you enter the tracking number and we send you a one-time code.)\n",
    ),
    ("closing", "zh-CN"): Template(
        "{{ tenant_name }}：您的投诉 {{ tracking }} 已办结",
        "您好：\n\n您的投诉（编号 {{ tracking }}）已办结。\n办结说明：{{ closing_reason }}\n\n"
        "查看办理记录：{{ status_link }}\n感谢您的反馈。\n",
    ),
    ("closing", "en"): Template(
        "{{ tenant_name }}: your complaint {{ tracking }} is closed",
        "Hello,\n\nYour complaint {{ tracking }} is closed.\nHow it ended: {{ closing_reason }}\n\n"
        "See its record: {{ status_link }}\nThank you for telling us.\n",
    ),
    ("follow-up", "zh-CN"): Template(
        "{{ tenant_name }}：您的投诉 {{ tracking }} 已处理，请留下回访意见",
        "您好：\n\n您的投诉（编号 {{ tracking }}）已处理。\n处理结果：{{ closing_reason }}\n\n"
        "请告诉我们您对处理结果是否满意：{{ survey_link }}\n"
        "（打开后输入投诉编号，我们会向您发送一次性验证码。）\n",
    ),
    ("follow-up", "en"): Template(
        "{{ tenant_name }}: your complaint {{ tracking }} is dealt with; tell us how we did",
        "Hello,\n\nYour complaint {{ tracking }} is dealt with.\n"
        "What was done: {{ closing_reason }}\n\n"
        "Please tell us whether you are satisfied: {{ survey_link }}\n"
        "(There you enter the tracking number and we send you a one-time code.)\n",
    ),
}

# B10: the bank's answers follow its prepared talking points, and it gives no written reply as
# a rule; its closing feedback says only what the talking points say.
_BANK: dict[tuple[str, str], Template] = {
    ("closing", "zh-CN"): Template(
        "{{ tenant_name }}：关于您的投诉 {{ tracking }} 的办结反馈",
        "尊敬的客户：\n\n感谢您对{{ tenant_name }}的信任与监督。按照本行统一的答复口径，"
        "现将您的投诉（编号 {{ tracking }}）的办理结果反馈如下：{{ closing_reason }}\n\n"
        "如您仍有疑问，请通过本行客服渠道联系我们，本行综合部将统一答复。\n"
        "查看办理记录：{{ status_link }}\n",
    ),
    ("closing", "en"): Template(
        "{{ tenant_name }}: the outcome of your complaint {{ tracking }}",
        "Dear customer,\n\nThank you for your trust in {{ tenant_name }}. Following the bank's "
        "prepared talking points, the outcome of your complaint {{ tracking }} is: "
        "{{ closing_reason }}\n\n"
        "If you have further questions, please contact us through the bank's customer service; "
        "the general department answers on the bank's behalf.\n"
        "See its record: {{ status_link }}\n",
    ),
}

_BY_POLICY = {"bank": _BANK}


def default_template(policy_name: str, step: str, lang: str) -> Template:
    """The repository's template for a step and language, the policy's own where it has one."""
    lang = lang if lang in LANGUAGES else "en"
    return _BY_POLICY.get(policy_name, {}).get((step, lang)) or _GENERAL[(step, lang)]


def language_of(asked: str | None, tenant_language: str) -> str:
    """zh-CN or en: what the complainant asked for, else the tenant's."""
    for choice in (asked, tenant_language):
        if choice and choice.lower().startswith("zh"):
            return "zh-CN"
        if choice and choice.lower().startswith("en"):
            return "en"
    return "zh-CN"


def track_link(public_base_url: str, slug: str, tracking: str | None) -> str:
    """Where the complainant follows the case: the tracking page, which sends a one-time code
    (the case's own link holds a secret no message can carry)."""
    if not tracking:
        return f"{public_base_url}/public/{slug}"
    return f"{public_base_url}/public/{slug}/track?number={quote(tracking)}"


def render(template: Template, values: dict[str, Any]) -> Rendered:
    context = {name: values.get(name, "") for name in PLACEHOLDERS}
    subject = _env.from_string(template.subject).render(context)
    body = _env.from_string(template.body).render(context)
    return Rendered(" ".join(subject.split()), body)  # a subject is one line


class TemplateInvalid(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def check(template: Template) -> None:
    """Raise TemplateInvalid naming the field (subject or body) that does not parse, names an
    unknown placeholder, or does not render with sample values."""
    for field, text in (("subject", template.subject), ("body", template.body)):
        try:
            names = meta.find_undeclared_variables(_env.parse(text))
        except TemplateSyntaxError as error:
            raise TemplateInvalid(field, f"not a template: {error.message}") from None
        unknown = sorted(names - PLACEHOLDERS.keys())
        if unknown:
            known = ", ".join(PLACEHOLDERS)
            raise TemplateInvalid(field, f"unknown placeholder {unknown[0]!r}; known: {known}")
        try:
            _env.from_string(text).render(SAMPLE)
        except Exception as error:  # a sandbox refusal, a bad filter: the tenant's text
            raise TemplateInvalid(field, f"does not render: {error}") from None


class TemplateStore:
    """A tenant's own templates, every version kept (who set it, when); the newest counts."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def put(
        self, tenant_id: UUID, step: str, lang: str, template: Template, by: str, at: datetime
    ) -> None:
        check(template)
        async with tenant_transaction(self.pool, tenant_id) as conn:
            await conn.execute(
                "INSERT INTO feedback_templates (tenant_id, step, lang, subject, body, set_by,"
                " set_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                tenant_id,
                step,
                lang,
                template.subject,
                template.body,
                by,
                at,
            )

    async def listed(self, tenant_id: UUID) -> list[asyncpg.Record]:
        """The tenant's current templates, one per step and language."""
        async with tenant_transaction(self.pool, tenant_id) as conn:
            return await conn.fetch(
                "SELECT DISTINCT ON (step, lang) step, lang, subject, body, set_by, set_at"
                "  FROM feedback_templates WHERE tenant_id = $1"
                " ORDER BY step, lang, set_at DESC, version DESC",
                tenant_id,
            )

    @staticmethod
    async def current(
        conn: asyncpg.Connection, tenant_id: UUID, policy_name: str, step: str, lang: str
    ) -> Template:
        """The tenant's newest template for the step and language, else the default; on a
        connection already admitted to the tenant."""
        row = await conn.fetchrow(
            "SELECT subject, body FROM feedback_templates"
            " WHERE tenant_id = $1 AND step = $2 AND lang = $3"
            " ORDER BY set_at DESC, version DESC LIMIT 1",
            tenant_id,
            step,
            lang,
        )
        if row is None:
            return default_template(policy_name, step, lang)
        return Template(row["subject"], row["body"])
