"""The ACP runner against a scripted ACP agent (tests/fakes/acp_agent.py, written with the same
package's agent side): streaming, permissions through the store, input, stop, crashes."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from runners import RunnerUnavailableError, default_registry
from runners.acp.profiles import AgentProfile
from runners.launcher import SessionLauncher
from tests.waiting import read_first, until
from tether_tui.models import SessionState, Via

FAKE = str(Path(__file__).resolve().parent / "fakes" / "acp_agent.py")


def scripted(*mode: str) -> AgentProfile:
    return AgentProfile(name="scripted", label="Scripted agent", command=(sys.executable, FAKE, *mode))


def launcher_for(store, *mode: str) -> SessionLauncher:
    return SessionLauncher(store, default_registry({"scripted": scripted(*mode)}))


def text(store, session_id) -> str:
    return "\n".join(store.output(session_id).lines())


async def test_allowed_shell_call_runs_and_denied_never_does(store, tmp_path):
    launcher = launcher_for(store)
    allowed = await launcher.start("scripted", "make allowed.txt", directory=str(tmp_path))
    denied = await launcher.start("scripted", "make denied.txt", directory=str(tmp_path))
    await until(lambda: len(store.approvals.pending()) == 2)
    by_session = {r.session_id: r for r in store.approvals.pending()}
    request = by_session[allowed]
    assert request.tool_name == "Bash" and request.tool_input["command"] == "touch allowed.txt"
    assert "I will create the file with a shell command." in text(store, allowed)
    store.approvals.decide(request.id, True, by="dev", via=Via.KEYBOARD)
    store.approvals.decide(by_session[denied].id, False, by="dev", via=Via.KEYBOARD, reason="not today")
    await until(lambda: "Created allowed.txt." in text(store, allowed))
    await until(lambda: "did not create the file" in text(store, denied))
    assert (tmp_path / "allowed.txt").exists() and not (tmp_path / "denied.txt").exists()
    # the reason reached the agent as its next prompt
    await until(lambda: "You said: The user refused" in text(store, denied) and "not today" in text(store, denied))
    assert "Plan:" in text(store, allowed) and "✓ touch allowed.txt" in text(store, allowed)
    usage = store.session(allowed).usage
    assert (usage.context_tokens, usage.context_size, usage.turns) == (1200, 200000, 1)
    assert "context 1,200 of 200,000 tokens" in usage.describe()
    await store.stop_session(allowed, by="dev", via=Via.KEYBOARD)
    await store.stop_session(denied, by="dev", via=Via.KEYBOARD)


async def test_follow_up_input_and_a_stop_mid_turn(store, tmp_path):
    launcher = launcher_for(store)
    session_id = await launcher.start("scripted", "make a.txt", directory=str(tmp_path))
    await until(lambda: bool(store.approvals.pending()))
    await store.send_input(session_id, "and also b", by="dev", via=Via.KEYBOARD)
    assert store.session(session_id).queued_input == 1  # the turn is still running
    store.approvals.decide(store.approvals.pending()[0].id, True, by="dev", via=Via.KEYBOARD)
    await until(lambda: "You said: and also b" in text(store, session_id))
    assert store.session(session_id).queued_input == 0
    await until(lambda: store.session(session_id).state is SessionState.WAITING_INPUT)
    code = await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
    assert store.session(session_id).state is SessionState.STOPPED and code == 0  # it ended when its input closed


async def test_stop_while_a_permission_waits_withdraws_it_and_the_tool_never_runs(store, tmp_path):
    launcher = launcher_for(store)
    session_id = await launcher.start("scripted", "make never.txt", directory=str(tmp_path))
    await until(lambda: bool(store.approvals.pending()))
    (request,) = store.approvals.pending()
    await asyncio.wait_for(store.stop_session(session_id, by="dev", via=Via.KEYBOARD), 15)
    assert not request.pending and not request.decision.allowed
    assert store.session(session_id).state is SessionState.STOPPED
    await asyncio.sleep(0.5)
    assert not (tmp_path / "never.txt").exists()


async def test_a_missing_command_names_what_to_install(store, tmp_path):
    launcher = SessionLauncher(store)
    profile = AgentProfile(
        name="x", label="Claude Code", command=("claude-agent-acp-missing",), install="npm install -g @zed-industries/claude-agent-acp"
    )
    launcher.registry.register(
        "x",
        lambda events, config: __import__("runners.acp.runner", fromlist=["AcpRunner"]).AcpRunner(
            events, profile=profile, directory=config.get("directory")
        ),
        runs_in_folder=True,
    )
    with pytest.raises(RunnerUnavailableError, match="npm install -g @zed-industries/claude-agent-acp"):
        await launcher.start("x", "hi", directory=str(tmp_path))
    (session,) = store.sessions()
    assert session.state is SessionState.ERROR and "not found on PATH" in session.error


async def test_a_crash_mid_turn_says_why(store, tmp_path):
    session_id = await launcher_for(store, "crash").start("scripted", "go", directory=str(tmp_path))
    await until(lambda: store.session(session_id).state is SessionState.ERROR)
    assert "exited with code 3" in store.session(session_id).error
    assert "fatal: the model API went away" in store.session(session_id).error


async def test_fifty_megabytes_of_stderr_never_stall_the_agent(store, tmp_path):
    session_id = await launcher_for(store, "stderr", "50").start("scripted", "make s.txt", directory=str(tmp_path))
    await until(lambda: bool(store.approvals.pending()), timeout=60)
    store.approvals.decide(store.approvals.pending()[0].id, True, by="dev", via=Via.KEYBOARD)
    await until(lambda: (tmp_path / "s.txt").exists(), timeout=30)
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


def test_the_default_registry_has_the_agent_profiles():
    registry = default_registry()
    assert {"demo", "claude", "codex", "gemini"} <= set(registry.list())
    assert registry.runs_in_folder("claude") and not registry.runs_in_folder("demo")


async def test_started_from_the_dialog_streams_asks_and_runs_once_allowed(make_store, tmp_path):
    from tether_tui.app import TetherApp
    from tether_tui.app.screens.dialogs import ConfirmDialog
    from tether_tui.app.screens.new_session import NewSessionDialog
    from tether_tui.app.widgets.output_view import OutputView
    from tether_tui.app.widgets.request_preview import RequestPreview
    from tether_tui.runtime import Runtime

    store = make_store()
    app = TetherApp(Runtime(store), user="dev")
    app.launcher.registry.register_profile(scripted())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        labels = [choice.label for choice in dialog.agents]
        assert labels[0] == "Scripted agent (scripted)" and any("Claude Code" in label for label in labels)
        dialog.query_one("#folder").value = str(tmp_path / "missing")
        await pilot.press(*"make from-dialog.txt", "ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, NewSessionDialog)  # a folder that does not exist is refused
        assert "is not a folder" in str(dialog.query_one("#error").render())
        dialog.query_one("#folder").value = str(tmp_path)
        await pilot.press("ctrl+s")
        await until(lambda: bool(store.approvals.pending()))
        await pilot.pause()
        (request,) = store.approvals.pending()
        assert request.tool_input["command"] == "touch from-dialog.txt"
        assert "I will create the file with a shell command." in "\n".join(app.screen.query_one(OutputView).lines)
        assert "$ touch from-dialog.txt" in str(app.screen.query_one(RequestPreview).render())
        await read_first(pilot)
        await pilot.press("a")
        await until(lambda: (tmp_path / "from-dialog.txt").exists())
        await until(lambda: store.session(request.session_id).state is SessionState.WAITING_INPUT)
        assert app.runtime.running_agents() == [request.session_id]
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await until(lambda: store.session(request.session_id).state is SessionState.STOPPED)


async def test_approval_modes_are_our_own_audited_rules(store, tmp_path):
    launcher = launcher_for(store)
    bypass = await launcher.start("scripted", "make bypass.txt", directory=str(tmp_path), approval_choice=2)
    await until(lambda: (tmp_path / "bypass.txt").exists())
    assert store.approvals.pending() == []
    (rule,) = [r for r in store.approvals.rules() if r.session_id == bypass]
    assert rule.created_by == "approval mode 2"
    decisions = [r for r in store.audit.read() if r.get("event") == "decision"]
    assert decisions[-1]["via"] == "auto-approve" and decisions[-1]["tool_input"]["command"] == "touch bypass.txt"
    edits = await launcher.start("scripted", "make edits.txt", directory=str(tmp_path), approval_choice=1)
    await until(lambda: bool(store.approvals.pending()))  # a shell call is no edit: it asks
    covered = {r.tool_name for r in store.approvals.rules() if r.session_id == edits}
    assert covered == {"Edit", "Write", "MultiEdit"}
    await store.stop_session(bypass, by="dev", via=Via.KEYBOARD)
    await store.stop_session(edits, by="dev", via=Via.KEYBOARD)


async def test_an_agent_that_stops_waiting_has_its_request_withdrawn_and_nothing_runs(store, tmp_path):
    session_id = await launcher_for(store, "giveup").start("scripted", "make late.txt", directory=str(tmp_path))
    await until(lambda: "Never mind, I will not wait." in text(store, session_id))
    await until(lambda: not store.approvals.pending())
    (decision,) = [r for r in store.audit.read() if r.get("event") == "decision"]
    assert decision["outcome"] == "deny" and decision["reason"] == "the agent stopped waiting for an answer"
    assert not (tmp_path / "late.txt").exists()
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


async def test_a_terminated_dashboard_stops_the_agents_it_started(make_store, tmp_path):
    import os
    import signal

    from tether_tui.app import TetherApp
    from tether_tui.runtime import Runtime

    def agents_running() -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    command = (entry / "cmdline").read_bytes()
                except OSError:
                    continue
                if FAKE.encode() in command:
                    found.append(int(entry.name))
        return found

    store = make_store()
    app = TetherApp(Runtime(store), user="dev")
    app.launcher.registry.register_profile(scripted())
    async with app.run_test(size=(100, 30)):
        session_id = await app.launcher.start("scripted", "make never.txt", directory=str(tmp_path))
        await until(lambda: bool(store.approvals.pending()))
        assert agents_running()
        assert signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None)  # the dashboard's: pytest lives on
        os.kill(os.getpid(), signal.SIGTERM)
        await until(lambda: store.session(session_id).state.is_final, 15)
        await until(lambda: not agents_running(), 15)
    assert signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None)  # given back on exit
    assert not (tmp_path / "never.txt").exists()


# ------------------------------------------------------------------------------------ the agent's environment
async def test_the_agent_gets_the_users_environment_so_any_provider_key_works(store, tmp_path, monkeypatch):
    monkeypatch.setenv("MY_PROVIDER_KEY", "sk-test")
    launcher = launcher_for(store, "needs-env", "MY_PROVIDER_KEY")
    session_id = await launcher.start("scripted", "hello", directory=str(tmp_path))
    await until(lambda: "MY_PROVIDER_KEY is set." in text(store, session_id))
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


async def test_tether_tuis_own_secrets_never_reach_the_agent(store, tmp_path, monkeypatch):
    monkeypatch.setenv("TETHER_TUI_TELEGRAM_TOKEN", "123:secret")
    launcher = launcher_for(store, "needs-env", "TETHER_TUI_TELEGRAM_TOKEN")
    session_id = await launcher.start("scripted", "hello", directory=str(tmp_path))
    await until(lambda: "the turn ended without an answer" in text(store, session_id))
    assert "is set" not in text(store, session_id)
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


async def test_a_turn_that_ends_without_an_answer_shows_the_agents_error(store, tmp_path, monkeypatch):
    monkeypatch.delenv("MY_MISSING_KEY", raising=False)
    launcher = launcher_for(store, "needs-env", "MY_MISSING_KEY")
    session_id = await launcher.start("scripted", "hello", directory=str(tmp_path))
    await until(lambda: "the turn ended without an answer" in text(store, session_id))
    shown = text(store, session_id)
    assert "Missing environment variable: `MY_MISSING_KEY`." in shown
    assert shown.index("Missing environment variable") < shown.index("the turn ended without an answer")
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
