"""The message catalogue: every string the console names exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import get_args

from services.api.console.messages import CATALOGUE, MESSAGES, best_language, translate
from services.api.schemas import Channel

CONSOLE = Path(__file__).parents[3] / "services" / "api" / "console"
# Keys the console looks up with t(); label() falls back to the word itself for the others
# (a plug-in policy's roles and rungs).
LOOKED_UP = (
    "app|nav|language|common|live|problem|sign_in|inbox|cases|case|deadline|time|actions"
    "|form|intake|handovers|dashboard|chart|audit"
)
KEY = re.compile(rf"[\"'`]((?:{LOOKED_UP})\.[a-z_]+)[\"'`]")


def named_keys() -> set[str]:
    sources = [*CONSOLE.glob("static/*.js"), *CONSOLE.glob("templates/*.html")]
    found = {key for path in sources for key in KEY.findall(path.read_text())}
    # not file names, nor the stem of a key built from a value (tested below)
    return {key for key in found if not key.endswith((".js", ".css", "_"))}


def test_every_key_the_pages_name_is_in_the_catalogue() -> None:
    named = named_keys()
    assert len(named) > 100  # the pattern still finds the keys
    assert sorted(named - CATALOGUE.keys()) == []


def test_keys_built_from_values_are_in_the_catalogue() -> None:
    built = {
        *(f"channel.{channel}" for channel in get_args(Channel)),
        *(f"status.{status}" for status in ("open", "resolved", "closed")),
        *(f"handovers.hours_{hours}" for hours in (8, 12, 24, 72)),
        *(
            f"dashboard.{kind}_{p}"
            for kind in ("first_response", "resolution")
            for p in ("p50", "p90")
        ),
        *(f"language.{lang}" for lang in ("en", "zh-CN")),
        *(f"deadline_state.{state}" for state in ("open", "paused", "met", "missed")),
    }
    assert sorted(built - CATALOGUE.keys()) == []


def test_both_languages_have_every_text_with_the_same_placeholders() -> None:
    for key, (english, chinese) in CATALOGUE.items():
        assert english and chinese, key
        assert set(re.findall(r"\{(\w+)\}", english)) == set(re.findall(r"\{(\w+)\}", chinese)), key
    assert MESSAGES["en"].keys() == MESSAGES["zh-CN"].keys()


def test_translate_fills_placeholders_and_shows_an_unknown_key_as_itself() -> None:
    assert translate("zh-CN", "deadline.working_days_left", days=3) == "剩余 3 个工作日"
    assert translate("en", "deadline.working_days_left", days=3) == "3 working days left"
    assert translate("en", "no.such.key") == "no.such.key"


def test_the_browser_language_decides_until_the_tenant_is_known() -> None:
    assert best_language("en-GB,en;q=0.9") == "en"
    assert best_language("zh-TW,zh;q=0.9,en;q=0.5") == "zh-CN"
    assert best_language("fr-FR") == "zh-CN"
