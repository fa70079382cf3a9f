"""The records the store keeps: sessions, approval requests, decisions and auto-approve rules."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SessionState(StrEnum):
    STARTING = "starting"
    RUNNING = "running"
    WAITING_APPROVAL = "waiting for approval"
    WAITING_INPUT = "waiting for input"
    IDLE = "idle"
    STOPPING = "stopping"
    """A stop was asked for and the agent has not stopped yet."""
    DISCONNECTED = "disconnected"
    """The machine the session runs on is not reachable now (a remote over SSH)."""
    STOPPED = "stopped"
    ERROR = "error"

    @property
    def is_final(self) -> bool:
        return self in (SessionState.STOPPED, SessionState.ERROR)


class Origin(StrEnum):
    RUNNER = "runner"
    HOOK = "hook"


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    turns: int = 0
    context_tokens: int = 0
    """Tokens in the agent's context now, and the size of its window (agents that report it)."""
    context_size: int = 0

    def describe(self) -> str:
        text = (
            f"{self.input_tokens:,} in / {self.output_tokens:,} out tokens, "
            f"${self.cost_usd:.2f}, {self.turns} turn{'s' if self.turns != 1 else ''}"
        )
        if self.context_size:
            text += f", context {self.context_tokens:,} of {self.context_size:,} tokens"
        return text


@dataclass
class Session:
    id: str
    title: str
    origin: Origin
    created_at: datetime
    directory: str | None = None
    runner_type: str | None = None
    state: SessionState = SessionState.STARTING
    exit_code: int | None = None
    error: str | None = None
    model: str | None = None
    needs_attention: bool = False
    queued_input: int = 0
    """Inputs sent that the agent has not received yet (a hook session gets them at its next stop)."""
    usage: Usage = field(default_factory=Usage)
    metadata: dict[str, Any] = field(default_factory=dict)
    host: str | None = None
    """The remote (``[remotes.NAME]``) the session runs on; None: this machine."""

    @property
    def resumable(self) -> bool:
        """Ended, and its agent keeps the conversation under an id it gave (ACP agents)."""
        return self.state.is_final and self.origin is Origin.RUNNER and bool(self.metadata.get("agent_session_id"))


class Outcome(StrEnum):
    ALLOW = "allow"
    DENY = "deny"
    DEFER = "defer"
    """No decision: the agent's own prompt takes over (only agents with a prompt of their own)."""


class Via(StrEnum):
    """The surface a decision was taken on."""

    KEYBOARD = "keyboard"
    TELEGRAM = "telegram"
    SLACK = "slack"
    DISCORD = "discord"
    AUTO = "auto-approve"
    TIMEOUT = "timeout"
    AGENT = "agent"
    SYSTEM = "system"

    @property
    def label(self) -> str:
        return {
            Via.KEYBOARD: "keyboard",
            Via.TELEGRAM: "Telegram",
            Via.SLACK: "Slack",
            Via.DISCORD: "Discord",
            Via.AUTO: "auto-approve rule",
            Via.TIMEOUT: "timeout",
            Via.AGENT: "the agent",
            Via.SYSTEM: "tether-tui",
        }[self]


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    by: str
    via: Via
    at: datetime
    reason: str | None = None
    rule_id: str | None = None
    timer: str | None = None
    """Set when the person chose "allow ... for N minutes": what the timer covers (see
    :data:`tether_tui.approvals.TimerChoice`)."""

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOW

    def describe(self, *, sentence: bool = False) -> str:
        """One line for every surface, e.g. ``approved by alice via Telegram, 12:03`` (with
        ``sentence``: ``Approved by ...``)."""
        verb = {Outcome.ALLOW: "approved", Outcome.DENY: "denied", Outcome.DEFER: "left to the agent"}[self.outcome]
        text = f"{verb} by {self.by} via {self.via.label}, {self.at:%H:%M}"
        if self.reason:
            text += f": {self.reason}"
        return text[:1].upper() + text[1:] if sentence else text


@dataclass(eq=False)
class ApprovalRequest:
    id: str
    session_id: str
    tool_name: str
    tool_input: dict[str, Any]
    summary: str
    created_at: datetime
    created_mono: float
    expires_mono: float | None
    directory: str | None = None
    suggestions: list[Any] | None = None
    host: str | None = None
    """The remote the request comes from (its session's); None: this machine."""
    agent_request_id: str | None = None
    """The id the agent gave the request (``tool_use_id``, a runner's id): only a hint that a
    retry is the same request, never the key the request is decided by."""
    decision: Decision | None = None
    future: asyncio.Future[Decision] | None = field(default=None, repr=False)

    @property
    def pending(self) -> bool:
        return self.decision is None

    @property
    def external_id(self) -> str:
        """The id the agent or library caller knows the request by."""
        return self.agent_request_id or self.id

    async def wait(self) -> Decision:
        """Wait until the request is decided (by a person, a rule or expiry)."""
        if self.decision is not None:
            return self.decision
        if self.future is None:
            self.future = asyncio.get_running_loop().create_future()
        return await asyncio.shield(self.future)

    def settle(self, decision: Decision) -> None:
        self.decision = decision
        if self.future is not None and not self.future.done():
            self.future.set_result(decision)


class RuleScope(StrEnum):
    SESSION = "session"
    TOOL = "tool"
    DIRECTORY = "directory"


@dataclass(frozen=True)
class Rule:
    """An auto-approve rule. Every field that is set must match; an unset field matches anything."""

    id: str
    scope: RuleScope
    created_at: datetime
    expires_at: datetime
    expires_mono: float
    created_by: str
    created_via: Via
    session_id: str | None = None
    tool_name: str | None = None
    command_prefix: str | None = None
    command_exact: bool = False
    """``command_prefix`` is the whole command: only that exact command is covered."""
    directory: str | None = None
    host: str | None = None
    """The remote a folder rule's folder is on (``/repo`` on devbox is not ``/repo`` here)."""

    def describe(self, session_title: str | None = None) -> str:
        """What the rule allows, e.g. ``Edit in ~/repo/`` or ``everything in claude · api``
        (``session_title`` names its session; without it the session's id stands in)."""
        from tether_tui.toolinput import short_path

        session = session_title or (f"session {self.session_id[:12]}" if self.session_id else "")
        if self.scope is RuleScope.SESSION:
            return f"everything in {session}"
        if self.scope is RuleScope.DIRECTORY:
            where = f" on {self.host}" if self.host else ""
            return f"{self.tool_name or 'everything'} in {short_path(self.directory)}/{where}"
        text = self.tool_name or "?"
        if self.command_prefix:
            text += f" `{self.command_prefix}` exactly" if self.command_exact else f" `{self.command_prefix} …`"
        return f"{text} in {session}" if self.session_id else f"{text} everywhere"


@dataclass(frozen=True)
class AutoApproval:
    """One request that a rule let through, for the batched notice."""

    request_id: str
    session_id: str
    session_title: str
    tool_name: str
    summary: str
    rule_id: str
    at: datetime
