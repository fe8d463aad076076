"""The languages the service speaks, and which of them a request's ``Accept-Language`` prefers.

Shared by the console's pages and the API's problem documents, which fall back differently:
the console speaks Chinese first, the API's errors English.
"""

from __future__ import annotations

CHINESE = "zh-CN"
ENGLISH = "en"


def best_language(accept_language: str, default: str = CHINESE) -> str:
    """The language the header ranks highest (RFC 9110 §12.5.4: q-values, then order),
    among those spoken: any ``zh`` tag is simplified Chinese, any ``en`` tag English;
    ``default`` when it names neither (or nothing)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0  # a q-value that does not parse says nothing wanted
        if tag and weight > 0:
            ranked.append((-weight, position, tag.lower()))
    for _, _, tag in sorted(ranked):
        primary = tag.split("-")[0]
        if primary == "zh":
            return CHINESE
        if primary == "en":
            return ENGLISH
    return default
