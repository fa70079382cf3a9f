"""The real Claude Code, Codex and Gemini CLIs, hooks installed by `tether-tui install-hooks`,
asking the running dashboard (headless, driven by Pilot) through the gateway."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.agents import agent_bin, claude_env, codex_env, gemini_env, install_agents
from tests.fakes.model_api import ScriptedModel
from tests.waiting import read_first, until
from tether_tui.app import TetherApp
from tether_tui.audit import AuditLog
from tether_tui.gateway import Gateway
from tether_tui.models import RuleScope, Via
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def agents() -> Path:
    return install_agents()


@dataclass
class Workspace:
    project: Path
    home: Path
    runtime: Path
    audit: Path

    @property
    def target(self) -> Path:
        return self.project / "out.txt"


@pytest.fixture
def ws(tmp_path, monkeypatch) -> Workspace:
    runtime = Path(tempfile.mkdtemp(prefix="tt-"))  # short: Unix socket paths are limited to 107 bytes
    monkeypatch.setenv("TETHER_TUI_RUNTIME_DIR", str(runtime))
    project = tmp_path / "project"
    home = tmp_path / "home"
    project.mkdir()
    home.mkdir()
    return Workspace(project.resolve(), home, runtime, tmp_path / "audit.jsonl")


def install_hooks(agent: str, ws: Workspace, *where: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tether_tui", "install-hooks", agent, *(where or ("--project", str(ws.project)))],
        env={**os.environ, "HOME": str(ws.home), "CODEX_HOME": str(ws.home / ".codex")},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "installed tether-tui hooks" in result.stdout


async def wait_until(predicate: Callable[[], object], timeout: float = 90.0) -> None:
    await until(predicate, timeout)


async def run_agent(argv: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 180)
    return process.returncode or 0, output.decode(errors="replace")


async def with_dashboard(
    ws: Workspace,
    argv: list[str],
    env: dict[str, str],
    act: Callable[..., Awaitable[None]] | None,
    prepare: Callable[[SessionStore], None] | None = None,
) -> tuple[SessionStore, int, str]:
    """Run the agent while the dashboard runs; ``act(pilot, store)`` answers its request."""
    store = SessionStore(audit=AuditLog(ws.audit))
    if prepare:
        prepare(store)
    app = TetherApp(Runtime(store, gateway=Gateway(store)), user="dev")
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_until(lambda: (ws.runtime / "gateway.sock").exists(), 10)
        agent = asyncio.create_task(run_agent(argv, env, ws.project))
        if act is not None:
            await wait_until(lambda: store.approvals.pending() or agent.done())
            assert not agent.done(), agent.result()[1][-3000:]
            await pilot.pause()
            await act(pilot, store)
        code, output = await agent
        await pilot.pause()
    return store, code, output


def claude_argv(agents: Path) -> list[str]:
    return [
        agent_bin(agents, "claude"),
        "-p",
        "write the file",
        "--output-format",
        "stream-json",
        "--verbose",
        "--permission-mode",
        "default",
    ]


async def test_claude_request_approved_from_the_keyboard_writes_the_file(agents, ws):
    install_hooks("claude", ws)

    async def approve(pilot, store):
        request = store.approvals.pending()[0]
        assert request.tool_name == "Bash" and str(ws.target) in request.summary
        assert store.session(request.session_id).title == "claude · project"
        await read_first(pilot)
        await pilot.press("a")

    with ScriptedModel(f"echo approved > {ws.target}") as model:
        store, code, output = await with_dashboard(ws, claude_argv(agents), claude_env(ws.home, ws.runtime, model.url), approve)
    assert code == 0, output[-2000:]
    assert ws.target.read_text() == "approved\n"
    (session,) = store.sessions()
    assert "All done." in store.output(session.id).lines()
    record = json.loads(ws.audit.read_text().splitlines()[-1])
    assert (record["outcome"], record["by"], record["via"]) == ("allow", "dev", "keyboard")


async def test_claude_denied_with_a_reason_keeps_the_file_unwritten_and_tells_the_model(agents, ws):
    install_hooks("claude", ws)

    async def deny(pilot, store):
        await read_first(pilot)
        await pilot.press("D")
        await pilot.pause()
        await pilot.press(*"write it under build/ instead", "enter")

    with ScriptedModel(f"echo denied > {ws.target}") as model:
        _, code, output = await with_dashboard(ws, claude_argv(agents), claude_env(ws.home, ws.runtime, model.url), deny)
        results = model.tool_results()
    assert code == 0, output[-2000:]
    assert not ws.target.exists()
    assert any("write it under build/ instead" in result for result in results), results


async def test_claude_auto_approve_rule_lets_it_through_and_is_audited(agents, ws):
    install_hooks("claude", ws)

    def allow_project(store):
        store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="dev", via=Via.KEYBOARD, directory=str(ws.project))

    with ScriptedModel(f"echo auto > {ws.target}") as model:
        _, code, output = await with_dashboard(ws, claude_argv(agents), claude_env(ws.home, ws.runtime, model.url), None, allow_project)
    assert code == 0, output[-2000:]
    assert ws.target.read_text() == "auto\n"
    decisions = [json.loads(line) for line in ws.audit.read_text().splitlines() if '"decision"' in line]
    assert [(d["outcome"], d["via"]) for d in decisions] == [("allow", "auto-approve")]


async def test_claude_without_a_dashboard_keeps_its_own_decision(agents, ws):
    install_hooks("claude", ws)
    with ScriptedModel(f"echo nobody > {ws.target}") as model:
        code, output = await run_agent(claude_argv(agents), claude_env(ws.home, ws.runtime, model.url), ws.project)
    assert code == 0, output[-2000:]
    assert not ws.target.exists()  # -p mode cannot ask, so Claude's own policy refused
    assert "permission_denied" in output or "needs approval" in output


async def test_codex_pre_tool_use_denied_from_the_dashboard_blocks_the_command(agents, ws):
    install_hooks("codex", ws, "--user")

    async def deny(pilot, store):
        assert store.approvals.pending()[0].tool_name == "Bash"
        await read_first(pilot)
        await pilot.press("d")

    with ScriptedModel(f"echo codex > {ws.target}") as model:
        env = codex_env(ws.home, ws.runtime, model.url, ws.project)
        # a fresh CODEX_HOME has not trusted any hook yet; a user trusts ours once in Codex's /hooks
        argv = [agent_bin(agents, "codex"), "exec", "--skip-git-repo-check", "--dangerously-bypass-hook-trust", "write the file"]
        store, code, output = await with_dashboard(ws, argv, env, deny)
        results = model.tool_results()
    assert code == 0, output[-3000:]
    assert not ws.target.exists()
    assert any("blocked by PreToolUse hook" in r for r in results), results
    assert store.sessions()[0].title == "codex · project"


@pytest.mark.parametrize("key", ["a", "d"])
async def test_gemini_before_tool_allow_and_deny_take_effect(agents, ws, key):
    install_hooks("gemini", ws)

    async def decide(pilot, store):
        assert store.approvals.pending()[0].tool_name == "run_shell_command"
        await read_first(pilot)
        await pilot.press(key)

    with ScriptedModel(f"echo gemini > {ws.target}") as model:
        argv = [agent_bin(agents, "gemini"), "-p", "write the file", "--yolo"]
        _, code, output = await with_dashboard(ws, argv, gemini_env(ws.home, ws.runtime, model.url), decide)
        results = model.tool_results()
    assert code == 0, output[-3000:]
    assert ws.target.exists() == (key == "a")
    if key == "d":
        assert any("blocked" in r for r in results), results
