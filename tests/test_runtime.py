"""The headless runtime: what it starts, what stopping it settles, and ``serve``'s service files."""

from __future__ import annotations

import plistlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from runners.launcher import SessionLauncher
from tests.test_telegram import ALICE, approval_message, fake  # noqa: F401  (the fake Bot API fixture)
from tests.waiting import until
from tether_tui.models import Outcome, Via
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent


async def test_stopping_the_runtime_edits_the_waiting_request_in_the_chat_before_the_bridge_stops(fake):  # noqa: F811
    from bridges.supervisor import BridgeSupervisor
    from tether_tui.commands import CommandRegistry
    from tether_tui.config import Config, TelegramSettings

    config = Config(telegram=TelegramSettings(token=fake.token, forum_group_id=fake.group_id, allowed_user_ids=(ALICE["id"],)))
    store = SessionStore(config=config)
    commands = CommandRegistry(store)
    runtime = Runtime(store, commands=commands, bridges=BridgeSupervisor(store, commands, telegram_api_url=fake.base_url))
    await runtime.start()
    await fake.wait_for(lambda: store.bridge_health["telegram"][0] == "connected", 15)
    await SessionLauncher(store).start_demo(0, speed=20)
    message = await fake.wait_for(lambda: approval_message(fake), 15)
    (request,) = store.approvals.pending()
    await runtime.stop()
    assert request.decision is not None and request.decision.outcome is Outcome.DEFER and request.decision.via is Via.SYSTEM
    text = fake.messages[message.message_id].text
    assert "left to the agent: the dashboard stopped" in text, text
    assert not fake.messages[message.message_id].reply_markup  # no buttons left that nobody can answer
    assert store.bridge_health["telegram"][0] == "off"


async def test_the_runtime_follows_config_edits_without_a_screen(tmp_path):
    from tether_tui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[agents.mine]\ncommand = ["my-acp-agent"]\nlabel = "Mine"\n')
    store = SessionStore(config=load_config(path))
    runtime = Runtime(store, config_path=path)
    await runtime.start()
    try:
        assert runtime.watcher is not None
        await until(lambda: runtime.watcher.ready.is_set(), 10)
        path.write_text('[agents.other]\ncommand = ["other-acp-agent"]\nlabel = "Other"\n')
        await until(lambda: runtime.launcher.registry.has("other"), 10)
    finally:
        await runtime.stop()
    assert not any(not task.done() for task in runtime._tasks)


async def test_stop_runs_once_and_before_start_does_nothing():
    store = SessionStore()
    runtime = Runtime(store, demo_sessions=1, demo_speed=50)
    await runtime.stop()  # never started: nothing to do
    await runtime.start()
    await until(lambda: bool(store.sessions()))
    await runtime.stop()
    await runtime.stop()


def print_unit(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "tether_tui", "serve", "--print-unit", *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return result.stdout


def test_print_unit_gives_a_systemd_user_unit_that_starts_serve(tmp_path):
    unit = print_unit("--config", str(tmp_path / "my config.toml"))
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert f'-m tether_tui serve --config "{tmp_path / "my config.toml"}" --log-stderr' in exec_start
    assert exec_start.split("=", 1)[1].startswith(sys.executable)
    assert "[Install]\nWantedBy=default.target" in unit and "Restart=on-failure" in unit
    assert any(line.startswith("Environment=") and "PATH=" in line for line in unit.splitlines())
    if shutil.which("systemd-analyze"):
        service = tmp_path / "tether-tui.service"
        service.write_text(unit)
        check = subprocess.run(["systemd-analyze", "--user", "verify", str(service)], capture_output=True, text=True)
        assert "ExecStart" not in check.stderr, check.stderr


def test_the_launchd_agent_is_a_valid_plist():
    from tether_tui.serve import LAUNCHD_LABEL, unit_text

    text = unit_text(Path("/Users/dev/config.toml"), platform="darwin")
    plist = plistlib.loads(text.encode())
    assert plist["Label"] == LAUNCHD_LABEL
    assert plist["ProgramArguments"][-4:] == ["serve", "--config", "/Users/dev/config.toml", "--log-stderr"]
    assert plist["KeepAlive"] == {"SuccessfulExit": False} and plist["RunAtLoad"] is True


@pytest.mark.parametrize("word,written", [("plain", "plain"), ("a b", '"a b"'), ("100%", "100%%"), ('say "hi"', '"say \\"hi\\""')])
def test_unit_words_are_quoted_for_systemd(word, written):
    from tether_tui.serve import _systemd_word

    assert _systemd_word(word) == written
