"""What every agent's hooks have in common."""

from __future__ import annotations

import os
from enum import StrEnum
from typing import Any

Answer = tuple[dict[str, Any] | None, int]
"""What the hook prints as JSON on stdout (None: nothing) and its exit status."""

NO_DECISION: Answer = (None, 0)


class HookKind(StrEnum):
    APPROVAL = "approval"
    SESSION_START = "session start"
    SESSION_END = "session end"
    STOP = "stop"
    NOTIFICATION = "notification"
    TOOL_DONE = "tool done"
    PROMPT = "prompt"
    IGNORE = "ignore"


class AgentHooks:
    """One agent's hook contract. Subclasses set the tables and override the answers."""

    name = ""
    label = ""
    events: dict[str, HookKind] = {}
    #: events the installer registers, with the matcher to use
    install_events: dict[str, str | None] = {}
    #: exit status the agent reads as "a non-blocking error: carry on without a decision"
    error_exit = 1

    def kind(self, event: dict[str, Any]) -> HookKind:
        return self.events.get(str(event.get("hook_event_name", "")), HookKind.IGNORE)

    def problem(self, event: dict[str, Any]) -> str | None:
        """Why ``event`` cannot be acted on (a field its kind needs is missing or of the wrong
        type), or None. Such an event is refused: no session, no request, no decision."""
        kind = self.kind(event)
        if kind is HookKind.IGNORE:
            return None
        name = event.get("hook_event_name")
        session = event.get("session_id")
        if not isinstance(session, str) or not session.strip():
            return f"{name} event without a session_id"
        if kind is HookKind.APPROVAL:
            tool_name = event.get("tool_name")
            if not isinstance(tool_name, str) or not tool_name.strip():
                return f"{name} event without a tool_name"
            tool_input = event.get("tool_input", {})
            if not isinstance(tool_input, dict):
                return f"{name} event whose tool_input is not a JSON object"
        cwd = event.get("cwd")
        if cwd is not None and not isinstance(cwd, str):
            return f"{name} event whose cwd is not text"
        return None

    def session_id(self, event: dict[str, Any]) -> str:
        """The agent's own session id (a hook event without one gets a per-agent placeholder)."""
        value = event.get("session_id")
        return value if isinstance(value, str) and value else f"{self.name}-unknown"

    def title(self, event: dict[str, Any]) -> str:
        cwd = event.get("cwd")
        folder = os.path.basename(str(cwd).rstrip("/")) if cwd else "?"
        return f"{self.label} · {folder}"

    def tool(self, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        tool_input = event.get("tool_input")
        return str(event.get("tool_name") or "?"), tool_input if isinstance(tool_input, dict) else {"input": tool_input}

    def request_id(self, event: dict[str, Any]) -> str | None:
        value = event.get("tool_use_id")
        return value if isinstance(value, str) and value else None

    def suggestions(self, event: dict[str, Any]) -> list[Any] | None:
        return None

    def last_message(self, event: dict[str, Any]) -> str | None:
        value = event.get("last_assistant_message")
        return value if isinstance(value, str) and value.strip() else None

    def notification(self, event: dict[str, Any]) -> str:
        return str(event.get("message") or event.get("notification_type") or "needs attention")

    def prompt(self, event: dict[str, Any]) -> str | None:
        value = event.get("prompt")
        return value if isinstance(value, str) else None

    # ----------------------------------------------------------------- answers
    def allow(self, event: dict[str, Any], reason: str | None, remember: list[Any] | None) -> Answer:
        raise NotImplementedError

    def deny(self, event: dict[str, Any], reason: str) -> Answer:
        raise NotImplementedError

    def defer(self, event: dict[str, Any]) -> Answer:
        """No decision: the agent's own prompt (or policy) takes over."""
        return NO_DECISION

    def stop_agent(self, event: dict[str, Any], reason: str) -> Answer:
        return {"continue": False, "stopReason": reason}, 0

    def continue_with(self, event: dict[str, Any], text: str) -> Answer:
        """Answer a Stop so that the agent goes on with ``text`` as its next instruction."""
        return {"decision": "block", "reason": text}, 0


def permission_request_answer(behavior: str, message: str | None = None, updated: list[Any] | None = None) -> Answer:
    """The PermissionRequest answer that Claude Code and Codex share."""
    decision: dict[str, Any] = {"behavior": behavior}
    if message is not None:
        decision["message"] = message
    if updated:
        decision["updatedPermissions"] = updated
    return {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": decision}}, 0


def pre_tool_use_answer(decision: str, reason: str | None) -> Answer:
    """The PreToolUse answer that Claude Code and Codex share."""
    output: dict[str, Any] = {"hookEventName": "PreToolUse", "permissionDecision": decision}
    if reason:
        output["permissionDecisionReason"] = reason
    return {"hookSpecificOutput": output}, 0
