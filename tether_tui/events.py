"""Typed change events published by the store. Every surface (dashboard, bridges) subscribes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tether_tui.models import ApprovalRequest, AutoApproval, Decision, Rule, Session

if TYPE_CHECKING:
    from tether_tui.config import Config


@dataclass(frozen=True)
class SessionAdded:
    session: Session


@dataclass(frozen=True)
class SessionChanged:
    """State, title, usage or attention flag of a session changed; read the session for values."""

    session: Session


@dataclass(frozen=True)
class SessionRemoved:
    session_id: str


@dataclass
class OutputAppended:
    """New output lines of one session. For a slow subscriber consecutive chunks of a session are
    merged, keeping only the newest lines; ``skipped`` counts the lines it will never see here
    (they stay in the session's history)."""

    session_id: str
    lines: list[str]
    first_seq: int
    skipped: int = 0
    final: bool = False
    """The chunk ends with an agent's final message of a turn."""


@dataclass(frozen=True)
class ApprovalRequested:
    request: ApprovalRequest


@dataclass(frozen=True)
class ApprovalDecided:
    request: ApprovalRequest
    decision: Decision


@dataclass(frozen=True)
class RuleAdded:
    rule: Rule


@dataclass(frozen=True)
class RuleRemoved:
    rule: Rule
    expired: bool
    by: str | None = None


@dataclass(frozen=True)
class AutoApprovedBatch:
    items: tuple[AutoApproval, ...]

    def describe(self) -> str:
        count = len(self.items)
        head = f"Auto-approved {count} request{'s' if count != 1 else ''}:"
        lines = [f"• {item.session_title}: {item.tool_name} {item.summary}" for item in self.items[:20]]
        if count > 20:
            lines.append(f"… and {count - 20} more")
        return "\n".join([head, *lines])


@dataclass(frozen=True)
class BridgeHealthChanged:
    name: str
    health: str
    detail: str | None = None


@dataclass(frozen=True)
class ConfigReloaded:
    config: Config


@dataclass(frozen=True)
class ConfigFailed:
    """An edit of the config file could not be applied; the last good config stays in force."""

    error: str


@dataclass(frozen=True)
class Notice:
    text: str
    level: str = "information"
    session_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


Event = (
    SessionAdded
    | SessionChanged
    | SessionRemoved
    | OutputAppended
    | ApprovalRequested
    | ApprovalDecided
    | RuleAdded
    | RuleRemoved
    | AutoApprovedBatch
    | BridgeHealthChanged
    | ConfigReloaded
    | ConfigFailed
    | Notice
)
