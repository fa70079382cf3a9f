"""The gateway: a Unix socket (mode 0600) where agent hooks started elsewhere reach the store.

Protocol, version 1, one JSON object per line:

- the hook sends ``{"v": 1, "agent": "claude", "event": {...the agent's hook JSON...}}``
- the gateway answers once, when it has an answer: ``{"v": 1, "stdout": {...} | null, "exit": 0}``,
  or ``{"v": 1, "error": "..."}`` for a request it cannot take.

A hook that goes away while waiting (the agent was interrupted, or the hook timed out) withdraws
its request: it is settled as "left to the agent" so no surface acts on it any more.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import resource
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from tether_tui.agents import AGENTS, AgentHooks, HookKind
from tether_tui.agents.base import NO_DECISION, Answer
from tether_tui.models import Origin, Outcome, SessionState, Via
from tether_tui.paths import ensure_runtime_dir, gateway_socket_path, socket_answers
from tether_tui.store import SessionStore
from tether_tui.toolinput import summarize

log = logging.getLogger(__name__)

PROTOCOL_VERSION = 1
MAX_LINE = 8 * 1024 * 1024
"""A hook event larger than this is refused (a Write of a large file fits)."""
REQUEST_TIMEOUT = 10.0
"""A connection that has not sent its whole request line by then is closed. A hook that sent
its request and waits for the decision is not idle and is never timed out."""
MAX_NESTING = 200
"""JSON nested deeper than this is refused before it is parsed."""
HOOK_SESSIONS_KEPT = 200
"""Hook sessions kept at most: beyond it the ended, then the longest silent ones are forgotten."""
ENDED_KEPT_SECONDS = 3600.0
"""An ended hook session stays this long (its output can still be read)."""
SILENT_KEPT_SECONDS = 12 * 3600.0
"""A hook session that sent nothing for this long is forgotten (an agent that comes back later
starts a new one)."""
PRUNE_INTERVAL = 60.0


def default_connection_limit() -> int:
    """Connections served at once: well inside the process's file limit, so that a flood of
    connections can never starve the dashboard of file handles."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        wanted = min(hard if hard != resource.RLIM_INFINITY else 65536, 65536)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    soft = 65536 if soft == resource.RLIM_INFINITY else soft
    return max(8, min(1024, soft // 4))


class IncidentLog:
    """Log a kind of incident once, then at most once per ``interval`` with how many there
    were in between: a flood of bad connections is a few log lines, not a flood of lines."""

    def __init__(self, logger: logging.Logger, interval: float = 60.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._interval = interval
        self._clock = clock
        self._last: dict[str, float] = {}
        self._suppressed: dict[str, int] = {}

    def __call__(self, kind: str, message: str) -> None:
        now = self._clock()
        last = self._last.get(kind)
        if last is not None and now - last < self._interval:
            self._suppressed[kind] = self._suppressed.get(kind, 0) + 1
            return
        more = self._suppressed.pop(kind, 0)
        self._last[kind] = now
        self._log.warning("%s%s", message, f" ({more} more since the last report)" if more else "")


class HookSessionController:
    """Input and stop for a session that lives in another process and reaches us by hooks:
    input waits for the agent's next stop (and becomes its next instruction); stop makes the
    agent's next hook end its run."""

    delivers_later = True
    stops_later = True

    def __init__(self) -> None:
        self.queued: list[str] = []
        self.stopped = False

    async def send_input(self, session_id: str, text: str) -> None:
        self.queued.append(text)

    async def stop(self, session_id: str) -> int | None:
        self.stopped = True
        return None

    def take_input(self) -> str | None:
        if not self.queued:
            return None
        text, self.queued = "\n\n".join(self.queued), []
        return text


class Gateway:
    def __init__(
        self,
        store: SessionStore,
        path: Path | None = None,
        *,
        max_connections: int | None = None,
        request_timeout: float = REQUEST_TIMEOUT,
    ) -> None:
        self.store = store
        self.path = path or gateway_socket_path()
        self.max_connections = max_connections or default_connection_limit()
        self.request_timeout = request_timeout
        self._server: asyncio.AbstractServer | None = None
        self._remote_servers: dict[str, tuple[asyncio.AbstractServer, Path]] = {}
        self._controllers: dict[str, HookSessionController] = {}
        self._connections = 0
        self._last_seen: dict[str, float] = {}
        self._pruner: asyncio.Task[None] | None = None
        self.requests_served = 0
        self.connections_refused = 0
        self.incident = IncidentLog(log)

    # ----------------------------------------------------------------- server
    async def start(self) -> None:
        ensure_runtime_dir(self.path.parent)
        if self.path.exists() or self.path.is_symlink():
            if socket_answers(self.path):
                raise RuntimeError(f"another tether-tui is listening on {self.path}")
            self.path.unlink()
        old_umask = os.umask(0o177)
        try:
            self._server = await asyncio.start_unix_server(self._serve, path=str(self.path), limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        os.chmod(self.path, 0o600)
        self._pruner = asyncio.create_task(self._prune_forever(), name="gateway-prune")

    async def listen_for(self, host: str, path: Path) -> None:
        """Also listen on ``path`` (0600, in our runtime folder) for the hooks of remote
        ``host``, whose ``ssh -R`` forward ends there: what arrives on it comes from that host."""
        await self.stop_listening_for(host)
        ensure_runtime_dir(path.parent)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        old_umask = os.umask(0o177)
        try:
            server = await asyncio.start_unix_server(partial(self._serve, host=host), path=str(path), limit=MAX_LINE)
        finally:
            os.umask(old_umask)
        os.chmod(path, 0o600)
        self._remote_servers[host] = (server, path)

    async def stop_listening_for(self, host: str) -> None:
        entry = self._remote_servers.pop(host, None)
        if entry is None:
            return
        server, path = entry
        server.close()
        with contextlib.suppress(Exception):
            await server.wait_closed()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def sessions_of(self, host: str) -> list[str]:
        """The hook sessions that came from remote ``host``."""
        return [
            session_id
            for session_id in self._last_seen
            if self.store.has_session(session_id) and self.store.session(session_id).host == host
        ]

    async def _prune_forever(self) -> None:
        while True:
            await asyncio.sleep(PRUNE_INTERVAL)
            try:
                self.prune()
            except Exception as exc:
                self.incident("prune", f"gateway: pruning hook sessions failed: {type(exc).__name__}: {exc}")

    def prune(self, keep: int = HOOK_SESSIONS_KEPT) -> list[str]:
        """Forget hook sessions that ended a while ago or have been silent for long, and the
        oldest beyond ``keep``; never one that waits for a decision. Returns the ids forgotten."""
        now = self.store.clock.monotonic()
        candidates: list[tuple[int, float, str]] = []
        for session_id, seen in self._last_seen.items():
            if not self.store.has_session(session_id):
                candidates.append((0, seen, session_id))
                continue
            if self.store.approvals.pending(session_id):
                continue
            ended = self.store.session(session_id).state.is_final
            candidates.append((0 if ended else 1, seen, session_id))
        candidates.sort()
        removed: list[str] = []
        excess = len(self._last_seen) - keep
        for rank, seen, session_id in candidates:
            age = now - seen
            expired = age >= (ENDED_KEPT_SECONDS if rank == 0 else SILENT_KEPT_SECONDS)
            if not expired and excess <= 0:
                continue
            self._forget(session_id)
            removed.append(session_id)
            excess -= 1
        return removed

    def _forget(self, session_id: str) -> None:
        self._last_seen.pop(session_id, None)
        self._controllers.pop(session_id, None)
        self.store.remove_session(session_id)

    async def stop(self) -> None:
        for host in list(self._remote_servers):
            await self.stop_listening_for(host)
        if self._pruner is not None:
            self._pruner.cancel()
            self._pruner = None
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str | None = None) -> None:
        self._connections += 1
        try:
            if self._connections > self.max_connections:
                self.connections_refused += 1
                self.incident("limit", f"gateway: {self.max_connections} connections open at once; refusing more until some close")
                reply: dict[str, Any] = {"v": PROTOCOL_VERSION, "error": "too many connections to the dashboard"}
            else:
                reply = await self._request(reader, host)
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except Exception as exc:
            self.incident("failure", f"gateway failed to serve a hook: {type(exc).__name__}: {exc}")
        finally:
            self._connections -= 1
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _request(self, reader: asyncio.StreamReader, host: str | None = None) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(reader.readline(), self.request_timeout)
        except TimeoutError:
            self.incident("idle", f"gateway: closed a connection that sent no request within {self.request_timeout:g} s")
            return {"v": PROTOCOL_VERSION, "error": f"no request within {self.request_timeout:g} s"}
        except (ValueError, asyncio.LimitOverrunError):
            self.incident("size", f"gateway: refused a request over {MAX_LINE:,} bytes")
            return {"v": PROTOCOL_VERSION, "error": f"request larger than {MAX_LINE:,} bytes"}
        if not line.endswith(b"\n"):
            return {"v": PROTOCOL_VERSION, "error": "the request line was cut off"}
        return await self._reply(line, reader, host)

    async def _reply(self, line: bytes, reader: asyncio.StreamReader, host: str | None = None) -> dict[str, Any]:
        if _nesting(line) > MAX_NESTING:
            self.incident("nesting", "gateway: refused JSON nested too deeply")
            return {"v": PROTOCOL_VERSION, "error": f"JSON nested deeper than {MAX_NESTING} levels"}
        try:
            message = json.loads(line, parse_constant=_not_json)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {"v": PROTOCOL_VERSION, "error": "not a JSON line"}
        except ValueError as exc:
            return {"v": PROTOCOL_VERSION, "error": str(exc)}
        except RecursionError:
            return {"v": PROTOCOL_VERSION, "error": f"JSON nested deeper than {MAX_NESTING} levels"}
        if not isinstance(message, dict) or message.get("v") != PROTOCOL_VERSION:
            return {"v": PROTOCOL_VERSION, "error": f"unsupported protocol version (this gateway speaks {PROTOCOL_VERSION})"}
        hooks = AGENTS.get(str(message.get("agent")))
        event = message.get("event")
        if hooks is None:
            return {"v": PROTOCOL_VERSION, "error": f"unknown agent {message.get('agent')!r} (known: {', '.join(AGENTS)})"}
        if not isinstance(event, dict):
            return {"v": PROTOCOL_VERSION, "error": "event must be a JSON object"}
        problem = hooks.problem(event)
        if problem is not None:
            return {"v": PROTOCOL_VERSION, "error": problem}
        self.requests_served += 1
        gone = asyncio.ensure_future(reader.read(1))  # EOF: the hook went away
        try:
            stdout, exit_code = await self.handle(hooks, event, gone, host=host)
        finally:
            gone.cancel()
        return {"v": PROTOCOL_VERSION, "stdout": stdout, "exit": exit_code}

    # ----------------------------------------------------------------- events
    def _session(self, hooks: AgentHooks, event: dict[str, Any], host: str | None = None) -> tuple[str, HookSessionController] | None:
        """The hook's session (made on its first event); None when that id names a session of
        another machine: a request is only ever judged as coming from where it came from."""
        session_id = hooks.session_id(event)
        if host is not None:
            session_id = f"{session_id}@{host}"
        if self.store.has_session(session_id) and self.store.session(session_id).host != host:
            where = host or "this machine"
            self.incident("host", f"gateway: a hook from {where} used the session id of one on another machine; not taken")
            return None
        if session_id not in self._last_seen and len(self._last_seen) >= HOOK_SESSIONS_KEPT:
            self.prune(HOOK_SESSIONS_KEPT - 1)
        self._last_seen[session_id] = self.store.clock.monotonic()
        if not self.store.has_session(session_id):
            cwd = event.get("cwd")
            self.store.add_session(
                session_id,
                hooks.title(event),
                origin=Origin.HOOK,
                directory=cwd if isinstance(cwd, str) else None,
                runner_type=hooks.name,
                state=SessionState.RUNNING,
                host=host,
            )
        elif self.store.session(session_id).state is SessionState.DISCONNECTED:
            self.store.set_state(session_id, SessionState.RUNNING)  # its machine is back
        controller = self._controllers.get(session_id)
        if controller is None:
            controller = self._controllers[session_id] = HookSessionController()
            self.store.attach_controller(session_id, controller)
        return session_id, controller

    async def handle(
        self, hooks: AgentHooks, event: dict[str, Any], gone: asyncio.Future[bytes] | None = None, *, host: str | None = None
    ) -> Answer:
        """Apply one hook event to the store and work out the agent's answer."""
        kind = hooks.kind(event)
        if kind is HookKind.IGNORE or hooks.problem(event) is not None:
            return NO_DECISION
        found = self._session(hooks, event, host)
        if found is None:
            return NO_DECISION  # never judged under another machine's rules
        session_id, controller = found
        session = self.store.session(session_id)
        if controller.stopped and kind in (HookKind.APPROVAL, HookKind.PROMPT, HookKind.TOOL_DONE, HookKind.STOP):
            self._stopped(session_id, "stopped at its next step")
            return hooks.stop_agent(event, "Stopped from tether-tui")

        if kind is HookKind.SESSION_START:
            self.store.append_output(session_id, f"session {event.get('source') or 'started'} in {event.get('cwd') or '?'}")
            if session.state is not SessionState.RUNNING:
                self.store.set_state(session_id, SessionState.RUNNING)
        elif kind is HookKind.SESSION_END:
            self.store.append_output(session_id, f"session ended ({event.get('reason') or 'exit'})")
            self.store.set_state(session_id, SessionState.STOPPED, exit_code=0)
        elif kind is HookKind.PROMPT:
            prompt = hooks.prompt(event)
            if prompt:
                self.store.append_output(session_id, f"› {prompt}")
            self.store.set_state(session_id, SessionState.RUNNING)
        elif kind is HookKind.TOOL_DONE:
            tool_name, tool_input = hooks.tool(event)
            self.store.append_output(session_id, f"✓ {tool_name} {summarize(tool_name, tool_input, 160)}")
        elif kind is HookKind.NOTIFICATION:
            self.store.append_output(session_id, f"⚑ {hooks.notification(event)}")
            self.store.update_session(session_id, needs_attention=True)
        elif kind is HookKind.STOP:
            message = hooks.last_message(event)
            if message:
                self.store.append_output(session_id, message, final=True)
            feedback = controller.take_input()
            if feedback is not None and not session.state.is_final:
                self.store.input_delivered(session_id)
                self.store.set_state(session_id, SessionState.RUNNING)
                return hooks.continue_with(event, feedback)
            if not session.state.is_final:
                self.store.set_state(session_id, SessionState.IDLE)
        elif kind is HookKind.APPROVAL:
            return await self._approval(hooks, event, session_id, controller, gone)
        return NO_DECISION

    def _stopped(self, session_id: str, how: str) -> None:
        if self.store.has_session(session_id) and not self.store.session(session_id).state.is_final:
            self.store.append_output(session_id, f"■ {how}")
            self.store.set_state(session_id, SessionState.STOPPED)

    async def _approval(
        self,
        hooks: AgentHooks,
        event: dict[str, Any],
        session_id: str,
        controller: HookSessionController,
        gone: asyncio.Future[bytes] | None,
    ) -> Answer:
        tool_name, tool_input = hooks.tool(event)
        cwd = event.get("cwd")
        request = self.store.approvals.submit(
            session_id,
            tool_name,
            tool_input,
            request_id=hooks.request_id(event),
            suggestions=hooks.suggestions(event),
            cwd=cwd if isinstance(cwd, str) else None,
        )
        if request.pending:  # shown in the hook session's output, as a runner session's agent shows it
            self.store.append_output(session_id, f"● {request.tool_name} wants approval: {request.summary}")
        waiting = asyncio.ensure_future(request.wait())
        if gone is not None and request.pending:
            either: set[asyncio.Future[Any]] = {waiting, gone}
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
            if not waiting.done():
                waiting.cancel()
                if request.pending:
                    self.store.approvals.defer(request.id, by=hooks.label, via=Via.AGENT, reason="the agent stopped waiting")
                return NO_DECISION
        decision = await waiting
        if self.store.has_session(session_id):
            mark = "✓" if decision.outcome is Outcome.ALLOW else "✗" if decision.outcome is Outcome.DENY else "·"
            self.store.append_output(session_id, f"{mark} {request.tool_name} {decision.describe()}")
        if controller.stopped:
            self._stopped(session_id, "stopped while it waited for a decision")
            return hooks.stop_agent(event, "Stopped from tether-tui")
        if decision.outcome is Outcome.ALLOW:
            # Never the agent's own "always allow": a rule kept inside the agent would outlive our
            # timer, skip the never-auto-approve list and could not be revoked from here.
            return hooks.allow(event, decision.reason, None)
        if decision.outcome is Outcome.DENY:
            return hooks.deny(event, decision.reason or f"Denied by {decision.by} via {decision.via.label}")
        return hooks.defer(event)


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON (a hook sends standard JSON)")


def _nesting(line: bytes) -> int:
    """How deeply the JSON in ``line`` nests (brackets inside strings are not counted)."""
    if line.count(b"[") + line.count(b"{") <= MAX_NESTING:
        return 0  # cannot nest deeper than that: skip the scan
    depth = deepest = 0
    in_string = escaped = False
    for byte in line:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    return deepest
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest
