"""The ACP runner: starts an agent that speaks the Agent Client Protocol (Claude Code through
claude-agent-acp, Codex through codex-acp, Gemini CLI with --acp, or any profile from the
config) and translates, nothing more: ACP updates become store calls, store actions become ACP
calls. The `agent-client-protocol` package does the JSON-RPC.

No fs/* or terminal/* client capabilities are offered: the agent does its own I/O.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from runners.acp.client import AcpClient
from runners.acp.profiles import AgentProfile, user_environment
from runners.protocol import RunnerEvents, RunnerUnavailableError
from tether_tui.config import RemoteSettings
from tether_tui.remotes import remote_agent_argv, remote_folder

log = logging.getLogger(__name__)

STDERR_KEPT = 20
"""Last stderr lines kept, shown when the agent crashes."""
UNANSWERED_LINES = 10
"""Stderr lines shown when a turn ends without an answer."""
STREAM_LIMIT = 50 * 1024 * 1024
START_TIMEOUT = 60.0
STOP_GRACE = 3.0


@dataclass
class AcpSession:
    session_id: str
    directory: str
    approval_choice: int
    process: asyncio.subprocess.Process | None = None
    conn: Any = None
    acp_session_id: str | None = None
    inputs: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    busy: bool = False
    stopping: bool = False
    stopped: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when a stop was asked for: pending permissions are answered "cancelled"."""
    stderr_tail: deque[str] = field(default_factory=lambda: deque(maxlen=STDERR_KEPT))
    stderr_bytes: int = 0
    stderr_lines: int = 0
    """Lines the agent has written to stderr so far (the last ones are in ``stderr_tail``)."""
    tasks: list[asyncio.Task[Any]] = field(default_factory=list)
    exit_code: int | None = None
    resume: str | None = None
    """The agent's own id of the conversation to load, instead of a new one."""
    opened: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())
    """Done once the conversation is open (new or loaded); its exception says why it is not."""


def _existing_folder(directory: str) -> str:
    folder = os.path.abspath(os.path.expanduser(directory))
    if not os.path.isdir(folder):
        raise RunnerUnavailableError(f"{folder} is not a folder")
    return folder


class AcpRunner:
    runner_type = "acp"

    def __init__(
        self,
        events: RunnerEvents,
        *,
        profile: AgentProfile,
        directory: str | None = None,
        remote: RemoteSettings | None = None,
        resume: str | None = None,
    ) -> None:
        """``remote``: run the agent on that machine through ssh (``directory`` is a folder there).
        ``resume``: the agent's id of a conversation to carry on (ACP session/resume or
        session/load, whichever the agent offers) instead of starting a new one."""
        self.events = events
        self.profile = profile
        self.directory = directory
        self.remote = remote
        self.resume = resume
        self.runner_type = profile.name
        self._sessions: dict[str, AcpSession] = {}
        self._background: set[asyncio.Future[None]] = set()
        """Mode changes under way (kept so that they are not collected half done)."""

    # ----------------------------------------------------------------- Runner
    async def start(self, session_id: str, prompt: str, approval_choice: int) -> None:
        """Start the agent process, open an ACP session in the folder and send the first
        prompt (none: wait for input). Raises RunnerUnavailableError when the agent cannot be
        started, or, resuming, when it cannot carry on the conversation (it says why)."""
        if self.remote is not None:
            try:
                directory = await remote_folder(self.remote, self.directory or "~")
            except ValueError as exc:
                raise RunnerUnavailableError(f"{self.profile.label}: {exc}") from None
            command = remote_agent_argv(self.remote, directory, self.profile.command, self.profile.env)
            cwd, env = None, user_environment()  # ssh itself needs this machine's agent socket and config
        else:
            command = self.profile.resolve()
            directory = _existing_folder(self.directory or os.getcwd())
            cwd, env = directory, self.profile.environment()
        session = AcpSession(session_id, directory, approval_choice, resume=self.resume)
        self._sessions[session_id] = session
        try:
            session.process = await asyncio.create_subprocess_exec(
                *command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=cwd,
                env=env,
                start_new_session=True,  # its own process group, ended as a whole on stop
                limit=STREAM_LIMIT,
            )
        except OSError as exc:
            self._sessions.pop(session_id, None)
            raise RunnerUnavailableError(f"{self.profile.label}: cannot start {command[0]}: {exc}") from exc
        session.tasks.append(asyncio.create_task(self._drain_stderr(session), name=f"stderr {session_id}"))
        session.tasks.append(asyncio.create_task(self._run(session, prompt), name=f"acp {session_id}"))
        if session.resume is not None:
            await asyncio.shield(session.opened)

    async def send_input(self, session_id: str, text: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None and not session.stopping:
            session.inputs.put_nowait(text)

    def is_busy(self, session_id: str) -> bool:
        """A turn is running: input waits for it to end (shown as queued)."""
        session = self._sessions.get(session_id)
        return session is not None and (session.busy or session.acp_session_id is None)

    async def stop(self, session_id: str) -> int | None:
        session = self._sessions.get(session_id)
        if session is None:
            return None
        session.stopping = True
        session.stopped.set()
        client_conn = session.conn
        if client_conn is not None and session.acp_session_id is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client_conn.cancel(session_id=session.acp_session_id), 2)
        await self._end_process(session)
        return session.exit_code

    def kill(self, session_id: str) -> None:
        """End the agent's whole process group now (SIGKILL): the runtime is stopping and the
        agent did not stop in time. Its conversation stays as far as the agent saved it."""
        session = self._sessions.get(session_id)
        if session is not None and session.process is not None and session.process.returncode is None:
            session.stopping = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(session.process.pid, signal.SIGKILL)

    def update_permission_mode(self, session_id: str, approval_choice: int) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.approval_choice = approval_choice
            if session.conn is not None and session.acp_session_id:
                task = asyncio.ensure_future(self._apply_mode(session))
                self._background.add(task)
                task.add_done_callback(self._background.discard)

    # ----------------------------------------------------------------- the session
    async def _run(self, session: AcpSession, prompt: str) -> None:
        import acp

        assert session.process is not None and session.process.stdin and session.process.stdout
        client = AcpClient(self.events, session, self.profile)
        session.conn = acp.connect_to_agent(client, session.process.stdin, session.process.stdout)
        try:
            from acp.schema import ClientCapabilities, FileSystemCapabilities, Implementation

            initialized = await asyncio.wait_for(
                session.conn.initialize(
                    protocol_version=acp.PROTOCOL_VERSION,
                    client_capabilities=ClientCapabilities(fs=FileSystemCapabilities(), terminal=False),
                    client_info=Implementation(name="tether-tui", version="0.1.0"),
                ),
                START_TIMEOUT,
            )
            opened = await self._open(session, client, getattr(initialized, "agent_capabilities", None))
            session.acp_session_id = getattr(opened, "session_id", None) or session.resume
            if not session.opened.done():
                session.opened.set_result(None)
            await self.events.on_metadata(session.session_id, "agent_session_id", session.acp_session_id, None)
            client.modes = getattr(getattr(opened, "modes", None), "available_modes", None) or []
            await self._apply_mode(session)
            await self.events.on_header(
                session.session_id, title=f"{self.profile.name} · {os.path.basename(session.directory)}", provider=self.profile.label
            )
            text: str | None = prompt or None
            if text is not None:
                await self.events.on_output(session.session_id, "stdout", f"› {text}", is_final=False)
            while not session.stopping:
                if text is not None:
                    await self._turn(session, client, text)
                    if session.stopping:
                        break
                    reasons = client.take_denial_reasons()
                    if reasons and session.inputs.empty():
                        text = "\n".join(reasons)  # a reason given with a denial is the agent's next prompt
                        await self.events.on_output(session.session_id, "stdout", f"› {text}", is_final=False)
                        continue
                    for reason in reasons:
                        session.inputs.put_nowait(reason)
                if session.inputs.empty():
                    await self.events.on_awaiting_input(session.session_id)
                text = await session.inputs.get()
                while not session.inputs.empty():
                    text += "\n\n" + session.inputs.get_nowait()
                await self.events.on_metadata(session.session_id, "input_delivered", True, None)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if not session.opened.done():
                session.opened.set_exception(RunnerUnavailableError(self._why_not_opened(session, exc)))
            if not session.stopping:
                await self._failed(session, exc)
        finally:
            if not session.opened.done():
                session.opened.set_exception(RunnerUnavailableError(f"{self.profile.label} stopped before the conversation opened"))
            if not session.stopping:
                await self._end_process(session)

    async def _open(self, session: AcpSession, client: AcpClient, capabilities: Any) -> Any:
        """A new conversation, or the one to resume: by session/resume when the agent offers it
        (nothing replayed), else by session/load (its replay is not shown again: the history
        has it)."""
        conn = session.conn
        if session.resume is None:
            return await asyncio.wait_for(conn.new_session(cwd=session.directory, mcp_servers=[]), START_TIMEOUT)
        offers_resume = getattr(getattr(capabilities, "session_capabilities", None), "resume", None) is not None
        if offers_resume:
            return await asyncio.wait_for(
                conn.resume_session(session_id=session.resume, cwd=session.directory, mcp_servers=[]), START_TIMEOUT
            )
        if getattr(capabilities, "load_session", False):
            client.replaying = True
            try:
                return await asyncio.wait_for(
                    conn.load_session(cwd=session.directory, session_id=session.resume, mcp_servers=[]), START_TIMEOUT
                )
            finally:
                client.replaying = False
        raise RunnerUnavailableError(
            f"{self.profile.label} cannot carry on a conversation: it offers neither session/load nor session/resume"
        )

    def _why_not_opened(self, session: AcpSession, exc: BaseException) -> str:
        """Why the conversation did not open, in the agent's own words where it gave any."""
        if isinstance(exc, RunnerUnavailableError):
            return str(exc)
        reason = str(exc) or type(exc).__name__
        data = getattr(exc, "data", None)
        if isinstance(data, dict):
            detail = data.get("details") or data.get("message")
            reason += f" ({detail})" if detail else f" ({json.dumps(data)[:300]})"
        elif data:
            reason += f" ({str(data)[:300]})"
        doing = "load its conversation" if session.resume else "open a conversation"
        tail = f"; it said: {session.stderr_tail[-1]}" if session.stderr_tail else ""
        return f"{self.profile.label} could not {doing}: {reason}{tail}"

    async def _turn(self, session: AcpSession, client: AcpClient, text: str) -> None:
        from acp import text_block

        session.busy = True
        client.answered = False
        errors_before = session.stderr_lines
        try:
            prompt = [text_block(text)]
            response = await session.conn.prompt(session_id=session.acp_session_id, prompt=prompt)
            await client.end_turn(getattr(response, "stop_reason", None))
            if not client.answered:
                await self._unanswered(session, errors_before)
        finally:
            session.busy = False

    async def _unanswered(self, session: AcpSession, errors_before: int) -> None:
        """A turn that ended without a word: show what the agent wrote to stderr meanwhile (a
        missing key, a refused login…), so the user sees why; the whole of it stays in the log."""
        await asyncio.sleep(0.1)  # lines written just before the answer may still be in the pipe
        new = min(session.stderr_lines - errors_before, len(session.stderr_tail))
        lines = list(session.stderr_tail)[-new:] if new > 0 else []
        for line in lines[-UNANSWERED_LINES:]:
            await self.events.on_output(session.session_id, "stderr", line, is_final=False)
        await self.events.on_output(session.session_id, "stdout", "(the turn ended without an answer)", is_final=True)

    async def _apply_mode(self, session: AcpSession) -> None:
        mode = self.profile.modes[session.approval_choice] if 0 <= session.approval_choice < 3 else None
        if mode and session.conn is not None and session.acp_session_id:
            with contextlib.suppress(Exception):
                await session.conn.set_session_mode(session_id=session.acp_session_id, mode_id=mode)

    async def _failed(self, session: AcpSession, exc: BaseException) -> None:
        code = await self._wait_exit(session, 1.0)
        tail = "\n".join(session.stderr_tail)
        if code is not None:
            message = f"{self.profile.label} exited with code {code}"
        else:
            message = f"{self.profile.label}: {type(exc).__name__}: {exc}"
        if tail:
            message += f"\n{tail}"
        await self.events.on_error(session.session_id, "agent", message)

    async def _drain_stderr(self, session: AcpSession) -> None:
        """Read the agent's stderr all the time (a chatty agent must never stall on a full
        pipe); keep the last lines for when it crashes."""
        assert session.process is not None and session.process.stderr is not None
        stream = session.process.stderr
        logged = 0
        while True:
            try:
                line = await stream.readline()
            except (ValueError, asyncio.LimitOverrunError):
                line = await stream.read(65536)
            if not line:
                return
            session.stderr_bytes += len(line)
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                session.stderr_lines += 1
                session.stderr_tail.append(text[:500])
                if logged < 200:
                    logged += 1
                    log.debug("%s stderr: %s", self.profile.name, text[:500])

    async def _wait_exit(self, session: AcpSession, timeout: float) -> int | None:
        if session.process is None:
            return None
        try:
            session.exit_code = await asyncio.wait_for(session.process.wait(), timeout)
        except TimeoutError:
            return None
        return session.exit_code

    async def _end_process(self, session: AcpSession) -> None:
        """Close stdin, give the agent a moment, then end its whole process group."""
        process = session.process
        if process is None:
            return
        if process.returncode is None:
            with contextlib.suppress(Exception):
                assert process.stdin is not None
                process.stdin.close()
            if await self._wait_exit(session, STOP_GRACE) is None:
                for sig in (signal.SIGTERM, signal.SIGKILL):
                    with contextlib.suppress(ProcessLookupError, PermissionError):
                        os.killpg(process.pid, sig)
                    if await self._wait_exit(session, 2.0) is not None:
                        break
        session.exit_code = process.returncode
        if session.conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(session.conn.close(), 2)
        current = asyncio.current_task()
        for task in session.tasks:
            if task is not current and not task.done():
                task.cancel()
        self._sessions.pop(session.session_id, None)
        await self.events.on_exit(session.session_id, None if session.stopping else session.exit_code)
