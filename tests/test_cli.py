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
    assert result.stderr.strip() == (
        f"tether-tui: {path}:3: [approvals] fallback: expected one of 'deny', 'defer', got 'allow'"
    )
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
