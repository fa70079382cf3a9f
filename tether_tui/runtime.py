"""The runtime: everything tether-tui runs, with a screen (the dashboard) or without (``serve``).

It owns the store's background work and every connection out of the process: the approval
sweeper, the hook gateway, the remote machines, the chat bridges, the agents it starts, the
config watcher (and what a reload changes) and the signals that end it. The Textual app is one
view over it; ``tether-tui serve`` runs it alone.

``start()`` and ``stop()`` run the steps below in order; ``stop()`` runs each step once, whatever
failed before it, and within :data:`STOP_BUDGET` seconds as a whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tether_tui.commands import CommandDef
from tether_tui.config import Config, ConfigWatcher
from tether_tui.events import ConfigReloaded, Notice
from tether_tui.models import Origin, Via
from tether_tui.state import RESUMES, STOPPED_REASON
from tether_tui.store import SessionError, SessionStore

if TYPE_CHECKING:
    from bridges.supervisor import BridgeSupervisor
    from runners.launcher import SessionLauncher
    from tether_tui.commands import CommandRegistry
    from tether_tui.gateway import Gateway
    from tether_tui.remotes import RemoteSupervisor
    from tether_tui.state import StateFile

log = logging.getLogger(__name__)

STOP_BUDGET = 2.5
"""Seconds ``stop()`` may take in all: agents, chat messages still to edit, links, the gateway."""
AGENTS_BUDGET = 1.2
"""Of which, seconds the agents get to stop before the rest goes on without waiting for them."""
CHAT_BUDGET = 1.8
"""Meanwhile, seconds the chats get to show what became of the requests that were waiting
(a chat takes one message a second or so)."""
ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


class Runtime:
    def __init__(
        self,
        store: SessionStore,
        *,
        launcher: SessionLauncher | None = None,
        commands: CommandRegistry | None = None,
        gateway: Gateway | None = None,
        bridges: BridgeSupervisor | None = None,
        remotes: RemoteSupervisor | None = None,
        state: StateFile | None = None,
        config_path: Path | None = None,
        demo_sessions: int = 0,
        demo_speed: float = 1.0,
        run_engine: bool = True,
    ) -> None:
        """``remotes`` needs ``gateway`` (hooks on remote machines arrive through it).
        ``state``: where sessions and their output outlive the process (none: nowhere)."""
        from runners.launcher import SessionLauncher
        from tether_tui.commands import CommandRegistry

        self.store = store
        self.launcher = launcher or SessionLauncher(store)
        self.commands = commands or CommandRegistry(store)
        self.gateway = gateway
        self.gateway_error: str | None = None
        self.bridges = bridges
        self.remotes = remotes
        self.state = state
        self.config_path = config_path
        self.demo_sessions = demo_sessions
        self.demo_speed = demo_speed
        self.run_engine = run_engine
        self.commands.register("resume", CommandDef("Resume this ended session: its agent loads the conversation", self._resume_command))
        self.watcher: ConfigWatcher | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._signals: list[int] = []
        self._started = False
        self._stopped: asyncio.Event | None = None

    # ----------------------------------------------------------------- start
    async def start(self) -> None:
        """Start everything, in this order: the sessions the last run left (state), the approval
        sweeper, config reload handling, the config watcher, the gateway (then the remotes
        that need it), the chat bridges, the demo sessions."""
        if self._started:
            return
        self._started = True
        self._stopped = asyncio.Event()
        if self.state is not None:
            self._restore(self.state)
        if self.run_engine:
            self.spawn(self.store.approvals.run(), "approval engine")
        self.spawn(self._follow_reloads(), "config reloads")
        if self.config_path is not None:
            self.watcher = ConfigWatcher(self.config_path, self.store.apply_config, self.store.config_failed)
            self.spawn(self.watcher.run(), "config watcher")
        if self.gateway is not None:
            await self._start_gateway()
        if self.bridges is not None:
            self.spawn(self.bridges.apply(self.store.config), "bridges")
        if self.demo_sessions:
            self.spawn(self._start_demos(), "demo sessions")

    def _restore(self, state: StateFile) -> None:
        if state.set_aside is not None:
            self.store.bus.publish(
                Notice(f"The saved sessions could not be read: moved to {state.set_aside}; starting with none", level="warning")
            )
        restored = state.restore(self.store)
        state.watch(self.store)
        self.spawn(state.follow(), "state")
        resumable = [sid for sid in restored if self.launcher.why_not_resumable(sid) is None]
        if resumable:
            count = len(resumable)
            self.store.bus.publish(
                Notice(f"{count} session{'s' if count != 1 else ''} from the last run can be resumed: select one and press r")
            )
        if state.withdrawn:
            self.store.bus.publish(
                Notice(
                    f"{state.withdrawn} request{'s were' if state.withdrawn != 1 else ' was'} still waiting when the last run ended:"
                    " withdrawn (see the audit log)",
                    level="warning",
                )
            )

    async def _start_demos(self) -> None:
        """One after the other: the demo sessions are listed in the same order every time."""
        for index in range(self.demo_sessions):
            await self.launcher.start_demo(index, speed=self.demo_speed)

    def spawn(self, work: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        """Run ``work`` for as long as the runtime runs (cancelled by ``stop()``); a failure is
        logged, never lost."""
        task = asyncio.create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s failed", task.get_name(), exc_info=task.exception())

    async def _start_gateway(self) -> None:
        assert self.gateway is not None
        try:
            await self.gateway.start()
        except (OSError, RuntimeError) as exc:
            self.gateway = None
            self.gateway_error = str(exc)
            self.store.bus.publish(Notice(f"Agent hooks cannot reach this dashboard: {exc}", level="error"))
            return
        if self.remotes is not None:
            self.spawn(self.remotes.apply(self.store.config), "remotes")

    async def _follow_reloads(self) -> None:
        subscription = self.store.bus.subscribe("runtime", output_line_cap=1)
        try:
            async for batch in subscription:
                for event in batch:
                    if isinstance(event, ConfigReloaded):
                        self._reloaded(event.config)
        finally:
            subscription.close()

    def _reloaded(self, config: Config) -> None:
        """What a config edit changes besides the store: agent profiles, bridges, remotes."""
        from runners.acp.profiles import profiles_from_config

        for profile in profiles_from_config(config.agents).values():
            self.launcher.registry.register_profile(profile)
        if self.bridges is not None:
            self.spawn(self.bridges.apply(config), "bridges")
        if self.remotes is not None and self.gateway is not None:
            self.spawn(self.remotes.apply(config), "remotes")

    # ----------------------------------------------------------------- signals
    def catch_signals(self, on_signal: Callable[[int], None], signals: tuple[int, ...] = ENDING_SIGNALS) -> None:
        """Call ``on_signal`` (in the event loop) on these signals instead of dying at once:
        SIGHUP (the terminal closed), SIGTERM (a service manager, kill) and SIGINT."""
        loop = asyncio.get_running_loop()
        for signum in signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(signum, on_signal, signum)
                self._signals.append(signum)

    def release_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in self._signals:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)
        self._signals.clear()

    # ----------------------------------------------------------------- agents
    def running_agents(self) -> list[str]:
        """Sessions of real agents this runtime started that have not ended."""
        return [
            s.id
            for s in self.store.sessions()
            if s.origin is Origin.RUNNER and not s.state.is_final and s.runner_type not in (None, "demo") and self.store.accepts_input(s.id)
        ]

    async def stop_session(self, session_id: str, *, by: str, via: Via) -> str | None:
        """Stop one session; what went wrong, in words, or None."""
        try:
            await self.store.stop_session(session_id, by=by, via=via)
        except SessionError as exc:
            return str(exc)
        return None

    async def stop_agents(self) -> None:
        """Every agent this runtime started is stopped; their sessions stay resumable."""
        running = [s.id for s in self.store.sessions() if self.store.accepts_input(s.id) and s.origin is Origin.RUNNER]
        for session_id in running:
            session = self.store.session(session_id)
            session.metadata["ended"] = STOPPED_REASON
            self.store.append_output(session_id, f"── {STOPPED_REASON}{RESUMES if session.metadata.get('agent_session_id') else ''} ──")
        stops = [asyncio.ensure_future(self.stop_session(sid, by="tether-tui", via=Via.SYSTEM)) for sid in running]
        if not stops:
            return
        _done, late = await asyncio.wait(stops, timeout=AGENTS_BUDGET)
        if late:
            log.warning("%d agents did not stop within %.1f s: ending their process groups", len(late), AGENTS_BUDGET)
            self.launcher.kill_all()
            await asyncio.wait(late, timeout=0.3)

    async def _resume_command(self, session_id: str | None, prompt: str) -> str:
        """``resume`` from chat, in the session's thread: what became of it, in words."""
        from runners.protocol import RunnerUnavailableError

        if session_id is None or not self.store.has_session(session_id):
            return "Write resume in the thread of the session to resume."
        title = self.store.session(session_id).title
        try:
            await self.launcher.resume(session_id, prompt.strip())
        except RunnerUnavailableError as exc:
            return f"Cannot resume {title}: {exc}. Start a new session in its folder with new."
        return f"Resumed {title}: its agent loaded the conversation" + (" and has the prompt." if prompt.strip() else ".")

    # ----------------------------------------------------------------- stop
    async def stop(self) -> None:
        """Stop everything, in this order: waiting requests left to their agents (on every
        surface and in the audit log), the agents (kept resumable) while the chats edit the
        messages of those requests, the chat bridges, the remotes, the gateway, the watcher, the
        rest. Each step runs whatever the one before it did; the whole within STOP_BUDGET."""
        if not self._started or self._stopped is None or self._stopped.is_set():
            return
        self._stopped.set()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_BUDGET

        def left() -> float:
            return max(0.05, deadline - loop.time())

        released = self.store.approvals.release_all()
        # at once: the agents stop while the chats are told what became of their requests
        draining = self.bridges.drain(CHAT_BUDGET) if self.bridges is not None else asyncio.sleep(0)
        await _step("agents and chats", asyncio.gather(self.stop_agents(), draining), left())
        if released and self.gateway is not None:
            await asyncio.sleep(0.05)  # hooks waiting on them get their answer before the socket closes
        if self.bridges is not None:
            await _step("bridges", self.bridges.stop_all(), left())
        if self.remotes is not None:
            await _step("remotes", self.remotes.stop_all(), left())
        if self.gateway is not None:
            await _step("gateway", self.gateway.stop(), left())
        if self.watcher is not None:
            self.watcher.stop()
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=left())
        if self.state is not None:
            self.state.close()


async def _step(name: str, work: Awaitable[Any], budget: float) -> None:
    try:
        await asyncio.wait_for(work, budget)
    except TimeoutError:
        log.warning("stopping the %s took longer than %.1f s: went on without waiting", name, budget)
    except Exception:
        log.exception("stopping the %s failed", name)
