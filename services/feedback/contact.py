"""Where a complainant can be reached: the e-mail address and phone public intake asks for, or
what staff intake's one free-text ``contact`` holds ("li@example.com / 138 0000 0000")."""

from __future__ import annotations

import re
from typing import Any

PHONE = re.compile(r"\+?[0-9][0-9 \-]{5,19}")


def contact(complainant: dict[str, Any]) -> tuple[str | None, str | None]:
    """The complainant's e-mail address and phone, each None when not given."""
    given = str(complainant.get("contact") or "")
    parts = [part.strip() for part in given.replace(",", "/").split("/") if part.strip()]
    email = str(complainant.get("email") or "").strip()
    if "@" not in email:
        email = next((part for part in parts if "@" in part), "")
    phone = str(complainant.get("phone") or "").strip()
    if not phone:
        phone = next((part for part in parts if PHONE.fullmatch(part)), "")
    return email or None, phone or None
