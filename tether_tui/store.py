"""The session store: the single source of truth that the dashboard and every bridge share.

It is also the :class:`runners.RunnerEvents` sink: runners report output, state and permission
requests here, and a permission request waits on the approval engine until a surface decides.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any, Protocol

from tether_tui.approvals import ApprovalEngine
from tether_tui.audit import AuditLog
from tether_tui.bus import EventBus
from tether_tui.clock import Clock, SystemClock
from tether_tui.config import Config
from tether_tui.events import (
    BridgeHealthChanged,
    ConfigFailed,
    ConfigReloaded,
    Notice,
    OutputAppended,
    SessionAdded,
    SessionChanged,
    SessionRemoved,
)
from tether_tui.models import Decision, Origin, Rule, Session, SessionState, Via
from tether_tui.output import OutputBuffer
from tether_tui.printable import printable
from tether_tui.rulefile import RuleFile

log = logging.getLogger(__name__)


class BridgeHealth:
    NOT_CONFIGURED = "not configured"
    OFF = "off"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    FAILING = "failing"


class SessionError(Exception):
    """An action a session cannot take (unknown, stopped, or does not accept input)."""


class SessionController(Protocol):
    """What the store calls to act on a running session (a runner, or a hook connection).

    A controller may set ``delivers_later = True`` (input reaches the agent only at a later
    point: shown as queued until :meth:`SessionStore.input_delivered`) and ``stops_later =
    True`` (the agent stops at a later point: shown as stopping until it has)."""

    async def send_input(self, session_id: str, text: str) -> None: ...

    async def stop(self, session_id: str) -> int | None: ...


class SessionStore:
    def __init__(
        self,
        *,
        config: Config | None = None,
        clock: Clock | None = None,
        audit: AuditLog | None = None,
        rules_path: Path | None = None,
    ) -> None:
        """``rules_path``: where auto-approve rules are kept across restarts (none: in memory)."""
        self.config = config or Config()
        self.clock = clock or SystemClock()
        self.audit = audit or AuditLog(None)
        self.bus = EventBus()
        self.approvals = ApprovalEngine(
            bus=self.bus,
            audit=self.audit,
            clock=self.clock,
            settings=self.config.approvals,
            session_lookup=self._sessions_get,
            on_pending_changed=self._pending_changed,
            rule_file=RuleFile(rules_path) if rules_path is not None else None,
        )
        self.config_error: str | None = None
        self._sessions: dict[str, Session] = {}
        self._outputs: dict[str, OutputBuffer] = {}
        self._controllers: dict[str, SessionController] = {}
        self._stopping: set[str] = set()
        self.bridge_health: dict[str, tuple[str, str | None]] = {}
        self.pairing_codes: dict[str, str] = {}
        """Per bridge, the code a chat user writes to pair (shown in the dashboard only)."""
        self._refresh_bridge_config()

    # ----------------------------------------------------------------- sessions
    def _sessions_get(self, session_id: str) -> Session | None:
        return self._sessions.get(session_id)

    def add_session(
        self,
        session_id: str,
        title: str,
        *,
        origin: Origin = Origin.RUNNER,
        directory: str | None = None,
        runner_type: str | None = None,
        state: SessionState = SessionState.STARTING,
        host: str | None = None,
    ) -> Session:
        """``host``: the remote the session runs on (its title says ``@ host``)."""
        if session_id in self._sessions:
            raise SessionError(f"session {session_id} exists already")
        if host and not title.endswith(f" @ {host}"):
            title = f"{title} @ {host}"
        session = Session(
            id=session_id,
            title=self.unique_title(title),
            host=host or None,
            origin=origin,
            created_at=self.clock.now(),
            directory=directory,
            runner_type=runner_type,
            state=state,
        )
        self._sessions[session_id] = session
        history = self.config.history
        self._outputs[session_id] = OutputBuffer(history.max_lines, history.max_bytes)
        self.bus.publish(SessionAdded(session))
        return session

    def restore_session(self, session: Session, lines: list[str], first_seq: int = 0) -> None:
        """A session an earlier run left (see :mod:`tether_tui.state`), with its output history."""
        if session.id in self._sessions:
            raise SessionError(f"session {session.id} exists already")
        session.title = self.unique_title(session.title)
        history = self.config.history
        buffer = OutputBuffer(history.max_lines, history.max_bytes)
        buffer.first_seq = buffer.next_seq = first_seq
        buffer.extend(lines)
        self._sessions[session.id] = session
        self._outputs[session.id] = buffer
        self.bus.publish(SessionAdded(session))

    def reopen(self, session_id: str) -> Session:
        """An ended session starts again under the same id (resumed): same output, same rules."""
        session = self.session(session_id)
        if not session.state.is_final:
            raise SessionError(f"{session.title} has not ended")
        session.state = SessionState.STARTING
        session.error = None
        session.exit_code = None
        session.metadata.pop("ended", None)
        self._controllers.pop(session_id, None)
        self.bus.publish(SessionChanged(session))
        return session

    def unique_title(self, title: str, session_id: str | None = None) -> str:
        """``title``, or ``title #2``, ``#3``… when another session has it already: two sessions
        are never told apart by guessing (two Claude hooks in one repository, say). What a screen
        cannot show is replaced (a title comes from the agent's folder name)."""
        title = printable(title, one_line=True)
        taken = {s.title for s in self._sessions.values() if s.id != session_id}
        if title not in taken:
            return title
        base = re.sub(r" #\d+$", "", title)
        number = 2
        while f"{base} #{number}" in taken:
            number += 1
        return f"{base} #{number}"

    def session(self, session_id: str) -> Session:
        try:
            return self._sessions[session_id]
        except KeyError:
            raise SessionError(f"no session {session_id}") from None

    def has_session(self, session_id: str) -> bool:
        return session_id in self._sessions

    def sessions(self) -> list[Session]:
        return list(self._sessions.values())

    def remove_session(self, session_id: str) -> None:
        """Forget a session (what it still waited for is denied first)."""
        if session_id not in self._sessions:
            return
        self._end_pending(session_id)
        self._sessions.pop(session_id, None)
        self._outputs.pop(session_id, None)
        self._controllers.pop(session_id, None)
        self.bus.publish(SessionRemoved(session_id))

    def set_state(self, session_id: str, state: SessionState, *, error: str | None = None, exit_code: int | None = None) -> None:
        session = self.session(session_id)
        if session.state.is_final and state is not SessionState.ERROR:
            return
        session.state = state
        if error is not None:
            session.error = error
        if exit_code is not None:
            session.exit_code = exit_code
        if state is SessionState.RUNNING:
            session.needs_attention = False
        if state.is_final:
            session.queued_input = 0
        self.bus.publish(SessionChanged(session))
        if state.is_final:
            self._end_pending(session_id)

    def update_session(self, session_id: str, **fields: Any) -> None:
        """Change descriptive fields (title, model, directory, needs_attention, ...)."""
        session = self.session(session_id)
        for name, value in fields.items():
            if not hasattr(session, name):
                raise AttributeError(name)
            if name == "title":
                value = self.unique_title(str(value), session_id)
            setattr(session, name, value)
        self.bus.publish(SessionChanged(session))

    def _pending_changed(self, session_id: str) -> None:
        session = self._sessions.get(session_id)
        if session is None or session.state.is_final:
            return
        waiting = bool(self.approvals.pending(session_id))
        if waiting and session.state is not SessionState.WAITING_APPROVAL:
            self.set_state(session_id, SessionState.WAITING_APPROVAL)
        elif not waiting and session.state is SessionState.WAITING_APPROVAL:
            self.set_state(session_id, SessionState.RUNNING)
        elif waiting and session.state is SessionState.STOPPING:
            self.bus.publish(SessionChanged(session))
        else:
            self.bus.publish(SessionChanged(session))

    def _end_pending(self, session_id: str, reason: str = "the session ended") -> None:
        for request in self.approvals.pending(session_id):
            self.approvals.decide(request.id, False, by="tether-tui", via=Via.SYSTEM, reason=reason)

    def describe_rule(self, rule: Rule) -> str:
        session = self._sessions.get(rule.session_id) if rule.session_id else None
        if rule.session_id and session is None:
            return rule.describe("a session that has ended")
        return rule.describe(session.title if session else None)

    # ----------------------------------------------------------------- output
    def output(self, session_id: str) -> OutputBuffer:
        try:
            return self._outputs[session_id]
        except KeyError:
            raise SessionError(f"no session {session_id}") from None

    def append_output(self, session_id: str, text: str, *, final: bool = False) -> None:
        buffer = self.output(session_id)
        lines = buffer.split(text)
        if not lines:
            return
        first = buffer.extend(lines)
        session = self._sessions[session_id]
        if session.state is SessionState.STARTING:
            self.set_state(session_id, SessionState.RUNNING)
        self.bus.publish(OutputAppended(session_id, lines, first, final=final))

    # ----------------------------------------------------------------- control
    def attach_controller(self, session_id: str, controller: SessionController) -> None:
        self.session(session_id)
        self._controllers[session_id] = controller

    def accepts_input(self, session_id: str) -> bool:
        session = self._sessions.get(session_id)
        return session is not None and not session.state.is_final and session_id in self._controllers

    async def send_input(self, session_id: str, text: str, *, by: str, via: Via) -> None:
        session = self.session(session_id)
        if session.state.is_final:
            raise SessionError(f"{session.title} has {session.state.value}")
        controller = self._controllers.get(session_id)
        if controller is None:
            raise SessionError(f"{session.title} does not take input from here")
        await controller.send_input(session_id, text)
        if getattr(controller, "delivers_later", False):
            session.queued_input += 1
            self.append_output(session_id, f"› {text}  ({by} via {via.label}; queued until the agent's next stop)")
            self.bus.publish(SessionChanged(session))
            return
        self.append_output(session_id, f"› {text}  ({by} via {via.label})")
        if session.state in (SessionState.WAITING_INPUT, SessionState.IDLE):
            self.set_state(session_id, SessionState.RUNNING)

    def input_delivered(self, session_id: str) -> None:
        """The agent received the queued input."""
        session = self.session(session_id)
        if session.queued_input:
            session.queued_input = 0
            self.bus.publish(SessionChanged(session))

    async def stop_session(self, session_id: str, *, by: str, via: Via) -> int | None:
        session = self.session(session_id)
        if session.state.is_final:
            return session.exit_code
        controller = self._controllers.get(session_id)
        if controller is None:
            raise SessionError(f"{session.title} cannot be stopped from here")
        self._stopping.add(session_id)
        self.bus.publish(Notice(f"{session.title}: stop requested by {by} via {via.label}", session_id=session_id))
        exit_code = await controller.stop(session_id)
        if getattr(controller, "stops_later", False):
            if not session.state.is_final:
                self.set_state(session_id, SessionState.STOPPING)
                self._end_pending(session_id, "the session is stopping")
            return None
        if not session.state.is_final:
            self.set_state(session_id, SessionState.STOPPED, exit_code=exit_code)
        return exit_code

    # ----------------------------------------------------------------- config and bridges
    def apply_config(self, config: Config) -> None:
        self.config = config
        self.config_error = None
        self.approvals.update_settings(config.approvals)
        for buffer in self._outputs.values():
            buffer.max_lines, buffer.max_bytes = config.history.max_lines, config.history.max_bytes
        self._refresh_bridge_config()
        self.bus.publish(ConfigReloaded(config))

    def config_failed(self, error: str) -> None:
        self.config_error = error
        self.bus.publish(ConfigFailed(error))

    def _refresh_bridge_config(self) -> None:
        for name, settings in self.config.bridge_settings().items():
            current = self.bridge_health.get(name, (BridgeHealth.NOT_CONFIGURED, None))[0]
            if not settings.configured:
                self.set_bridge_health(name, BridgeHealth.NOT_CONFIGURED)
            elif not settings.enabled:
                self.set_bridge_health(name, BridgeHealth.OFF)
            elif current in (BridgeHealth.NOT_CONFIGURED, BridgeHealth.OFF):
                self.set_bridge_health(name, BridgeHealth.CONNECTING)

    def set_bridge_health(self, name: str, health: str, detail: str | None = None) -> None:
        if self.bridge_health.get(name) == (health, detail):
            return
        self.bridge_health[name] = (health, detail)
        self.bus.publish(BridgeHealthChanged(name, health, detail))

    def set_pairing_code(self, name: str, code: str | None) -> None:
        if code is None:
            self.pairing_codes.pop(name, None)
        else:
            self.pairing_codes[name] = code
        health, detail = self.bridge_health.get(name, (BridgeHealth.NOT_CONFIGURED, None))
        self.bus.publish(BridgeHealthChanged(name, health, detail))

    # ----------------------------------------------------------------- RunnerEvents
    async def on_output(self, session_id: str, stream: str, text: str, *, kind: str = "final", is_final: bool | None = None) -> None:
        final = bool(is_final) if is_final is not None else False
        self.append_output(session_id, text, final=final)

    async def on_error(self, session_id: str, code: str, message: str) -> None:
        self.append_output(session_id, f"error ({code}): {message}")
        self.set_state(session_id, SessionState.ERROR, error=message)

    async def on_exit(self, session_id: str, exit_code: int | None) -> None:
        if not self.has_session(session_id):
            return
        stopping = session_id in self._stopping
        self._stopping.discard(session_id)
        session = self._sessions[session_id]
        if session.state.is_final:  # an error said already says more than the exit code
            if exit_code is not None and session.exit_code is None:
                session.exit_code = exit_code
                self.bus.publish(SessionChanged(session))
            return
        state = SessionState.STOPPED if stopping or not exit_code else SessionState.ERROR
        error = None if state is SessionState.STOPPED else f"exited with code {exit_code}"
        self.set_state(session_id, state, exit_code=exit_code, error=error)

    async def on_awaiting_input(self, session_id: str) -> None:
        session = self.session(session_id)
        if not self.approvals.pending(session_id):
            session.needs_attention = True
            self.set_state(session_id, SessionState.WAITING_INPUT)

    async def on_metadata(self, session_id: str, key: str, value: Any, raw: Any = None) -> None:
        session = self.session(session_id)
        if key == "input_delivered":
            self.input_delivered(session_id)
            return
        if key == "usage" and isinstance(value, dict):
            usage = session.usage
            usage.input_tokens += int(value.get("input_tokens", 0))
            usage.output_tokens += int(value.get("output_tokens", 0))
            usage.cost_usd += float(value.get("cost_usd", 0.0))
            usage.turns += int(value.get("turns", 0))
        elif key == "context" and isinstance(value, dict):
            usage = session.usage
            usage.context_tokens = int(value.get("context_tokens") or 0)
            usage.context_size = int(value.get("context_size") or 0)
            if isinstance(value.get("cost"), (int, float)):
                usage.cost_usd = float(value["cost"])
        elif key == "title":
            session.title = self.unique_title(str(value), session_id)
        elif key in ("model", "directory"):
            setattr(session, key, value)
        else:
            session.metadata[key] = value
        self.bus.publish(SessionChanged(session))

    async def on_heartbeat(self, session_id: str, elapsed_s: float, done: bool) -> None:
        self.session(session_id).metadata["elapsed_s"] = elapsed_s

    async def on_header(
        self,
        session_id: str,
        *,
        title: str,
        model: str | None = None,
        provider: str | None = None,
        sandbox: str | None = None,
        approval: str | None = None,
        thread_id: str | None = None,
    ) -> None:
        session = self.session(session_id)
        if session.host and not title.endswith(f" @ {session.host}"):
            title = f"{title} @ {session.host}"  # where it runs stays in its name
        session.title = self.unique_title(title, session_id)
        session.model = model or session.model
        for key, value in (("provider", provider), ("sandbox", sandbox), ("approval", approval), ("thread_id", thread_id)):
            if value is not None:
                session.metadata[key] = value
        self.bus.publish(SessionChanged(session))

    async def on_permission_request(
        self,
        session_id: str,
        request_id: str,
        tool_name: str,
        tool_input: dict[str, Any],
        suggestions: list[Any] | None = None,
    ) -> Decision:
        """Register the request and wait until a surface, a rule or expiry decides it."""
        request = self.approvals.submit(session_id, tool_name, tool_input, request_id=request_id, suggestions=suggestions)
        return await request.wait()

    async def on_permission_resolved(
        self, session_id: str, request_id: str, resolved_by: str, allowed: bool, message: str | None = None
    ) -> None:
        """The agent settled a request itself (in its own prompt, say)."""
        request = self.approvals.find_pending(session_id, request_id)
        if request is None:
            log.info("agent resolved unknown request %s", request_id)
            return
        self.approvals.decide(request.id, allowed, by=resolved_by, via=Via.AGENT, reason=message)
