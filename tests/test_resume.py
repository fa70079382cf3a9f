"""Nothing lost when the dashboard stops: sessions and their output outlive the process (kill -9
included), requests left waiting are written down as withdrawn, and an ended session resumes
with the same conversation, output, chat thread and rules. The agent here is the scripted ACP
agent; tests/test_acp_e2e.py does the same with the real agents."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from runners import default_registry
from runners.acp.profiles import AgentProfile
from runners.launcher import SessionLauncher
from tests.test_telegram import ALICE, fake  # noqa: F401  (the fake Bot API fixture)
from tests.waiting import until
from tether_tui.audit import AuditLog
from tether_tui.models import Origin, RuleScope, SessionState, Via
from tether_tui.runtime import Runtime
from tether_tui.state import StateFile
from tether_tui.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent
FAKE = str(ROOT / "tests" / "fakes" / "acp_agent.py")


@pytest.fixture
def conversations(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "conversations"
    folder.mkdir()
    monkeypatch.setenv("FAKE_ACP_SESSIONS", str(folder))
    return folder


def remembering(mode: str = "remember") -> AgentProfile:
    return AgentProfile(name="scripted", label="Scripted agent", command=(sys.executable, FAKE, mode))


def runtime_at(data: Path, mode: str = "remember") -> Runtime:
    store = SessionStore(audit=AuditLog(data / "audit.jsonl"), rules_path=data / "rules.json")
    store.approvals.restore_rules()
    launcher = SessionLauncher(store, default_registry({"scripted": remembering(mode)}))
    return Runtime(store, launcher=launcher, state=StateFile(data / "state.sqlite3"))


def text(store: SessionStore, session_id: str) -> str:
    return "\n".join(store.output(session_id).lines())


def audit(data: Path) -> list[dict]:
    path = data / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def killed_runtime(spec: dict) -> str:
    """A runtime in a process of its own (tests/runtime_process.py) that starts a session, has
    one turn and is then killed with SIGKILL. Returns the session's id."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.runtime_process", json.dumps(spec)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.startswith("READY "):
        process.kill()
        raise AssertionError(f"the first run did not get through its first turn: {line}")
    process.send_signal(signal.SIGKILL)
    process.wait()
    _, session_id, *agents = line.split()
    # the agent notices its dashboard is gone when its input closes, and ends on its own: what it
    # writes of its conversation as it ends is there before the next run, as when a person comes back
    deadline = time.monotonic() + 30
    while any(_alive(int(pid)) for pid in agents) and time.monotonic() < deadline:
        time.sleep(0.05)
    return session_id


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return not Path(f"/proc/{pid}/stat").read_text().split(") ")[-1].startswith("Z")
    except (ProcessLookupError, FileNotFoundError):
        return False


async def test_after_kill_9_the_session_is_resumable_and_r_carries_on_the_same_conversation(tmp_path, conversations):
    from tether_tui.app import TetherApp

    data, folder = tmp_path / "data", tmp_path / "project"
    data.mkdir()
    folder.mkdir()
    profile = {"name": "scripted", "label": "Scripted agent", "command": [sys.executable, FAKE, "remember"]}
    spec = {"data": str(data), "folder": str(folder), "prompt": "first prompt", "profile": profile, "waiting_request": True}
    session_id = killed_runtime(spec)

    runtime = runtime_at(data)
    store = runtime.store
    app = TetherApp(runtime, user="dev")
    async with app.run_test(size=(120, 36)) as pilot:
        await until(lambda: store.has_session(session_id))
        session = store.session(session_id)
        assert session.state is SessionState.STOPPED and session.resumable
        assert session.metadata["ended"] == "the dashboard stopped"
        assert session.directory == str(folder)
        assert "Turn 1. The conversation so far: first prompt" in text(store, session_id)
        withdrawn = [r for r in audit(data) if r["event"] == "withdrawn"]
        assert [(r["tool"], r["summary"], r["session_id"]) for r in withdrawn] == [("Bash", "make deploy", session_id)]
        assert not store.approvals.pending()
        await pilot.pause()
        assert app.screen.selected_session_id == session_id
        await pilot.press("r")
        await until(lambda: session.state is SessionState.WAITING_INPUT)
        await app.send_input(session_id, "second prompt")
        await until(lambda: "Turn 2. The conversation so far: first prompt | second prompt" in text(store, session_id))
        assert "(replayed)" not in text(store, session_id)  # session/load's replay is in the history already
        assert text(store, session_id).count("Turn 1.") == 1
        await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


async def test_a_clean_stop_keeps_sessions_resumable_and_forgets_nothing(tmp_path, conversations):
    data, folder = tmp_path / "data", tmp_path / "project"
    data.mkdir()
    folder.mkdir()
    runtime = runtime_at(data, "remember-resume")
    await runtime.start()
    session_id = await runtime.launcher.start("scripted", "hello there", directory=str(folder))
    await until(lambda: "Turn 1." in text(runtime.store, session_id))
    rule = runtime.store.approvals.add_rule(RuleScope.SESSION, 60, by="dev", via=Via.KEYBOARD, session_id=session_id)
    await runtime.stop()
    assert runtime.store.session(session_id).state is SessionState.STOPPED

    again = runtime_at(data, "remember-resume")
    await again.start()
    try:
        session = again.store.session(session_id)
        assert session.resumable and session.metadata["ended"] == "the dashboard stopped"
        assert [r for r in audit(data) if r["event"] == "withdrawn"] == []  # a clean stop leaves nothing waiting
        assert [r.id for r in again.store.approvals.rules() if r.session_id == session_id] == [rule.id]  # rules follow it
        await again.launcher.resume(session_id, "and again")  # session/resume this time
        await until(lambda: "Turn 2. The conversation so far: hello there | and again" in text(again.store, session_id))
    finally:
        await again.stop()


async def test_an_agent_that_cannot_resume_says_so_and_r_offers_a_new_session_in_its_folder(tmp_path, conversations):
    from tether_tui.app import TetherApp
    from tether_tui.app.screens.dialogs import ConfirmDialog
    from tether_tui.app.screens.new_session import NewSessionDialog

    data, folder = tmp_path / "data", tmp_path / "project"
    data.mkdir()
    folder.mkdir()
    runtime = runtime_at(data, "needs-env")  # offers neither session/load nor session/resume
    runtime.launcher.registry.register_profile(
        AgentProfile(name="scripted", label="Scripted agent", command=(sys.executable, FAKE, "needs-env", "HOME"))
    )
    store = runtime.store
    app = TetherApp(runtime, user="dev")
    async with app.run_test(size=(120, 36)) as pilot:
        session_id = await runtime.launcher.start("scripted", "hello", directory=str(folder))
        await until(lambda: "HOME is set." in text(store, session_id))
        await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
        await pilot.pause()
        await pilot.press("r")
        await until(lambda: isinstance(app.screen, ConfirmDialog), 30)
        assert "cannot carry on a conversation: it offers neither session/load nor session/resume" in app.screen.question
        assert "error (cannot resume)" in text(store, session_id)
        await pilot.press("y")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        assert dialog.query_one("#folder").value == str(folder)
        assert dialog.chosen_agent == "scripted"


async def test_resume_from_telegram_in_the_sessions_topic_by_allowed_users_only(fake, tmp_path, conversations):  # noqa: F811
    from bridges.supervisor import BridgeSupervisor
    from tether_tui.commands import CommandRegistry
    from tether_tui.config import Config, TelegramSettings

    data, folder = tmp_path / "data", tmp_path / "project"
    data.mkdir()
    folder.mkdir()
    config = Config(telegram=TelegramSettings(token=fake.token, forum_group_id=fake.group_id, allowed_user_ids=(ALICE["id"],)))

    def with_telegram() -> Runtime:
        store = SessionStore(config=config, audit=AuditLog(data / "audit.jsonl"))
        commands = CommandRegistry(store)
        return Runtime(
            store,
            launcher=SessionLauncher(store, default_registry({"scripted": remembering()})),
            commands=commands,
            bridges=BridgeSupervisor(store, commands, telegram_api_url=fake.base_url),
            state=StateFile(data / "state.sqlite3"),
        )

    first = with_telegram()
    await first.start()
    session_id = await first.launcher.start("scripted", "first prompt", directory=str(folder))
    await until(lambda: "Turn 1." in text(first.store, session_id))
    await fake.wait_for(lambda: any("Turn 1." in m.text for m in fake.bot_messages()), 20)
    (topic,) = fake.topics
    await first.stop()

    second = with_telegram()
    await second.start()
    try:
        await fake.wait_for(lambda: second.store.bridge_health["telegram"][0] == "connected", 15)
        stranger = {"id": 999, "is_bot": False, "first_name": "Mallory", "username": "mallory"}
        fake.push_text("/resume", thread_id=topic, user=stranger)
        bridge = second.bridges.bridges["telegram"]
        await until(lambda: bridge.ignored_updates == 1, 15)
        assert second.store.session(session_id).state is SessionState.STOPPED  # strangers change nothing
        fake.push_text("/resume", thread_id=topic, user=ALICE)
        await until(lambda: second.store.session(session_id).state is SessionState.WAITING_INPUT, 30)
        await fake.wait_for(lambda: any("Resumed" in m.text and m.thread_id == topic for m in fake.bot_messages()), 20)
        fake.push_text("from the phone", thread_id=topic, user=ALICE)
        await until(lambda: "Turn 2. The conversation so far: first prompt | from the phone" in text(second.store, session_id), 30)
        await fake.wait_for(lambda: any("Turn 2." in m.text and m.thread_id == topic for m in fake.bot_messages()), 20)
        assert list(fake.topics) == [topic]  # the same topic, no new one
        assert second.store.session(session_id).origin is Origin.RUNNER
    finally:
        await second.stop()
