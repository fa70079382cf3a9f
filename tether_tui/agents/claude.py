"""Claude Code: PermissionRequest (recommended) or PreToolUse for approvals, plus lifecycle events."""

from __future__ import annotations

from typing import Any

from tether_tui.agents.base import AgentHooks, Answer, HookKind, permission_request_answer, pre_tool_use_answer


class ClaudeHooks(AgentHooks):
    name = "claude"
    label = "claude"
    events = {
        "PreToolUse": HookKind.APPROVAL,
        "PermissionRequest": HookKind.APPROVAL,
        "SessionStart": HookKind.SESSION_START,
        "SessionEnd": HookKind.SESSION_END,
        "Stop": HookKind.STOP,
        "Notification": HookKind.NOTIFICATION,
        "PostToolUse": HookKind.TOOL_DONE,
        "UserPromptSubmit": HookKind.PROMPT,
    }
    # PermissionRequest fires only where Claude would otherwise ask, so the user's own allow
    # rules keep working and read-only tools do not flood the queue; "no decision" shows
    # Claude's own dialog.
    install_events = {
        "PermissionRequest": "*",
        "SessionStart": None,
        "SessionEnd": None,
        "Stop": None,
        "Notification": None,
        "PostToolUse": "*",
        "UserPromptSubmit": None,
    }

    def suggestions(self, event: dict[str, Any]) -> list[Any] | None:
        value = event.get("permission_suggestions")
        return value if isinstance(value, list) else None

    def request_id(self, event: dict[str, Any]) -> str | None:
        # PermissionRequest carries no tool_use_id: each call is a request of its own
        return super().request_id(event) if event.get("hook_event_name") == "PreToolUse" else None

    def allow(self, event: dict[str, Any], reason: str | None, remember: list[Any] | None) -> Answer:
        if event.get("hook_event_name") == "PermissionRequest":
            # Claude's own "allow for this session": its suggested rules, kept for the session
            updated = [{**rule, "destination": "session"} for rule in remember or () if isinstance(rule, dict)]
            return permission_request_answer("allow", updated=updated)
        return pre_tool_use_answer("allow", reason)

    def deny(self, event: dict[str, Any], reason: str) -> Answer:
        if event.get("hook_event_name") == "PermissionRequest":
            return permission_request_answer("deny", reason)
        return pre_tool_use_answer("deny", reason)
