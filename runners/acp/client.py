"""The client side of one ACP session: agent updates to store calls, permission requests to the
approval engine (allow → allow_once, deny → reject_once; never allow_always, which we could not
revoke: "allow for N minutes" stays our own rule)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from runners.acp.profiles import AgentProfile
from runners.acp.translate import ToolCallInfo, request_of
from runners.protocol import RunnerEvents
from tether_tui.toolinput import summarize

if TYPE_CHECKING:
    from runners.acp.runner import AcpSession

LIVE_AFTER = 0.5
"""Seconds a message may be held back to arrive whole."""
STATUS_MARK = {"pending": "…", "in_progress": "▶", "completed": "✓", "failed": "✗"}


log = logging.getLogger(__name__)


def _unknown(method: str) -> Exception:
    from acp import RequestError

    return RequestError.method_not_found(method)


class AcpClient:
    def __init__(self, events: RunnerEvents, session: AcpSession, profile: AgentProfile) -> None:
        self.events = events
        self.session = session
        self.profile = profile
        self.modes: list[Any] = []
        self.show_thoughts = False
        self._calls: dict[str, ToolCallInfo] = {}
        self._message = ""
        self._message_since = 0.0
        self._message_id: str | None = None
        self._denials: list[str] = []
        self._asking: set[str] = set()
        """Tool call ids whose permission the store still waits on."""
        self.answered = False
        """The agent said something or used a tool in this turn."""
        self.replaying = False
        """The agent replays a loaded conversation: its output is in the history already."""

    @property
    def session_id(self) -> str:
        return self.session.session_id

    # ----------------------------------------------------------------- output
    async def _say(self, text: str, *, final: bool = False) -> None:
        if text.strip():
            self.answered = True
            await self.events.on_output(self.session_id, "stdout", text.rstrip("\n"), is_final=final)

    async def _flush_message(self, *, final: bool = False) -> None:
        """The agent's message so far, as one piece (so a chat shows the final one whole)."""
        text, self._message = self._message, ""
        await self._say(text, final=final)

    async def end_turn(self, stop_reason: str | None) -> None:
        await self.events.on_metadata(self.session_id, "usage", {"turns": 1}, None)
        for tool_call_id in list(self._asking):
            # the agent ended its turn without waiting for the answer: withdraw the request
            await self.events.on_permission_resolved(
                self.session_id, tool_call_id, "the agent", False, "the agent stopped waiting for an answer"
            )
        await self._flush_message(final=True)
        if stop_reason and stop_reason not in ("end_turn",):
            await self._say(f"(turn ended: {stop_reason.replace('_', ' ')})")

    def take_denial_reasons(self) -> list[str]:
        reasons, self._denials = self._denials, []
        return reasons

    async def session_update(self, session_id: str, update: Any, **kwargs: Any) -> None:
        kind = getattr(update, "session_update", None)
        if self.replaying and kind != "usage_update":
            return
        if kind == "agent_message_chunk":
            text = getattr(update.content, "text", None)
            message_id = getattr(update, "message_id", None)
            if message_id is not None and message_id != self._message_id:
                await self._flush_message()  # another message begins
                self._message_id = message_id
            if isinstance(text, str):
                now = time.monotonic()
                if not self._message:
                    self._message_since = now
                self._message += text
                # A message arrives whole (so a chat shows the final one whole), unless the agent
                # keeps writing it: then its finished lines go out every LIVE_AFTER seconds.
                if now - self._message_since >= LIVE_AFTER and "\n" in self._message:
                    head, _, self._message = self._message.rpartition("\n")
                    self._message_since = now
                    await self._say(head)
        elif kind == "agent_thought_chunk":
            if self.show_thoughts:
                text = getattr(update.content, "text", "")
                await self._say(f"💭 {text}")
        elif kind in ("tool_call", "tool_call_update"):
            await self._flush_message()
            info = self._calls.setdefault(update.tool_call_id, ToolCallInfo())
            was = getattr(info, "status", None)
            info.merge(update)
            status = getattr(update, "status", None)
            if kind == "tool_call" or (status and status != was and status in ("completed", "failed")):
                info.status = status  # type: ignore[attr-defined]
                mark = STATUS_MARK.get(status or "pending", "•")
                await self._say(f"{mark} {info.title or info.kind or 'tool'}")
        elif kind == "plan":
            entries = getattr(update, "entries", []) or []
            lines = ["Plan:"] + [
                f"  [{'x' if e.status == 'completed' else '>' if e.status == 'in_progress' else ' '}] {e.content}" for e in entries
            ]
            await self._say("\n".join(lines))
        elif kind == "usage_update":
            value = {"context_tokens": update.used, "context_size": update.size}
            cost = getattr(update, "cost", None)
            if cost is not None:
                value["cost"] = getattr(cost, "amount", None)
            await self.events.on_metadata(self.session_id, "context", value, None)

    # ----------------------------------------------------------------- permissions
    async def request_permission(self, session_id: str, tool_call: Any, options: list[Any], **kwargs: Any) -> Any:
        from acp.schema import AllowedOutcome, DeniedOutcome, RequestPermissionResponse

        await self._flush_message()
        info = self._calls.setdefault(tool_call.tool_call_id, ToolCallInfo()).merge(tool_call)
        tool_name, tool_input = request_of(info, self.profile)
        asking = asyncio.ensure_future(self.events.on_permission_request(self.session_id, tool_call.tool_call_id, tool_name, tool_input))
        stopped = asyncio.ensure_future(self.session.stopped.wait())
        self._asking.add(tool_call.tool_call_id)
        try:
            await asyncio.wait({asking, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
            self._asking.discard(tool_call.tool_call_id)
        if not asking.done():
            asking.cancel()
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        decision = asking.result()
        wanted = "allow_once" if decision.allowed else "reject_once"
        option = next((o for o in options if o.kind == wanted), None)
        if option is None:
            return RequestPermissionResponse(outcome=DeniedOutcome(outcome="cancelled"))
        if not decision.allowed and decision.reason:
            self._denials.append(f"The user refused {tool_name} `{summarize(tool_name, tool_input, 300)}`: {decision.reason}")
        return RequestPermissionResponse(outcome=AllowedOutcome(option_id=option.option_id, outcome="selected"))

    # ----------------------------------------------------------------- capabilities we do not offer
    # (none is announced in initialize; an agent that asks anyway is told the method is unknown)
    async def write_text_file(self, session_id: str, path: str, content: str, **kwargs: Any) -> Any:
        raise _unknown("fs/write_text_file")

    async def read_text_file(self, session_id: str, path: str, line: int | None = None, limit: int | None = None, **kwargs: Any) -> Any:
        raise _unknown("fs/read_text_file")

    async def create_terminal(
        self,
        session_id: str,
        command: str,
        args: list[str] | None = None,
        env: list[Any] | None = None,
        cwd: str | None = None,
        output_byte_limit: int | None = None,
        **kwargs: Any,
    ) -> Any:
        raise _unknown("terminal/create")

    async def terminal_output(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        raise _unknown("terminal/output")

    async def release_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        raise _unknown("terminal/release")

    async def wait_for_terminal_exit(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        raise _unknown("terminal/wait_for_exit")

    async def kill_terminal(self, session_id: str, terminal_id: str, **kwargs: Any) -> Any:
        raise _unknown("terminal/kill")

    async def create_elicitation(self, message: str, mode: Any, **kwargs: Any) -> Any:
        raise _unknown("elicitation/create")

    async def complete_elicitation(self, elicitation_id: str, **kwargs: Any) -> None:
        raise _unknown("elicitation/complete")

    async def ext_method(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        raise _unknown(method)

    async def ext_notification(self, method: str, params: dict[str, Any]) -> None:
        log.debug("ignored ACP notification %s", method)

    def on_connect(self, conn: Any) -> None:
        pass
