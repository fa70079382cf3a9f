"""Approvals answered in words, for platforms where typing is quicker than finding a button:
``allow``, ``deny``, ``deny: <reason>``, ``allow all`` (the session), ``allow <tool>``,
``allow dir``. Anything else in a thread is input for the session."""

from __future__ import annotations

import re
from dataclasses import dataclass

ALLOW_WORDS = {"allow", "approve"}
DENY_WORDS = {"deny", "reject"}
TIMER_WORDS = {"all": "all", "session": "all", "dir": "dir", "folder": "dir", "directory": "dir"}
DENY_WITH_REASON = re.compile(r"^\s*(?:deny|reject)\s*[:\-—]\s*(?P<reason>\S.*)$", re.IGNORECASE | re.DOTALL)
TEXT_REPLIES_HELP = "Or write: allow · deny · deny: <reason> · allow all · allow <tool> · allow dir"


@dataclass(frozen=True)
class TextDecision:
    allow: bool
    timer: str | None = None
    """None: this request only; "all": the session; "dir": the folder; "tool": ``tool``."""
    tool: str | None = None
    reason: str | None = None


def parse_text_decision(text: str) -> TextDecision | None:
    """The decision a message states, or None when it is not one."""
    reason = DENY_WITH_REASON.match(text)
    if reason:
        return TextDecision(False, reason=reason.group("reason").strip())
    words = text.strip().rstrip(".!").split()
    if not words or len(words) > 2:
        return None
    head = words[0].lower()
    if len(words) == 1:
        if head in ALLOW_WORDS:
            return TextDecision(True)
        if head in DENY_WORDS:
            return TextDecision(False)
        return None
    if head not in ALLOW_WORDS:
        return None
    target = words[1]
    timer = TIMER_WORDS.get(target.lower())
    if timer is not None:
        return TextDecision(True, timer=timer)
    return TextDecision(True, timer="tool", tool=target)
