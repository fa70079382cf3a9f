"""A tether-tui runtime in a process of its own, for tests that kill it with SIGKILL.

    python -m tests.runtime_process SPEC_JSON

SPEC: data (the data folder), folder, prompt, profile (AgentProfile fields), approval (0-2),
session_rule (allow everything in the session for 2 h), waiting_request (leave a request
waiting), telegram ({url, token, group, allowed}). It starts
the runtime with the state file, starts one ACP session, waits for the end of its first turn
(and for its chat topic, with Telegram), prints ``READY <session id> <pids of the processes it started>`` and sleeps.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from runners import default_registry
from runners.acp.profiles import AgentProfile
from runners.launcher import SessionLauncher
from tests.waiting import until
from tether_tui.audit import AuditLog
from tether_tui.commands import CommandRegistry
from tether_tui.config import Config, TelegramSettings
from tether_tui.models import RuleScope, SessionState, Via
from tether_tui.runtime import Runtime
from tether_tui.state import StateFile
from tether_tui.store import SessionStore


def build(spec: dict[str, Any]) -> Runtime:
    """The runtime a spec describes (the tests build the second run with it too)."""
    from bridges.supervisor import BridgeSupervisor

    data = Path(spec["data"])
    telegram = spec.get("telegram")
    config = Config()
    if telegram:
        config = Config(
            telegram=TelegramSettings(
                token=telegram["token"], forum_group_id=telegram["group"], allowed_user_ids=tuple(telegram["allowed"])
            )
        )
    store = SessionStore(config=config, audit=AuditLog(data / "audit.jsonl"), rules_path=data / "rules.json")
    store.approvals.restore_rules()
    fields = spec["profile"]
    profile = AgentProfile(**{**fields, "command": tuple(fields["command"]), "modes": tuple(fields.get("modes", (None, None, None)))})
    commands = CommandRegistry(store)
    state = StateFile(data / "state.sqlite3")
    bridges = BridgeSupervisor(store, commands, telegram_api_url=telegram["url"], thread_store=state) if telegram else None
    launcher = SessionLauncher(store, default_registry({profile.name: profile}))
    return Runtime(store, launcher=launcher, commands=commands, bridges=bridges, state=state)


def agent_processes() -> list[int]:
    """The pids of the processes this one started (the agent, with its process group)."""
    children: list[int] = []
    for task in Path("/proc/self/task").iterdir():
        children += [int(pid) for pid in (task / "children").read_text().split()]
    return children


async def main(spec: dict[str, Any]) -> None:
    runtime = build(spec)
    await runtime.start()
    store = runtime.store
    name = spec["profile"]["name"]
    session_id = await runtime.launcher.start(name, spec["prompt"], directory=spec["folder"], approval_choice=spec.get("approval", 0))
    if spec.get("session_rule"):  # what the person allowed for this session: it must follow the session
        store.approvals.add_rule(RuleScope.SESSION, 120, by="dev", via=Via.KEYBOARD, session_id=session_id)
    session = store.session(session_id)
    await until(lambda: session.state is SessionState.WAITING_INPUT or session.state.is_final, 180)
    if session.state.is_final:
        print("ENDED", session.error, flush=True)
        return
    if runtime.bridges is not None:
        bridges = runtime.bridges.bridges.values()
        await until(lambda: any(bridge.mirror and bridge.mirror.thread_of(session_id) for bridge in bridges), 60)
    if spec.get("waiting_request"):
        store.approvals.submit(session_id, "Bash", {"command": "make deploy"})
    await asyncio.sleep(1.0)  # the state file and the chat have it all
    print("READY", session_id, *agent_processes(), flush=True)
    await asyncio.sleep(3600)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
