"""Codex CLI: hooks.json with PermissionRequest (allow or deny), PreToolUse (deny only), Stop,
SessionStart."""

from __future__ import annotations

from typing import Any

from tether_tui.agents.base import NO_DECISION, AgentHooks, Answer, HookKind


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
            return {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}}, 0
        # PreToolUse can only deny: allowing means not objecting, and Codex's own policy applies
        return NO_DECISION

    def deny(self, event: dict[str, Any], reason: str) -> Answer:
        if event.get("hook_event_name") == "PermissionRequest":
            return {
                "hookSpecificOutput": {
                    "hookEventName": "PermissionRequest",
                    "decision": {"behavior": "deny", "message": reason},
                }
            }, 0
        return {
            "hookSpecificOutput": {
                "hookEventName": "PreToolUse",
                "permissionDecision": "deny",
                "permissionDecisionReason": reason,
            }
        }, 0
