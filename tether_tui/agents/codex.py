"""Codex CLI: hooks.json with PermissionRequest (allow or deny), PreToolUse (deny only), Stop,
SessionStart."""

from __future__ import annotations

from typing import Any

from tether_tui.agents.base import NO_DECISION, AgentHooks, Answer, HookKind, permission_request_answer, pre_tool_use_answer


class CodexHooks(AgentHooks):
    name = "codex"
    label = "codex"
    events = {
        "PermissionRequest": HookKind.APPROVAL,
        "PreToolUse": HookKind.APPROVAL,
        "SessionStart": HookKind.SESSION_START,
        "Stop": HookKind.STOP,
        "PostToolUse": HookKind.TOOL_DONE,
        "UserPromptSubmit": HookKind.PROMPT,
    }
    install_events = {"PermissionRequest": None, "PreToolUse": None, "SessionStart": None, "Stop": None}

    def allow(self, event: dict[str, Any], reason: str | None, remember: list[Any] | None) -> Answer:
        if event.get("hook_event_name") == "PermissionRequest":
            # updatedPermissions is refused by Codex (the hook fails closed), so none is sent
            return permission_request_answer("allow")
        # PreToolUse can only deny: allowing means not objecting, and Codex's own policy applies
        return NO_DECISION

    def deny(self, event: dict[str, Any], reason: str) -> Answer:
        if event.get("hook_event_name") == "PermissionRequest":
            return permission_request_answer("deny", reason)
        return pre_tool_use_answer("deny", reason)

    def stop_agent(self, event: dict[str, Any], reason: str) -> Answer:
        # Codex refuses continue:false in PreToolUse and PermissionRequest: deny instead
        return self.deny(event, reason) if self.kind(event) is HookKind.APPROVAL else NO_DECISION
