"""The command registry shared by the dashboard's command palette and every chat bridge.

Built-in commands: help, status, stop, usage, timers. Custom commands are :class:`CommandDef`
entries; a surface passes the session the command was given in (``thread_id`` for bridges) and
who gave it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tether_tui.models import SessionState, Via
from tether_tui.store import SessionError

if TYPE_CHECKING:
    from tether_tui.store import SessionStore

CommandHandler = Callable[[str | None, str], Awaitable[str | None]]
"""``async handler(thread_id, args) -> reply text or None``."""


@dataclass(frozen=True)
class CommandDef:
    description: str
    handler: CommandHandler


class UnknownCommandError(LookupError):
    pass


def plural(count: float, word: str) -> str:
    """``1 minute``, ``5 minutes``."""
    return f"{count:g} {word}" if count == 1 else f"{count:g} {word}s"


def format_duration(seconds: float) -> str:
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class CommandRegistry:
    """Built-ins bound to a store, plus custom commands; ``disabled`` hides names."""

    BUILTIN = {
        "help": "List the commands",
        "status": "Sessions, their state and pending approvals",
        "stop": "Stop this session",
        "usage": "Token usage and cost of this session",
        "timers": "Active auto-approve rules and their time left",
    }

    def __init__(
        self,
        store: SessionStore,
        custom: Mapping[str, CommandDef] | None = None,
        disabled: set[str] | frozenset[str] | None = None,
    ) -> None:
        self.store = store
        self.custom: dict[str, CommandDef] = dict(custom or {})
        self.disabled = frozenset(disabled or ())

    def register(self, name: str, command: CommandDef) -> None:
        self.custom[name.lstrip("/")] = command

    def descriptions(self) -> dict[str, str]:
        commands = {name: text for name, text in self.BUILTIN.items() if name not in self.disabled}
        commands.update({name: c.description for name, c in self.custom.items() if name not in self.disabled})
        return commands

    def has(self, name: str) -> bool:
        return name.lstrip("/") in self.descriptions()

    async def run(self, name: str, session_id: str | None, args: str = "", *, by: str, via: Via) -> str | None:
        name = name.lstrip("/").lower()
        if name in self.disabled:
            raise UnknownCommandError(name)
        if name in self.custom:
            return await self.custom[name].handler(session_id, args)
        builtin = {
            "help": self._help,
            "status": self._status,
            "usage": self._usage,
            "timers": self._timers,
        }.get(name)
        if builtin is not None:
            return builtin(session_id)
        if name == "stop":
            return await self._stop(session_id, by=by, via=via)
        raise UnknownCommandError(name)

    def _help(self, _session_id: str | None) -> str:
        lines = ["Commands:"]
        lines += [f"/{name} — {text}" for name, text in self.descriptions().items()]
        return "\n".join(lines)

    def _status(self, _session_id: str | None) -> str:
        sessions = self.store.sessions()
        if not sessions:
            return "No sessions."
        lines = []
        for session in sessions:
            pending = len(self.store.approvals.pending(session.id))
            extra = f", {pending} pending" if pending else ""
            lines.append(f"• {session.title} — {session.state.value}{extra}")
        return "\n".join(lines)

    def _usage(self, session_id: str | None) -> str:
        if session_id is None or not self.store.has_session(session_id):
            sessions = self.store.sessions()
            if not sessions:
                return "No sessions."
            return "\n".join(f"• {s.title}: {s.usage.describe()}" for s in sessions)
        session = self.store.session(session_id)
        return f"{session.title}: {session.usage.describe()}"

    def _timers(self, _session_id: str | None) -> str:
        rules = self.store.approvals.rules()
        if not rules:
            return "No auto-approve rules."
        return "\n".join(
            f"• {self.store.describe_rule(rule)} — {format_duration(self.store.approvals.remaining_seconds(rule))} left ({rule.id})"
            for rule in rules
        )

    async def _stop(self, session_id: str | None, *, by: str, via: Via) -> str:
        if session_id is None or not self.store.has_session(session_id):
            return "Use /stop inside a session."
        session = self.store.session(session_id)
        if session.state in (SessionState.STOPPED, SessionState.ERROR):
            return f"{session.title} is already {session.state.value}."
        try:
            code = await self.store.stop_session(session_id, by=by, via=via)
        except SessionError as exc:
            return f"Cannot stop: {exc}."
        return f"Stopped {session.title}" + (f" (exit code {code})." if code is not None else ".")
