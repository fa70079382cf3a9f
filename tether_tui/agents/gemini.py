"""Gemini CLI: BeforeTool decides, AfterTool, AfterAgent, Notification and the session events report."""

from __future__ import annotations

from typing import Any

from tether_tui.agents.base import AgentHooks, Answer, HookKind


class GeminiHooks(AgentHooks):
    name = "gemini"
    label = "gemini"
    events = {
        "BeforeTool": HookKind.APPROVAL,
        "AfterTool": HookKind.TOOL_DONE,
        "AfterAgent": HookKind.STOP,
        "BeforeAgent": HookKind.PROMPT,
        "Notification": HookKind.NOTIFICATION,
        "SessionStart": HookKind.SESSION_START,
        "SessionEnd": HookKind.SESSION_END,
    }
    install_events = {
        "BeforeTool": ".*",
        "AfterTool": ".*",
        "AfterAgent": None,
        "Notification": None,
        "SessionStart": None,
        "SessionEnd": None,
    }

    def last_message(self, event: dict[str, Any]) -> str | None:
        value = event.get("prompt_response")
        return value if isinstance(value, str) and value.strip() else None

    def allow(self, event: dict[str, Any], reason: str | None, remember: list[Any] | None) -> Answer:
        return ({"decision": "allow", "reason": reason} if reason else {"decision": "allow"}), 0

    def deny(self, event: dict[str, Any], reason: str) -> Answer:
        return {"decision": "deny", "reason": reason}, 0

    def continue_with(self, event: dict[str, Any], text: str) -> Answer:
        return {"decision": "deny", "reason": text}, 0
