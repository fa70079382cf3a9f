"""The real agents driven over ACP, offline against the scripted model API: Claude Code through
claude-agent-acp, Codex through codex-acp, Gemini CLI with --acp (all installed from npm at
pinned versions on first use)."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import tempfile
from pathlib import Path

import pytest

from runners import default_registry
from runners.acp.profiles import BUILTIN_PROFILES
from runners.launcher import SessionLauncher
from tests.agents import ACP_PACKAGES, PACKAGES, agent_bin, claude_env, codex_env, gemini_env, install_agents
from tests.fakes.model_api import ScriptedModel
from tests.waiting import read_first
from tests.waiting import until as _until
from tether_tui.models import SessionState, Via


async def until(check, timeout=120.0):
    await _until(check, timeout)


@pytest.fixture(autouse=True)
def started_from_a_plain_terminal(monkeypatch):
    """Agents get the environment tether-tui was started from: here, a plain terminal's (this
    machine's own, such as IS_SANDBOX, would change how Claude Code starts)."""
    keep = {"PATH", "LANG", "LC_ALL", "TERM", "TMPDIR", "USER", "SHELL", "HOME"}
    for name in list(os.environ):
        if name not in keep and not name.startswith("PYTEST"):
            monkeypatch.delenv(name)


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


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
@pytest.mark.parametrize("allow", [True, False], ids=["allowed", "denied"])
async def test_a_real_agent_started_from_the_dialog_asks_and_runs_only_when_allowed(
    make_store, tmp_path, acp_agents, cli_agents, agent, allow
):
    from textual.widgets import RadioButton, RadioSet

    from tether_tui.app import TetherApp
    from tether_tui.app.screens.new_session import NewSessionDialog
    from tether_tui.app.widgets.output_view import OutputView
    from tether_tui.runtime import Runtime

    store = make_store()
    project = tmp_path / "project"
    project.mkdir()
    project = project.resolve()
    home = tmp_path / "home"
    home.mkdir()
    target = project / "out.txt"
    with ScriptedModel(f"echo acp > {target}") as model:
        profile = profile_for(agent, acp_agents, cli_agents, home, model.url, project)
        app = TetherApp(Runtime(store, launcher=SessionLauncher(store, default_registry({agent: profile}))), user="dev")
        app.start_folder = str(project)
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, NewSessionDialog)
            index = [choice.name for choice in dialog.agents].index(agent)
            dialog.query_one("#agent", RadioSet).query(RadioButton)[index].value = True
            await pilot.press(*"Write the file please", "ctrl+s")
            await until(lambda: bool(store.approvals.pending()) or any(s.state.is_final for s in store.sessions()))
            (session,) = store.sessions()
            assert not session.state.is_final, session.error
            (request,) = store.approvals.pending()
            assert request.tool_name == profile.shell_tool
            assert f"echo acp > {target}" in str(request.tool_input["command"]), request.tool_input
            await pilot.pause()
            assert app.screen.selected_request_id == request.id
            if allow:
                await read_first(pilot)
                await pilot.press("a")
            else:
                await read_first(pilot)
                await pilot.press("D")
                await pilot.pause()
                await pilot.press(*"not now", "enter")
            await until(lambda: session.state in (SessionState.WAITING_INPUT, SessionState.ERROR, SessionState.STOPPED), 90)
            await asyncio.sleep(1.0)
            assert target.exists() == allow
            assert session.state is SessionState.WAITING_INPUT, session.error
            if allow:
                await until(lambda: "All done." in app.screen.query_one(OutputView).lines)
                assert any(line.startswith("✓ echo acp") for line in app.screen.query_one(OutputView).lines)
            else:  # shown as refused, and the reason reached the agent as its next prompt
                await until(
                    lambda: any(
                        line.startswith(f"› The user refused {profile.shell_tool} `") for line in app.screen.query_one(OutputView).lines
                    )
                )
                await until(lambda: any("not now" in str(body) for _, body in model.requests), 60)
            await store.stop_session(session.id, by="dev", via=Via.KEYBOARD)
            assert session.state is SessionState.STOPPED


class Project:
    def __init__(self, tmp_path: Path, name: str) -> None:
        self.path = tmp_path / name
        self.path.mkdir()
        self.path = self.path.resolve()
        self.home = tmp_path / f"{name}-home"
        self.home.mkdir()
        self.target = self.path / "out.txt"


@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
async def test_follow_up_turn_two_sessions_side_by_side_and_stop_while_asking(store, tmp_path, acp_agents, cli_agents, agent):
    first, second = Project(tmp_path, "one"), Project(tmp_path, "two")
    with ScriptedModel(f"echo acp > {first.target}") as model:
        profile = profile_for(agent, acp_agents, cli_agents, first.home, model.url, first.path)
        launcher = SessionLauncher(store, default_registry({agent: profile}))
        a = await launcher.start(agent, "Write the file please", directory=str(first.path))
        b = await launcher.start(agent, "Write the file please", directory=str(second.path))
        assert store.session(a).title != store.session(b).title
        await until(lambda: len(store.approvals.pending()) == 2)
        by_session = {r.session_id: r for r in store.approvals.pending()}
        store.approvals.decide(by_session[a].id, True, by="dev", via=Via.KEYBOARD)
        await until(lambda: first.target.exists() and store.session(a).state is SessionState.WAITING_INPUT)
        # a follow-up prompt is a second turn (the scripted model answers it with text)
        await store.send_input(a, "Thanks, anything else?", by="dev", via=Via.KEYBOARD)
        assert store.session(a).state is SessionState.RUNNING
        await until(lambda: any("Thanks, anything else?" in str(body) for _, body in model.requests))
        await until(lambda: store.session(a).state is SessionState.WAITING_INPUT)
        assert sum("All done." in line for line in store.output(a).lines()) == 2
        # stopping b while its request waits: withdrawn everywhere, the command never runs
        request = by_session[b]
        await store.stop_session(b, by="dev", via=Via.KEYBOARD)
        assert not request.pending and not request.decision.allowed
        assert store.session(b).state is SessionState.STOPPED
        await store.stop_session(a, by="dev", via=Via.KEYBOARD)
    await asyncio.sleep(0.5)
    assert first.target.read_text() == "acp\n" and not (second.path / "out.txt").exists()


async def test_a_request_answered_from_telegram_unblocks_a_real_agent(store, tmp_path, acp_agents, cli_agents):
    from tests.bridgekit import started
    from tests.fakes.telegram_api import FakeTelegram
    from tests.test_telegram import ALICE, GROUP, approval_message, make_bridge

    fake = FakeTelegram(group_id=GROUP)
    await fake.start()
    project = Project(tmp_path, "tg")
    bridge = await started(make_bridge(fake, tmp_path, store))
    try:
        with ScriptedModel(f"echo phone > {project.target}") as model:
            profile = profile_for("claude", acp_agents, cli_agents, project.home, model.url, project.path)
            launcher = SessionLauncher(store, default_registry({"claude": profile}))
            session_id = await launcher.start("claude", "Write the file please", directory=str(project.path))
            message = await fake.wait_for(lambda: approval_message(fake), 60)
            assert f"echo phone &gt; {project.target}" in message.text or f"echo phone > {project.target}" in message.text
            allow = message.reply_markup["inline_keyboard"][0][0]["callback_data"]
            fake.push_callback(message.message_id, allow, user=ALICE)
            await until(lambda: project.target.exists())
            await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
    finally:
        await bridge.stop()
        await fake.stop()
    assert project.target.read_text() == "phone\n"
    (decision,) = [r for r in store.audit.read() if r.get("event") == "decision"]
    assert (decision["outcome"], decision["via"], decision["by"]) == ("allow", "telegram", "alice")


LONG_WAIT = 180.0


async def test_requests_left_waiting_three_minutes_then_allowed_run_once_and_denied_never(store, tmp_path, acp_agents, cli_agents):
    """All three agents, each with one request allowed and one denied after three minutes, at
    once. None of them stopped waiting by itself within the three minutes (checked: the requests
    are still pending when decided)."""
    sessions = []
    models = []
    try:
        for agent in ("claude", "codex", "gemini"):
            for allow in (True, False):
                project = Project(tmp_path, f"{agent}-{'allow' if allow else 'deny'}")
                model = ScriptedModel(f"echo waited >> {project.target}").__enter__()
                models.append(model)
                profile = profile_for(agent, acp_agents, cli_agents, project.home, model.url, project.path)
                launcher = SessionLauncher(store, default_registry({agent: profile}))
                session_id = await launcher.start(agent, "Write the file please", directory=str(project.path))
                sessions.append((agent, allow, session_id, project))
        await until(lambda: len(store.approvals.pending()) == len(sessions))
        await asyncio.sleep(LONG_WAIT)
        waiting = {r.session_id: r for r in store.approvals.pending()}
        assert len(waiting) == len(sessions), "an agent stopped waiting by itself"
        for _agent, allow, session_id, _project in sessions:
            store.approvals.decide(waiting[session_id].id, allow, by="dev", via=Via.KEYBOARD)
        for _agent, allow, _session_id, project in sessions:
            if allow:
                await until(lambda target=project.target: target.exists())
        await asyncio.sleep(3)
        for agent, allow, _session_id, project in sessions:
            assert project.target.exists() == allow, agent
            if allow:
                assert project.target.read_text() == "waited\n", agent  # ran exactly once
    finally:
        for _agent, _allow, session_id, _project in sessions:
            await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
        for model in models:
            model.__exit__(None, None, None)


async def test_a_codex_provider_keyed_by_any_variable_works_when_it_is_set_where_tether_tui_started(
    store, tmp_path, acp_agents, cli_agents, monkeypatch
):
    """Codex's provider reads its key from a variable the profile knows nothing of: the agent
    gets the user's environment, so it works; without the variable the session says why."""
    project = Project(tmp_path, "keyed")
    with ScriptedModel(f"echo acp > {project.target}") as model:
        profile = profile_for("codex", acp_agents, cli_agents, project.home, model.url, project.path)
        config = project.home / ".codex" / "config.toml"
        config.write_text(config.read_text().replace('env_key = "FAKE_API_KEY"', 'env_key = "ACME_LLM_GATEWAY_KEY"'))
        profile = dataclasses.replace(profile, env={k: v for k, v in profile.env.items() if k != "FAKE_API_KEY"})
        launcher = SessionLauncher(store, default_registry({"codex": profile}))

        monkeypatch.delenv("ACME_LLM_GATEWAY_KEY", raising=False)
        unset = await launcher.start("codex", "Write the file please", directory=str(project.path))
        # codex-acp writes the reason to stderr and fails the turn (or ends it without a word)
        await until(lambda: "ACME_LLM_GATEWAY_KEY" in "\n".join(store.output(unset).lines()), 60)
        shown = "\n".join(store.output(unset).lines())
        assert "Missing environment variable: `ACME_LLM_GATEWAY_KEY`" in shown, shown
        await store.stop_session(unset, by="dev", via=Via.KEYBOARD)

        monkeypatch.setenv("ACME_LLM_GATEWAY_KEY", "sk-test")
        keyed = await launcher.start("codex", "Write the file please", directory=str(project.path))
        await until(lambda: bool(store.approvals.pending()))
        (request,) = store.approvals.pending()
        assert f"echo acp > {project.target}" in str(request.tool_input["command"])
        store.approvals.decide(request.id, True, by="dev", via=Via.KEYBOARD)
        await until(lambda: project.target.exists())
        await store.stop_session(keyed, by="dev", via=Via.KEYBOARD)


@pytest.mark.slow
@pytest.mark.parametrize("agent", ["claude", "codex", "gemini"])
async def test_a_real_agent_whose_runtime_was_killed_resumes_from_the_dashboard_and_from_telegram(tmp_path, acp_agents, cli_agents, agent):
    """A turn; the runtime killed with SIGKILL; a new runtime; resumed with r, a follow-up; ended,
    resumed with /resume in its Telegram topic, a follow-up from the phone. Each follow-up reaches
    the model with the turns before it (the agent loaded its conversation), and the output
    history, the topic and the session's rule are the ones from before. Gemini CLI cannot load
    a conversation: that is said, and a new session offered."""
    from tests.fakes.telegram_api import FakeTelegram
    from tests.runtime_process import build
    from tests.test_resume import killed_runtime
    from tests.test_telegram import ALICE, GROUP
    from tether_tui.app import TetherApp
    from tether_tui.app.screens.dialogs import ConfirmDialog
    from tether_tui.app.screens.new_session import NewSessionDialog

    def asked(text: str) -> dict | None:
        return next((body for _, body in model.requests if text in json.dumps(body)), None)

    fake = FakeTelegram(group_id=GROUP)
    await fake.start()
    project = Project(tmp_path, agent)
    data = tmp_path / "data"
    data.mkdir()
    try:
        with ScriptedModel(f"echo acp > {project.target}") as model:
            profile = profile_for(agent, acp_agents, cli_agents, project.home, model.url, project.path)
            spec = {
                "data": str(data),
                "folder": str(project.path),
                "prompt": "Write the file please",
                "profile": {**dataclasses.asdict(profile), "command": list(profile.command)},
                "session_rule": True,
                "telegram": {"url": fake.base_url, "token": fake.token, "group": fake.group_id, "allowed": [ALICE["id"]]},
            }
            session_id = await asyncio.to_thread(killed_runtime, spec)  # the fake Bot API answers meanwhile
            assert project.target.read_text() == "acp\n"  # the first turn ran, under the session's rule
            (topic,) = fake.topics

            runtime = build(spec)
            store = runtime.store
            app = TetherApp(runtime, user="dev")
            async with app.run_test(size=(120, 36)) as pilot:
                await until(lambda: store.has_session(session_id), 30)
                session = store.session(session_id)
                assert session.resumable and session.metadata["ended"] == "the dashboard stopped"
                assert any(r.session_id == session_id for r in store.approvals.rules())
                history = store.output(session_id).lines()
                assert "All done." in history
                await pilot.pause()
                assert app.screen.selected_session_id == session_id
                await pilot.press("r")
                if agent == "gemini":
                    # Gemini CLI 0.61 offers session/load, but its load fails ("No previous sessions
                    # found for this project"): said in words, and a new session in the folder offered
                    try:
                        await until(lambda: isinstance(app.screen, ConfirmDialog))
                    except AssertionError:
                        raise AssertionError(
                            f"no dialog; {session.state}; screen {app.screen}; output:\n"
                            + "\n".join(store.output(session_id).lines()[-15:])
                        ) from None
                    assert "Gemini CLI could not load its conversation" in app.screen.question
                    assert "No previous sessions found for this project" in app.screen.question
                    await pilot.press("y")
                    await pilot.pause()
                    assert isinstance(app.screen, NewSessionDialog)
                    assert app.screen.query_one("#folder").value == str(project.path) and app.screen.chosen_agent == "gemini"
                    return
                await until(lambda: session.state is SessionState.WAITING_INPUT or session.state.is_final)
                assert not session.state.is_final, "\n".join(store.output(session_id).lines())
                await app.send_input(session_id, "Second question")
                await until(lambda: asked("Second question") is not None)
                assert "Write the file please" in json.dumps(asked("Second question"))  # the conversation was loaded
                await until(lambda: session.state is SessionState.WAITING_INPUT)
                assert store.output(session_id).lines()[: len(history)] == history  # the same history, carried on

                await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
                fake.push_text("/resume", thread_id=topic, user=ALICE)
                await until(lambda: session.state in (SessionState.WAITING_INPUT, SessionState.ERROR))
                assert not session.state.is_final, "\n".join(store.output(session_id).lines())
                fake.push_text("Third question", thread_id=topic, user=ALICE)
                await until(lambda: asked("Third question") is not None)
                third = json.dumps(asked("Third question"))
                assert "Write the file please" in third and "Second question" in third
                await until(lambda: session.state is SessionState.WAITING_INPUT)
                assert list(fake.topics) == [topic]  # the same topic all along
                await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
    finally:
        await fake.stop()
