"""The real agents driven over ACP, offline against the scripted model API: Claude Code through
claude-agent-acp, Codex through codex-acp, Gemini CLI with --acp (all installed from npm at
pinned versions on first use)."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from pathlib import Path

import pytest

from runners import default_registry
from runners.acp.profiles import BUILTIN_PROFILES
from runners.launcher import SessionLauncher
from tests.agents import ACP_PACKAGES, PACKAGES, agent_bin, claude_env, codex_env, gemini_env, install_agents
from tests.fakes.model_api import ScriptedModel
from tether_tui.models import SessionState, Via


@pytest.fixture(scope="session")
def acp_agents() -> Path:
    return install_agents(ACP_PACKAGES)


@pytest.fixture(scope="session")
def cli_agents() -> Path:
    return install_agents(PACKAGES)


def profile_for(name: str, acp_agents: Path, cli_agents: Path, home: Path, model_url: str, project: Path):
    runtime = Path(tempfile.mkdtemp(prefix="tt-"))
    if name == "claude":
        command = (agent_bin(acp_agents, "claude-agent-acp"),)
        env = claude_env(home, runtime, model_url)
    elif name == "codex":
        command = (agent_bin(acp_agents, "codex-acp"),)
        env = codex_env(home, runtime, model_url, project)
        config = home / ".codex" / "config.toml"
        config.write_text('sandbox_mode = "danger-full-access"\napproval_policy = "untrusted"\n' + config.read_text())
    else:
        command = (agent_bin(cli_agents, "gemini"), "--acp", "-m", "gemini-2.5-flash")
        env = gemini_env(home, runtime, model_url)
    return dataclasses.replace(BUILTIN_PROFILES[name], command=command, env=env)


async def until(check, timeout=120.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        if loop.time() > deadline:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
@pytest.mark.parametrize("allow", [True, False], ids=["allowed", "denied"])
async def test_a_real_agent_asks_through_the_store_and_runs_only_when_allowed(store, tmp_path, acp_agents, cli_agents, agent, allow):
    project = (tmp_path / "project")
    project.mkdir()
    project = project.resolve()
    home = tmp_path / "home"
    home.mkdir()
    target = project / "out.txt"
    with ScriptedModel(f"echo acp > {target}") as model:
        profile = profile_for(agent, acp_agents, cli_agents, home, model.url, project)
        launcher = SessionLauncher(store, default_registry({agent: profile}))
        session_id = await launcher.start(agent, "Write the file please", directory=str(project))
        try:
            await until(lambda: bool(store.approvals.pending()) or store.session(session_id).state.is_final)
            assert not store.session(session_id).state.is_final, store.session(session_id).error
            (request,) = store.approvals.pending()
            assert request.tool_name == profile.shell_tool
            assert f"echo acp > {target}" in str(request.tool_input["command"]), request.tool_input
            store.approvals.decide(request.id, allow, by="dev", via=Via.KEYBOARD, reason=None if allow else "not now")
            if allow:
                await until(lambda: target.exists())
                assert target.read_text() == "acp\n"
            await until(lambda: store.session(session_id).state in (SessionState.WAITING_INPUT, SessionState.ERROR, SessionState.STOPPED), 60)
            await asyncio.sleep(1.0)
            assert target.exists() == allow
            assert store.session(session_id).state is SessionState.WAITING_INPUT, store.session(session_id).error
        finally:
            await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
        assert store.session(session_id).state is SessionState.STOPPED
