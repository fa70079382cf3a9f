from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args, env_extra=None, timeout=60):
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "tether_tui.cli", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=timeout
    )


def test_a_bad_config_file_gets_one_clear_line_and_no_traceback(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[approvals]\ntimeout_seconds = 10\nfallback = 'allow'\n")
    result = run("--config", str(path), "--headless", "--exit-after-first-frame")
    assert result.returncode == 2
    assert result.stderr.strip() == (f'tether-tui: {path}:3: [approvals] fallback: expected one of "deny", "defer", got "allow"')
    assert "Traceback" not in result.stderr


def test_config_check_and_path(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[dashboard]\nbell = false\n")
    result = run("config", "check", "--config", str(path))
    assert result.returncode == 0 and f"{path}: ok" in result.stdout and "telegram: not configured" in result.stdout
    assert run("config", "path", "--config", str(path)).stdout.strip() == str(path)


def test_dashboard_starts_headless_and_writes_its_log_privately(tmp_path):
    result = run("--headless", "--exit-after-first-frame", "--no-demo", "--config", str(tmp_path / "none.toml"))
    assert result.returncode == 0, result.stderr
    log = Path(os.environ["TETHER_TUI_DATA_DIR"]) / "tether-tui.log"
    assert log.exists() and oct(log.stat().st_mode & 0o777) == "0o600"


def test_a_missing_config_named_on_the_command_line_is_said_so(tmp_path):
    missing = tmp_path / "missing.toml"
    result = run("--headless", "--exit-after-first-frame", "--no-demo", "--config", str(missing))
    assert result.returncode == 0
    assert f"{missing} does not exist: defaults apply (tether-tui config init --config {missing} writes one)" in result.stderr


def test_config_check_refuses_an_unknown_theme(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[dashboard]\ntheme = "nope"\n')
    result = run("config", "check", "--config", str(path))
    assert result.returncode == 2 and f"{path}:2: [dashboard] theme: unknown theme 'nope' (known: ansi-dark" in result.stderr


def test_help_keeps_the_config_path_on_one_line():
    result = run("--help", env_extra={"COLUMNS": "60", "TETHER_TUI_CONFIG_DIR": "/home/someone-with-a-long-name/.config/tether-tui"})
    assert "  /home/someone-with-a-long-name/.config/tether-tui/config.toml\n" in result.stdout


def test_a_second_dashboard_says_which_process_holds_the_runtime_and_exits(tmp_path):
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from tether_tui.runtime_lock import RuntimeLock;"
            " lock = RuntimeLock(Path(sys.argv[1])); assert lock.acquire() is None; print('held', flush=True); time.sleep(60)",
            str(runtime),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = run("--headless", "--exit-after-first-frame", "--no-demo", env_extra={"TETHER_TUI_RUNTIME_DIR": str(runtime)})
        assert result.returncode == 1
        assert f"tether-tui is already running for this runtime folder (pid {holder.pid}, since " in result.stderr
        assert f"stop it with: kill {holder.pid}" in result.stderr
    finally:
        holder.kill()  # kill -9: the lock goes with the process
        holder.wait()
    result = run("--headless", "--exit-after-first-frame", "--no-demo", env_extra={"TETHER_TUI_RUNTIME_DIR": str(runtime)})
    assert result.returncode == 0, result.stderr


def test_config_check_says_every_problem_with_its_line(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[dashboard]\ntheme = "nope"\ndemo_sessions = 99\n[approvals]\nfallback = "x"\n[agents.x]\ncommand = []\n[bogus]\n')
    result = run("config", "check", "--config", str(path))
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert lines[0] == "tether-tui: 5 problems in the config:"
    assert lines[1].startswith(f"  {path}:2: [dashboard] theme: unknown theme 'nope' (known: ")
    assert lines[2:] == [
        f"  {path}:3: [dashboard] demo_sessions: must be from 0 to 50, got 99",
        f'  {path}:5: [approvals] fallback: expected one of "deny", "defer", got "x"',
        f"  {path}:6: [agents.x]: command: is empty (name the program to run, then its arguments)",
        f"  {path}:8: [bogus]: unknown section (known: approvals, dashboard, history, telegram, slack, discord, runners, agents.NAME, remotes.NAME)",
    ]


def test_config_help_describes_each_action():
    result = run("config", "--help")
    assert result.returncode == 0
    for action in ("path    print where the config file is", "init    write a config file", "check   read the config file"):
        assert action in result.stdout
