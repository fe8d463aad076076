"""An ISO 10002:2018-style complaints-handling process, plugged into the core as ``iso10002@1``."""

from __future__ import annotations

from complaints_iso10002.policy import Iso10002Policy

__all__ = ["Iso10002Policy"]
