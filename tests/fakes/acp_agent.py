"""A scripted ACP agent, written with the agent side of the `agent-client-protocol` package, for
tests and benchmarks of the ACP runner. Run as ``python tests/fakes/acp_agent.py [MODE]``:

- ``shell`` (default): streams a message, asks permission for a shell tool call that runs
  ``touch <file>`` (the file is named by the prompt's last word), runs it only when allowed and says
  whether it was refused; reports a plan and usage. A follow-up prompt gets an answer quoting it.
- ``flood N SECONDS``: streams N message chunks a second for SECONDS.
- ``crash``: writes to stderr and exits with 3 in the middle of a turn.
- ``stderr MB``: writes MB megabytes to stderr, then works like ``shell``.
- ``giveup``: asks permission for the shell call, then ends its turn without waiting.
- ``remember`` (or ``remember-resume``): keeps each conversation in ``$FAKE_ACP_SESSIONS`` and
  offers session/load (or session/resume); every answer quotes all the prompts of the
  conversation so far, so a test sees whether a restarted agent carried on the same one.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import acp
from acp import PROTOCOL_VERSION, plan_entry, start_tool_call, update_agent_message_text, update_plan, update_tool_call
from acp.schema import (
    AgentCapabilities,
    AllowedOutcome,
    InitializeResponse,
    LoadSessionResponse,
    NewSessionResponse,
    PermissionOption,
    PromptResponse,
    ResumeSessionResponse,
    SessionCapabilities,
    SessionResumeCapabilities,
    ToolCallUpdate,
    UsageUpdate,
)


class ScriptedAgent:
    def __init__(self, mode: list[str]) -> None:
        self.mode = mode or ["shell"]
        self.conn: Any = None
        self.turns = 0
        self.cancelled: dict[str, asyncio.Event] = {}

    def on_connect(self, conn: Any) -> None:
        self.conn = conn

    async def initialize(self, protocol_version: int, **kwargs: Any) -> InitializeResponse:
        capabilities = AgentCapabilities()
        if self.mode[0] == "remember":
            capabilities = AgentCapabilities(load_session=True)
        elif self.mode[0] == "remember-resume":
            capabilities = AgentCapabilities(session_capabilities=SessionCapabilities(resume=SessionResumeCapabilities()))
        return InitializeResponse(protocol_version=PROTOCOL_VERSION, agent_capabilities=capabilities)

    # ----------------------------------------------------------------- remembered conversations
    def _conversation(self, session_id: str) -> Path:
        return Path(os.environ["FAKE_ACP_SESSIONS"]) / f"{session_id}.json"

    def _prompts(self, session_id: str) -> list[str]:
        path = self._conversation(session_id)
        return json.loads(path.read_text()) if path.exists() else []

    async def load_session(self, cwd: str, session_id: str, mcp_servers: list[Any] | None = None, **kwargs: Any) -> LoadSessionResponse:
        if not self._conversation(session_id).exists():
            raise acp.RequestError.resource_not_found(session_id)
        self.cwd = cwd
        self.cancelled[session_id] = asyncio.Event()
        for prompt in self._prompts(session_id):  # session/load replays the conversation
            await self.say(session_id, f"(replayed) {prompt}")
        return LoadSessionResponse()

    async def resume_session(self, cwd: str, session_id: str, mcp_servers: list[Any] | None = None, **kwargs: Any) -> ResumeSessionResponse:
        if not self._conversation(session_id).exists():
            raise acp.RequestError.resource_not_found(session_id)
        self.cwd = cwd
        self.cancelled[session_id] = asyncio.Event()
        return ResumeSessionResponse()

    async def remember(self, session_id: str, text: str) -> PromptResponse:
        prompts = [*self._prompts(session_id), text]
        self._conversation(session_id).write_text(json.dumps(prompts))
        await self.say(session_id, f"Turn {len(prompts)}. The conversation so far: {' | '.join(prompts)}")
        return PromptResponse(stop_reason="end_turn")

    async def new_session(self, cwd: str, mcp_servers: list[Any] | None = None, **kwargs: Any) -> NewSessionResponse:
        session_id = f"acp-{secrets.token_hex(4)}"
        self.cancelled[session_id] = asyncio.Event()
        self.cwd = cwd
        return NewSessionResponse(session_id=session_id)

    async def cancel(self, session_id: str, **kwargs: Any) -> None:
        self.cancelled.setdefault(session_id, asyncio.Event()).set()

    async def say(self, session_id: str, text: str) -> None:
        await self.conn.session_update(session_id=session_id, update=update_agent_message_text(text))

    async def prompt(self, prompt: list[Any], session_id: str, **kwargs: Any) -> PromptResponse:
        self.turns += 1
        text = " ".join(getattr(block, "text", "") for block in prompt).strip()
        self.cancelled[session_id] = asyncio.Event()
        kind = self.mode[0]
        if kind.startswith("remember"):
            return await self.remember(session_id, text)
        if kind == "flood":
            rate, seconds = float(self.mode[1]), float(self.mode[2])
            for index in range(int(rate * seconds)):
                await self.say(session_id, f"chunk {index} of the flood\n")
                await asyncio.sleep(1 / rate)
            return PromptResponse(stop_reason="end_turn")
        if kind == "needs-env":
            # as codex-acp does when its provider's env_key is not set: a line on stderr, no answer
            variable = self.mode[1]
            if not os.environ.get(variable):
                sys.stderr.write(f"Missing environment variable: `{variable}`.\n")
                sys.stderr.flush()
                return PromptResponse(stop_reason="end_turn")
            await self.say(session_id, f"{variable} is set.")
            return PromptResponse(stop_reason="end_turn")
        if kind == "crash":
            sys.stderr.write("fatal: the model API went away\n")
            sys.stderr.flush()
            await self.say(session_id, "Starting…\n")
            await asyncio.sleep(0.2)
            os._exit(3)
        if self.turns > 1:
            await self.say(session_id, f"You said: {text}\n")
            await self.say(session_id, "Done with the follow-up.")
            return PromptResponse(stop_reason="end_turn")
        await self.conn.session_update(
            session_id=session_id,
            update=update_plan([plan_entry("Create the file", priority="high", status="in_progress")]),
        )
        await self.say(session_id, "I will create the file ")
        await self.say(session_id, "with a shell command.\n")
        name = text.split()[-1] if text else "made-by-agent.txt"
        command = f"touch {name}"
        call_id = f"call_{secrets.token_hex(3)}"
        await self.conn.session_update(
            session_id=session_id,
            update=start_tool_call(call_id, command, kind="execute", status="pending", raw_input={"command": command}),
        )
        options = [
            PermissionOption(option_id="always", name="Always allow", kind="allow_always"),
            PermissionOption(option_id="once", name="Allow", kind="allow_once"),
            PermissionOption(option_id="no", name="Reject", kind="reject_once"),
        ]
        asking = asyncio.ensure_future(
            self.conn.request_permission(
                session_id=session_id,
                tool_call=ToolCallUpdate(tool_call_id=call_id, title=command, kind="execute", raw_input={"command": command}),
                options=options,
            )
        )
        if kind == "giveup":  # asks, then ends its turn without waiting for the answer
            await asyncio.sleep(0.3)
            await self.say(session_id, "Never mind, I will not wait.")
            return PromptResponse(stop_reason="end_turn")
        cancelled = asyncio.ensure_future(self.cancelled[session_id].wait())
        await asyncio.wait({asking, cancelled}, return_when=asyncio.FIRST_COMPLETED)
        if not asking.done():
            await asking  # the client answers "cancelled"
        outcome = asking.result().outcome
        if self.cancelled[session_id].is_set():
            return PromptResponse(stop_reason="cancelled")
        if isinstance(outcome, AllowedOutcome) and outcome.option_id == "once":
            process = await asyncio.create_subprocess_exec("sh", "-c", command, cwd=self.cwd)
            await process.wait()
            await self.conn.session_update(session_id=session_id, update=update_tool_call(call_id, status="completed"))
            await self.say(session_id, f"Created {name}.")
        elif isinstance(outcome, AllowedOutcome) and outcome.option_id == "always":
            await self.say(session_id, "The client answered allow_always, which it must never do.")
        else:
            await self.conn.session_update(session_id=session_id, update=update_tool_call(call_id, status="failed"))
            await self.say(session_id, "The command was refused, so I did not create the file.")
        await self.conn.session_update(session_id=session_id, update=UsageUpdate(session_update="usage_update", used=1200, size=200000))
        return PromptResponse(stop_reason="end_turn")


def main() -> None:
    mode = sys.argv[1:]
    if mode[:1] == ["stderr"]:
        chunk = "noise " * 170 + "\n"
        for _ in range(int(float(mode[1]) * 1024 * 1024 / len(chunk))):
            sys.stderr.write(chunk)
        sys.stderr.flush()
        mode = ["shell"]
    asyncio.run(acp.run_agent(ScriptedAgent(mode), use_unstable_protocol=True))  # session/resume is unstable in ACP


if __name__ == "__main__":
    main()
