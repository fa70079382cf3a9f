"""Each agent's hook contract: which events mean what, and how to answer them.

Loaded by the ``tether-tui hook`` command on every call, so it imports nothing heavy.
"""

from tether_tui.agents.base import AgentHooks, HookKind
from tether_tui.agents.claude import ClaudeHooks
from tether_tui.agents.codex import CodexHooks
from tether_tui.agents.gemini import GeminiHooks

AGENTS: dict[str, AgentHooks] = {hooks.name: hooks for hooks in (ClaudeHooks(), CodexHooks(), GeminiHooks())}

__all__ = ["AGENTS", "AgentHooks", "HookKind"]
