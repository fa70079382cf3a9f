"""Agent profiles: how to start an ACP agent and how its options map. Data, not code: a new
agent is a new profile (built in, or ``[agents.NAME]`` in the config)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from runners.protocol import RunnerUnavailableError

if TYPE_CHECKING:
    from tether_tui.config import AgentSettings


@dataclass(frozen=True)
class AgentProfile:
    name: str
    label: str
    command: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)
    install: str = ""
    """What to run to install the command (said when it is missing)."""
    shell_tool: str = "Bash"
    """The tool name a shell call gets in the store, so the shell rules apply to it."""
    modes: tuple[str | None, str | None, str | None] = (None, None, None)
    """The agent's session mode for approval choice 0 (ask), 1 (accept edits), 2 (bypass)."""

    def resolve(self) -> list[str]:
        """The command with its program found on PATH; RunnerUnavailableError saying what to
        install otherwise."""
        if not self.command:
            raise RunnerUnavailableError(f"{self.label}: no command configured")
        program = self.command[0]
        found = program if os.sep in program and os.access(program, os.X_OK) else shutil.which(program)
        if not found:
            hint = f"; install it with: {self.install}" if self.install else ""
            raise RunnerUnavailableError(f"{self.label}: {program} not found on PATH{hint}")
        return [found, *self.command[1:]]

    def environment(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """What the agent runs with: the environment tether-tui was started from (so its keys,
        proxies, certificates, SSH agent and provider settings are there, as if the user had
        started it in this terminal) without tether-tui's own secrets, plus the profile's ``env``."""
        return {**user_environment(base), **self.env}


OWN_SECRETS_PREFIX = "TETHER_TUI_"
"""tether-tui's own settings and tokens (``TETHER_TUI_TELEGRAM_TOKEN``…): never an agent's business."""


def user_environment(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """``base`` (this process's environment) without tether-tui's own variables."""
    source = os.environ if base is None else base
    return {key: value for key, value in source.items() if not key.startswith(OWN_SECRETS_PREFIX)}


BUILTIN_PROFILES: dict[str, AgentProfile] = {
    "claude": AgentProfile(
        name="claude",
        label="Claude Code",
        command=("claude-agent-acp",),
        install="npm install -g @zed-industries/claude-agent-acp",
        shell_tool="Bash",
        modes=("default", "default", "default"),  # 1 and 2 are our own rules: the agent keeps asking us
    ),
    "codex": AgentProfile(
        name="codex",
        label="Codex",
        command=("codex-acp",),
        install="npm install -g @zed-industries/codex-acp",
        shell_tool="shell",
    ),
    "gemini": AgentProfile(
        name="gemini",
        label="Gemini CLI",
        command=("gemini", "--acp"),
        install="npm install -g @google/gemini-cli",
        shell_tool="run_shell_command",
    ),
}


def profiles_from_config(agents: tuple[AgentSettings, ...]) -> dict[str, AgentProfile]:
    """The ``[agents.NAME]`` tables as profiles; one named like a built-in keeps the built-in's
    tool naming and modes and replaces its command, environment and label."""
    import dataclasses

    profiles: dict[str, AgentProfile] = {}
    for agent in agents:
        base = BUILTIN_PROFILES.get(agent.name)
        env = dict(agent.env)
        if base is not None:
            profiles[agent.name] = dataclasses.replace(
                base, command=agent.command, env={**base.env, **env}, label=agent.label or base.label
            )
        else:
            profiles[agent.name] = AgentProfile(agent.name, agent.label or agent.name, agent.command, env)
    return profiles


def available(profiles: dict[str, AgentProfile]) -> dict[str, str | None]:
    """Each profile's name and why it cannot start (None: it can)."""
    found: dict[str, str | None] = {}
    for name, profile in profiles.items():
        try:
            profile.resolve()
            found[name] = None
        except RunnerUnavailableError as exc:
            found[name] = str(exc)
    return found
