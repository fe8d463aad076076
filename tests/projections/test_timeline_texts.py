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
