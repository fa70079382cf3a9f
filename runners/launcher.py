"""Starts runner sessions into the store and wires the store's controls back to the runner."""

from __future__ import annotations

import os
import secrets
from typing import Any

from runners.demo import DemoRunner
from runners.protocol import Runner, RunnerUnavailableError
from runners.registry import RunnerRegistry, default_registry
from tether_tui.approvals import MAX_RULE_MINUTES
from tether_tui.config import RemoteSettings
from tether_tui.events import Notice
from tether_tui.models import Origin, RuleScope, Via
from tether_tui.remotes import remote_folder
from tether_tui.store import SessionStore

MODE_RULE_MINUTES = MAX_RULE_MINUTES
"""How long the rules of approval modes 1 and 2 last (revocable like any timer)."""


def absolute_folder(directory: str) -> str:
    """``~`` expanded, made absolute (against the current folder)."""
    return os.path.abspath(os.path.expanduser(directory))


def existing_folder(directory: str) -> str:
    """:func:`absolute_folder`, refused (RunnerUnavailableError) when empty or not a folder."""
    if not directory.strip():
        raise RunnerUnavailableError("no folder given: name the folder the agent works in")
    folder = absolute_folder(directory)
    if not os.path.isdir(folder):
        raise RunnerUnavailableError(f"{folder} is not a folder")
    return folder


class _RunnerController:
    def __init__(self, runner: Runner, session_id: str) -> None:
        self.runner = runner
        self.session_id = session_id

    @property
    def delivers_later(self) -> bool:
        """Input sent during a turn waits for the turn's end (for runners that can tell)."""
        is_busy = getattr(self.runner, "is_busy", None)
        return bool(is_busy is not None and is_busy(self.session_id))

    async def send_input(self, session_id: str, text: str) -> None:
        await self.runner.send_input(session_id, text)

    async def stop(self, session_id: str) -> int | None:
        return await self.runner.stop(session_id)


class SessionLauncher:
    def __init__(self, store: SessionStore, registry: RunnerRegistry | None = None) -> None:
        self.store = store
        self.registry = registry or default_registry()
        self._runners: dict[str, Runner] = {}

    async def start(
        self,
        runner_name: str,
        prompt: str,
        *,
        title: str | None = None,
        directory: str | None = None,
        approval_choice: int = 0,
        session_id: str | None = None,
        host: str | None = None,
        **config: Any,
    ) -> str:
        """Create the session in the store, then start the runner on it. Returns the session id.
        ``host``: a remote (``[remotes.NAME]``) to run the agent on, through ssh; ``directory``
        is then a folder there."""
        if host:
            remote = config["remote"] = self.remote(host)
            if not self.registry.runs_in_folder(runner_name):
                raise RunnerUnavailableError(f"{runner_name} runs on this machine only: agents on {host} are ACP agents")
            try:
                directory = await remote_folder(remote, directory or "~")
            except ValueError as exc:
                raise RunnerUnavailableError(str(exc)) from None
        elif directory is not None:
            directory = existing_folder(directory)
        if self.registry.runs_in_folder(runner_name):
            config.setdefault("directory", directory)
        runner = self.registry.create(runner_name, self.store, **config)
        session_id = session_id or f"{runner_name}-{secrets.token_hex(3)}"
        if directory is None and isinstance(runner, DemoRunner):
            directory = runner.scenario.directory
        title = title or f"{runner_name} · {os.path.basename(directory or '') or prompt[:30]}"
        self.store.add_session(
            session_id,
            title,
            origin=Origin.RUNNER,
            directory=directory,
            runner_type=runner.runner_type,
            host=host,
        )
        self.store.attach_controller(session_id, _RunnerController(runner, session_id))
        self._runners[session_id] = runner
        self.store.session(session_id).metadata["approval_choice"] = approval_choice
        self._approval_mode(session_id, directory, approval_choice, host)
        try:
            await runner.start(session_id, prompt, approval_choice)
        except RunnerUnavailableError as exc:
            await self.store.on_error(session_id, "unavailable", str(exc))
            raise
        return session_id

    def why_not_resumable(self, session_id: str) -> str | None:
        """Why this session cannot be resumed, in words; None when it can."""
        session = self.store.session(session_id)
        if not session.state.is_final:
            return f"{session.title} is running"
        if session.origin is not Origin.RUNNER or not session.runner_type or not self.registry.runs_in_folder(session.runner_type):
            return f"{session.title} was not started here by an agent that keeps its conversations"
        if not session.metadata.get("agent_session_id"):
            return f"{session.title} ended before its agent opened a conversation"
        if not self.registry.has(session.runner_type):
            return f"no agent named {session.runner_type} in the config any more"
        return None

    async def resume(self, session_id: str, prompt: str = "") -> None:
        """Start an ended session's agent again, in the same folder (on the same machine), and
        have it load its conversation: same session id, so the same output history, chat
        thread and rules. RunnerUnavailableError (in words) when it cannot be resumed."""
        why = self.why_not_resumable(session_id)
        if why is not None:
            raise RunnerUnavailableError(why)
        session = self.store.session(session_id)
        config: dict[str, Any] = {"directory": session.directory, "resume": session.metadata["agent_session_id"]}
        if session.host:
            config["remote"] = self.remote(session.host)
        assert session.runner_type is not None
        runner = self.registry.create(session.runner_type, self.store, **config)
        self.store.reopen(session_id)
        self.store.append_output(session_id, "── resumed ──")
        self.store.attach_controller(session_id, _RunnerController(runner, session_id))
        self._runners[session_id] = runner
        try:
            await runner.start(session_id, prompt, int(session.metadata.get("approval_choice", 0)))
        except RunnerUnavailableError as exc:
            await self.store.on_error(session_id, "cannot resume", str(exc))
            raise

    def kill_all(self) -> None:
        """End at once the processes of every agent started here that can be ended so (the
        runtime stops and they did not stop in time)."""
        for session_id, runner in self._runners.items():
            kill = getattr(runner, "kill", None)
            if kill is not None:
                kill(session_id)

    def remote(self, name: str) -> RemoteSettings:
        """The enabled ``[remotes.NAME]`` called ``name``; RunnerUnavailableError otherwise."""
        for remote in self.store.config.remotes:
            if remote.name == name and remote.enabled:
                return remote
        known = ", ".join(r.name for r in self.store.config.remotes if r.enabled) or "none"
        raise RunnerUnavailableError(f"no remote named {name} in the config (known: {known})")

    def _approval_mode(self, session_id: str, directory: str | None, approval_choice: int, host: str | None = None) -> None:
        """Approval choice 1 and 2 as our own rules (audited, revocable, and never past the
        never-auto-approve list), whatever modes the agent offers: 1 allows edits inside the
        session's folder, 2 everything in the session (shown as a warning)."""
        approvals = self.store.approvals
        by = f"approval mode {approval_choice}"
        if approval_choice == 1 and directory:
            for tool in ("Edit", "Write", "MultiEdit"):
                approvals.add_rule(
                    RuleScope.DIRECTORY,
                    MODE_RULE_MINUTES,
                    by=by,
                    via=Via.SYSTEM,
                    session_id=session_id,
                    tool_name=tool,
                    directory=directory,
                    host=host,
                )
        elif approval_choice == 2:
            approvals.add_rule(RuleScope.SESSION, MODE_RULE_MINUTES, by=by, via=Via.SYSTEM, session_id=session_id)
            title = self.store.session(session_id).title
            self.store.update_session(session_id, needs_attention=True)
            self.store.bus.publish(
                Notice(
                    f"{title} runs with approvals bypassed: everything but the never-auto-approve list is allowed",
                    level="warning",
                    session_id=session_id,
                )
            )

    async def start_demo(self, index: int, *, prompt: str | None = None, approval_choice: int = 0, **config: Any) -> str:
        """Start built-in demo scenario ``index`` (they repeat past the last one)."""
        from runners.demo_scripts import scenario_named

        scenario = scenario_named(None, index)
        return await self.start(
            "demo", prompt or scenario.prompt, title=scenario.title, approval_choice=approval_choice, index=index, **config
        )
