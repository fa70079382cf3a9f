"""The built-in demo agent: scripted sessions that stream output, ask for tool approvals, react
to input and to stop, and exit. It needs nothing installed, so a newcomer sees the dashboard at
work in seconds; with ``lines_per_second`` it floods output instead (for benchmarks)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from runners.demo_scripts import Ask, Say, Scenario, scenario_named
from runners.protocol import RunnerEvents

log = logging.getLogger(__name__)

STOPPED_EXIT_CODE = 130


@dataclass
class _DemoSession:
    scenario: Scenario
    inputs: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    task: asyncio.Task[None] | None = None


class DemoRunner:
    runner_type = "demo"

    def __init__(
        self,
        events: RunnerEvents,
        *,
        scenario: str | None = None,
        index: int = 0,
        speed: float = 1.0,
        lines_per_second: float = 0.0,
        flood_seconds: float | None = None,
    ) -> None:
        self.events = events
        self.scenario_name = scenario
        self.index = index
        self.speed = speed
        self.lines_per_second = lines_per_second
        self.flood_seconds = flood_seconds
        self._sessions: dict[str, _DemoSession] = {}

    @property
    def scenario(self) -> Scenario:
        return scenario_named(self.scenario_name, self.index)

    async def start(self, session_id: str, prompt: str, approval_choice: int) -> None:
        session = _DemoSession(self.scenario)  # the approval mode works through the store's rules
        self._sessions[session_id] = session
        body = self._flood(session_id) if self.lines_per_second > 0 else self._script(session_id, session, prompt)
        session.task = asyncio.create_task(self._run(session_id, body), name=f"demo {session_id}")

    async def send_input(self, session_id: str, text: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None:
            session.inputs.put_nowait(text)

    async def stop(self, session_id: str) -> int | None:
        session = self._sessions.pop(session_id, None)
        if session is None or session.task is None:
            return None
        session.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await session.task
        return STOPPED_EXIT_CODE

    def update_permission_mode(self, session_id: str, approval_choice: int) -> None:
        """Nothing to change here: every step is asked of tether-tui, whose rules are the mode."""

    # ----------------------------------------------------------------- behaviour
    async def _run(self, session_id: str, body: Coroutine[Any, Any, int]) -> None:
        try:
            exit_code = await body
        except asyncio.CancelledError:
            await self.events.on_output(session_id, "stdout", "Interrupted. Stopping.")
            await self.events.on_exit(session_id, STOPPED_EXIT_CODE)
            raise
        except Exception as exc:  # a bug in a script must show, not vanish
            log.exception("demo session %s failed", session_id)
            await self.events.on_error(session_id, "demo_failed", str(exc))
            return
        self._sessions.pop(session_id, None)
        await self.events.on_exit(session_id, exit_code)

    async def _pause(self, seconds: float) -> None:
        if self.speed > 0:
            await asyncio.sleep(seconds / self.speed)

    async def _script(self, session_id: str, session: _DemoSession, prompt: str) -> int:
        scenario = session.scenario
        await self.events.on_header(session_id, title=scenario.title, model="demo-model", provider="demo")
        await self.events.on_output(session_id, "stdout", f"› {prompt or scenario.prompt}")
        await self._play(session_id, session, scenario.steps)
        while True:
            await self.events.on_awaiting_input(session_id)
            text = (await session.inputs.get()).strip()
            if text.lower() in ("exit", "quit", "/exit"):
                await self.events.on_output(session_id, "stdout", "Bye.", is_final=True)
                return 0
            await self._pause(0.3)
            await self.events.on_output(session_id, "stdout", f"Looking into: {text}")
            await self._play(session_id, session, scenario.follow_up)

    async def _play(self, session_id: str, session: _DemoSession, steps: tuple[Say | Ask, ...]) -> None:
        for step in steps:
            await self._pause(step.pause)
            if isinstance(step, Say):
                await self.events.on_output(session_id, "stdout", step.text, is_final=step.final)
                await self.events.on_metadata(
                    session_id,
                    "usage",
                    {
                        "input_tokens": 1800 + 40 * len(step.text),
                        "output_tokens": 12 * len(step.text.split()),
                        "cost_usd": 0.004,
                        "turns": int(step.final),
                    },
                    None,
                )
                continue
            allowed, reason = await self._ask(session_id, session, step)
            if allowed:
                for line in step.allowed_output:
                    await self._pause(0.15)
                    await self.events.on_output(session_id, "stdout", line)
            else:
                because = f" ({reason})" if reason else ""
                await self.events.on_output(session_id, "stdout", f"Permission denied for {step.tool_name}{because}. Skipping that step.")

    async def _ask(self, session_id: str, session: _DemoSession, step: Ask) -> tuple[bool, str | None]:
        """Every step is asked of tether-tui, as a real agent's are: the approval mode works
        through rules (made when the session started), so what it lets through is shown,
        audited and revocable, and the never-auto-approve list still asks."""
        request_id = f"req_{secrets.token_hex(5)}"
        asking = asyncio.ensure_future(self.events.on_permission_request(session_id, request_id, step.tool_name, dict(step.tool_input)))
        for _ in range(3):  # a rule decides at once; a person does not
            await asyncio.sleep(0)
        if not asking.done():
            await self.events.on_output(session_id, "stdout", f"● {step.tool_name} wants approval")
        decision = await asking
        if str(getattr(decision, "via", "")) == "auto-approve":
            await self.events.on_output(
                session_id, "stdout", f"✓ {step.tool_name} auto-approved by a rule (listed under Auto-approve timers)"
            )
        allowed = bool(getattr(decision, "allowed", decision))
        return allowed, getattr(decision, "reason", None)

    async def _flood(self, session_id: str) -> int:
        """Write numbered lines at ``lines_per_second`` until stopped or ``flood_seconds`` pass."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        tick = 0.05
        per_tick = self.lines_per_second * tick
        owed = 0.0
        counter = itertools.count()
        while self.flood_seconds is None or loop.time() - started < self.flood_seconds:
            owed += per_tick
            burst = int(owed)
            owed -= burst
            if burst:
                text = "\n".join(f"{session_id} line {next(counter)} " + "·" * 40 for _ in range(burst))
                await self.events.on_output(session_id, "stdout", text)
            elapsed = loop.time() - started
            await asyncio.sleep(max(0.0, tick * (int(elapsed / tick) + 1) - elapsed))
        return 0
