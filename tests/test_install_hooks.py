from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

from tether_tui.agents import AGENTS
from tether_tui.install_hooks import HOOK_TIMEOUT_SECONDS, hook_command, merge, settings_path

ROOT = Path(__file__).resolve().parent.parent


def cli(*args, home: Path):
    return subprocess.run(
        [sys.executable, "-m", "tether_tui", "install-hooks", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )


def test_install_merges_is_idempotent_and_uninstall_restores(tmp_path):
    project = tmp_path / "repo"
    settings = project / ".claude" / "settings.local.json"
    settings.parent.mkdir(parents=True)
    original = {
        "permissions": {"allow": ["Bash(ls:*)"]},
        "hooks": {"Stop": [{"hooks": [{"type": "command", "command": "notify-send done"}]}]},
    }
    settings.write_text(json.dumps(original))
    settings.chmod(0o644)

    first = cli("claude", "--project", str(project), home=tmp_path)
    assert first.returncode == 0 and "added PermissionRequest" in first.stdout and "updated Stop" in first.stdout
    installed = json.loads(settings.read_text())
    assert installed["permissions"] == original["permissions"]
    assert installed["hooks"]["Stop"][0] == original["hooks"]["Stop"][0]
    ours = installed["hooks"]["PermissionRequest"][0]["hooks"][0]
    assert ours["timeout"] == HOOK_TIMEOUT_SECONDS
    executable = ours["command"].split()[0]
    assert Path(executable).is_absolute() and Path(executable).exists()
    assert "hook claude --wait 3540 --fallback defer" in ours["command"]
    assert stat.S_IMODE(settings.stat().st_mode) == 0o644  # the user's mode is kept

    second = cli("claude", "--project", str(project), home=tmp_path)
    assert "already up to date" in second.stdout and json.loads(settings.read_text()) == installed

    removed = cli("claude", "--project", str(project), "--uninstall", home=tmp_path)
    assert removed.returncode == 0 and json.loads(settings.read_text()) == original


def test_dry_run_writes_nothing_and_user_scope_paths(tmp_path):
    result = cli("gemini", "--dry-run", home=tmp_path)
    assert result.returncode == 0 and '"BeforeTool"' in result.stdout
    assert not (tmp_path / ".gemini").exists()
    assert settings_path("claude", None, {"HOME": "/h"}) == Path("/h/.claude/settings.json")
    assert settings_path("codex", None, {"HOME": "/h", "CODEX_HOME": "/c"}) == Path("/c/hooks.json")
    assert settings_path("gemini", Path("/p"), {"HOME": "/h"}) == Path("/p/.gemini/settings.json")


def test_a_broken_settings_file_is_left_alone(tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir()
    settings.write_text("{ not json")
    result = cli("claude", "--user", home=tmp_path)
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    assert settings.read_text() == "{ not json"


def test_gemini_timeouts_are_milliseconds_and_the_fallback_is_written():
    merged = merge({}, AGENTS["gemini"], hook_command("gemini", "deny"))
    handler = merged["hooks"]["BeforeTool"][0]["hooks"][0]
    assert handler["timeout"] == HOOK_TIMEOUT_SECONDS * 1000 and handler["command"].endswith("--fallback deny")
    assert merged["hooks"]["BeforeTool"][0]["matcher"] == ".*"


def test_a_settings_file_of_the_wrong_shape_gets_one_line_and_is_not_touched(tmp_path):
    settings = tmp_path / ".claude" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{"hooks": {"Stop": {"a": 1}}}')
    result = cli("claude", home=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        f"tether-tui install-hooks: {settings}: hooks.Stop is not a list (the agent expects a list of hook groups); not touched"
    )
    assert settings.read_text() == '{"hooks": {"Stop": {"a": 1}}}'


def test_a_mistyped_project_folder_is_not_created(tmp_path):
    result = cli("claude", "--project", str(tmp_path / "no-such-repo"), home=tmp_path)
    assert result.returncode == 2 and "no such folder; nothing written" in result.stderr
    assert not (tmp_path / "no-such-repo").exists()


def test_gemini_settings_with_comments_are_read_and_never_rewritten_without_them(tmp_path):
    settings = tmp_path / ".gemini" / "settings.json"
    settings.parent.mkdir(parents=True)
    text = '{\n  // my theme\n  "ui": {"theme": "GitHub"}, /* keep "me" */\n  "url": "http://x//y"\n}\n'
    settings.write_text(text)
    dry = cli("gemini", "--dry-run", home=tmp_path)
    assert dry.returncode == 0 and '"BeforeTool"' in dry.stdout and '"url": "http://x//y"' in dry.stdout
    result = cli("gemini", home=tmp_path)
    assert result.returncode == 2 and "has comments, which rewriting it would lose; not touched" in result.stderr
    assert '"BeforeTool"' in result.stderr  # the entry to paste
    assert settings.read_text() == text
