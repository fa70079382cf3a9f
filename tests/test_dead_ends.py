"""No dead ends for a newcomer: every folder tether-tui needs says what is in the way and the
fix, a config path named that does not exist is an error, screenshots land in a folder that
exists, and the chat setup stops at once, checks its library first and says when nothing was
typed."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from tether_tui.chat_setup import setup

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tether_tui", *args], capture_output=True, text=True, cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60
    )


def test_a_data_folder_that_cannot_be_made_is_one_line_and_doctor_says_so():
    env = {"TETHER_TUI_DATA_DIR": "/etc/passwd/sub"}
    result = run("--headless", "--exit-after-first-frame", "--no-demo", env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("tether-tui: the data folder /etc/passwd/sub cannot be used: Not a directory")
    assert "Set TETHER_TUI_DATA_DIR to a folder you may write to" in line
    doctor = run("doctor", env=env)
    assert doctor.returncode == 1 and "All good" not in doctor.stdout
    assert "✗ Folders: the data folder /etc/passwd/sub cannot be used: Not a directory (/etc/passwd is in the way)" in doctor.stdout


def test_a_runtime_folder_that_cannot_be_made_is_one_line():
    result = run("serve", env={"TETHER_TUI_RUNTIME_DIR": "/etc/passwd/run"})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the runtime folder /etc/passwd/run cannot be used" in result.stderr


def test_a_config_path_named_that_does_not_exist_is_an_error():
    for args in (("--config", "/nonexistent/dir/c.toml", "config", "check"), ("config", "check", "--config", "/nonexistent/c.toml")):
        result = run(*args)
        assert result.returncode == 2, result
        assert "does not exist (tether-tui config init --config" in result.stderr


async def test_a_screenshot_on_a_fresh_home_goes_where_it_can_and_says_where(tmp_path, monkeypatch):
    from tests.scenes import build_scene
    from tether_tui.app import TetherApp
    from tether_tui.runtime import Runtime

    monkeypatch.setenv("HOME", str(tmp_path / "fresh-home"))  # no Downloads there
    (tmp_path / "fresh-home").mkdir()
    app = TetherApp(Runtime(build_scene()), user="dev")
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.deliver_screenshot()
        await pilot.pause()
    saved = [record.text for record in app.notices if record.text.startswith("Screenshot saved: ")]
    assert len(saved) == 1
    path = saved[0].removeprefix("Screenshot saved: ")
    assert os.path.isfile(path) and path.endswith(".svg")  # noqa: ASYNC240
    assert os.path.dirname(path) == os.path.join(os.environ["TETHER_TUI_DATA_DIR"], "screenshots")


async def test_setup_says_when_no_token_was_typed(tmp_path):
    said: list[str] = []
    code = await setup("telegram", tmp_path / "config.toml", ask=lambda _prompt, _hidden: "", say=said.append)
    assert code == 1
    assert said.count("✗ No Bot token typed") == 3 and said[-1] == "Nothing written."
    assert not any("could not be checked" in line for line in said)
    assert not (tmp_path / "config.toml").exists()


def test_setup_without_the_platforms_library_says_so_before_asking_anything(tmp_path):
    code = (
        "import sys; sys.modules['discord'] = None\n"  # as if discord.py were not installed
        "from tether_tui.cli import main; sys.exit(main(['setup', 'discord', '--config', sys.argv[1]]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "c.toml")], capture_output=True, text=True, cwd=ROOT, input="", timeout=60
    )
    assert result.returncode == 1
    assert result.stdout.strip() == "Discord needs its library (discord is not installed): pip install 'tether-tui[discord]'"


def test_ctrl_c_at_the_hidden_token_prompt_stops_at_once(tmp_path):
    pid, master = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execv(sys.executable, [sys.executable, "-m", "tether_tui", "setup", "telegram", "--config", str(tmp_path / "c.toml")])
    seen = b""
    deadline = time.monotonic() + 30
    while b"Bot token" not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            seen += os.read(master, 4096)
    assert b"Bot token" in seen, seen
    os.write(master, b"\x03")  # ctrl+c, once
    start = time.monotonic()
    status = None
    while time.monotonic() - start < 3:
        if select.select([master], [], [], 0.1)[0]:
            with contextlib.suppress(OSError):
                seen += os.read(master, 4096)
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        os.kill(pid, 9)
        raise AssertionError(f"still asking 3 s after ctrl+c: {seen!r}")
    os.close(master)
    assert os.waitstatus_to_exitcode(status) == 1
    assert b"Nothing written." in seen and b"Traceback" not in seen
    assert not (tmp_path / "c.toml").exists()


def test_demo_count_outside_0_to_50_is_refused_and_hook_help_is_help():
    for count in ("51", "-1", "many"):
        result = run("--demo", count, "--headless", "--exit-after-first-frame")
        assert result.returncode == 2 and "argument --demo" in result.stderr
    result = run("hook", "--help")
    assert result.returncode == 0 and result.stdout.startswith("usage: tether-tui hook claude|codex|gemini") and not result.stderr


def test_a_timer_of_a_session_that_has_ended_says_so():
    from tether_tui.models import RuleScope, Via
    from tether_tui.store import SessionStore

    store = SessionStore()
    rule = store.approvals.add_rule(RuleScope.TOOL, 60, by="dev", via=Via.KEYBOARD, session_id="demo-1cbde8", tool_name="Edit")
    assert store.describe_rule(rule) == "Edit in a session that has ended"


async def test_demo_sessions_are_listed_in_the_same_order_every_time():
    from tether_tui.app import TetherApp
    from tether_tui.app.widgets.sessions_table import SessionsTable
    from tether_tui.runtime import Runtime
    from tether_tui.store import SessionStore

    orders = []
    for _ in range(3):
        store = SessionStore()
        app = TetherApp(Runtime(store, demo_sessions=3, demo_speed=0.01), user="dev")
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(20):
                await pilot.pause()
            table = app.screen.query_one(SessionsTable)
            orders.append(
                ([str(table.get_cell(key, "title")) for key in table.row_keys], app.screen.selected_session_id == table.row_keys[0])
            )
    assert orders[0] == orders[1] == orders[2]
    assert orders[0][0] == ["claude · invoice-api", "codex · web-shop", "aider · data-pipeline"] and orders[0][1]
