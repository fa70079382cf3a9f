"""The core, the runners and the bridge base load without Textual or any chat library."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("textual", "rich", "telegram", "slack_bolt", "slack_sdk", "discord", "aiohttp", "httpx")


def test_library_imports_load_no_ui_or_chat_library():
    code = (
        "import sys, tether_tui, bridges, runners, tether_tui.cli, tether_tui.store, runners.launcher, runners.demo\n"
        "import tether_tui.gateway, tether_tui.hookclient, tether_tui.install_hooks, tether_tui.runtime, tether_tui.serve\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_every_core_module_is_under_the_contract():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contract = config["tool"]["importlinter"]["contracts"][0]
    listed = set(contract["source_modules"])
    # the commands and the runtime they run sit above bridges and runners
    commands = ("__init__", "__main__", "cli", "doctor", "chat_setup", "remote_setup", "runtime", "serve")
    core = {f"tether_tui.{p.stem}" for p in (ROOT / "tether_tui").glob("*.py") if p.stem not in commands}
    assert core <= listed, f"add to the import contract: {sorted(core - listed)}"


def test_screens_and_widgets_do_not_import_the_application_module():
    import ast

    for folder in ("screens", "widgets"):
        for path in (ROOT / "tether_tui" / "app" / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom) and node.module in ("tether_tui.app.app", "tether_tui.app"):
                    raise AssertionError(f"{path.name} imports {node.module}: reach the app through self.app")
