"""Agents on another machine over the user's own ssh, against a real sshd on 127.0.0.1: a hook
run there reaches this dashboard with its host; a dropped connection withdraws what waited and
comes back; a machine without tether-tui says how to install it; nobody else there can use the
forwarded socket."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import stat
import subprocess
import sys

import pytest

from tests.sshd import Sshd
from tests.waiting import read_first, until
from tether_tui.app.app import TetherApp
from tether_tui.app.widgets.status_bar import StatusBar
from tether_tui.audit import AuditLog
from tether_tui.config import Config
from tether_tui.gateway import Gateway
from tether_tui.models import Outcome, SessionState, Via
from tether_tui.remotes import RemoteSupervisor
from tether_tui.runtime import Runtime
from tether_tui.store import SessionStore

EVENT = {
    "session_id": "remote-1", "hook_event_name": "PreToolUse", "tool_name": "Bash",
    "tool_input": {"command": "make deploy"}, "cwd": "/srv/api", "tool_use_id": "toolu_1",
    "transcript_path": "/tmp/t.jsonl", "permission_mode": "default",
}  # fmt: skip


@pytest.fixture
async def sshd(tmp_path):
    server = Sshd(tmp_path / "sshd")
    await server.start()
    yield server
    await server.stop()


async def run_hook(sshd: Sshd, event: dict, *extra: str, over_ssh: bool = True) -> asyncio.subprocess.Process:
    """``tether-tui hook claude`` on the remote: started over ssh, or (``over_ssh=False``) as the
    agent there starts it, a process on that machine with that machine's runtime folder."""
    command = ["tether-tui", "hook", "claude", *extra]
    argv = sshd.ssh(*command) if over_ssh else [sys.executable, "-m", "tether_tui", *command[1:]]
    env = {**os.environ, "TETHER_TUI_RUNTIME_DIR": str(sshd.remote_runtime)}
    process = await asyncio.create_subprocess_exec(
        *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )  # fmt: skip
    assert process.stdin is not None
    process.stdin.write(json.dumps(event).encode())
    await process.stdin.drain()
    process.stdin.close()
    return process


def dashboard(sshd: Sshd, tmp_path, *remotes) -> tuple[TetherApp, SessionStore, RemoteSupervisor]:
    store = SessionStore(config=Config(remotes=remotes or (sshd.remote(),)), audit=AuditLog(tmp_path / "audit.jsonl"))
    gateway = Gateway(store)
    supervisor = RemoteSupervisor(store, gateway, backoff=(0.5, 1.0))
    return TetherApp(Runtime(store, gateway=gateway, remotes=supervisor), user="dev"), store, supervisor


def health(store: SessionStore, name: str = "devbox") -> tuple[str, str | None]:
    return store.bridge_health.get(f"@{name}", ("", None))


async def test_a_hook_run_over_ssh_shows_its_host_and_a_answers_it(sshd, tmp_path):
    app, store, supervisor = dashboard(sshd, tmp_path)
    async with app.run_test(size=(160, 40)) as pilot:
        await until(lambda: health(store)[0] == "connected", 30)
        assert "tether-tui 0.1.0" in (health(store)[1] or "")
        remote_socket = sshd.remote_runtime / "gateway.sock"
        info = remote_socket.stat()
        assert stat.S_ISSOCK(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
        assert stat.S_IMODE(sshd.remote_runtime.stat().st_mode) == 0o700
        local = supervisor.links["devbox"].local_socket
        assert stat.S_IMODE(local.stat().st_mode) == 0o600

        hook = await run_hook(sshd, EVENT)
        await until(lambda: store.approvals.pending(), 20)
        (request,) = store.approvals.pending()
        session = store.session(request.session_id)
        assert session.title == "claude · api @ devbox" and session.host == "devbox" and request.host == "devbox"
        await pilot.pause()
        assert "claude · api @ devbox" in app.screen.query_one("#sessions").render_line(1).text
        await read_first(pilot)
        await pilot.press("a")
        stdout, stderr = await asyncio.wait_for(hook.communicate(), 20)
        answer = json.loads(stdout)
        assert answer["hookSpecificOutput"]["permissionDecision"] == "allow", stderr
        assert request.decision.by == "dev"
        await supervisor.stop_all()


async def test_another_user_on_the_remote_cannot_reach_the_dashboard(sshd, tmp_path):
    assert os.geteuid() == 0, "acting as another user (setpriv) needs root, as the sshd tests do"
    app, store, supervisor = dashboard(sshd, tmp_path)
    async with app.run_test(size=(120, 30)):
        await until(lambda: health(store)[0] == "connected", 30)
        remote_socket = sshd.remote_runtime / "gateway.sock"
        probe = (
            "import socket, sys\n"
            "s = socket.socket(socket.AF_UNIX)\n"
            f"try:\n    s.connect({str(remote_socket)!r})\nexcept OSError as e:\n    print(type(e).__name__)\nelse:\n    print('connected')\n"
        )
        # nobody (uid 65534) tries the socket: the 0700 folder and the 0600 socket keep it out
        result = await asyncio.to_thread(
            subprocess.run,
            ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert result.stdout.strip() == "PermissionError", result.stdout + result.stderr
        await supervisor.stop_all()


async def test_a_dropped_remote_withdraws_what_waited_and_comes_back(sshd, tmp_path):
    app, store, supervisor = dashboard(sshd, tmp_path)
    async with app.run_test(size=(200, 40)) as pilot:
        await until(lambda: health(store)[0] == "connected", 30)
        hook = await run_hook(sshd, EVENT, over_ssh=False)  # the default fallback: no decision
        await until(lambda: store.approvals.pending(), 20)
        (request,) = store.approvals.pending()

        await sshd.stop()  # the machine (its sshd and every connection) goes away mid-wait
        stdout, stderr = await asyncio.wait_for(hook.communicate(), 30)
        assert hook.returncode == 0 and stdout.strip() == b"", stderr  # no decision: the agent asks its own way
        await until(lambda: not request.pending, 30)
        assert request.decision.outcome is Outcome.DEFER  # withdrawn: left to the agent everywhere
        await until(lambda: health(store)[0] == "failing", 30)
        assert "connection lost" in health(store)[1] or "unreachable" in health(store)[1]
        session = store.session(request.session_id)
        await until(lambda: session.state is SessionState.DISCONNECTED, 10)
        await pilot.pause()
        bar = str(app.screen.query_one(StatusBar).render())
        assert "@devbox ✖ failing" in bar

        await sshd.start()  # back: reconnected within the backoff, and a new hook works
        await until(lambda: health(store)[0] == "connected", 30)
        await until(lambda: session.state is SessionState.IDLE, 10)
        again = await run_hook(sshd, {**EVENT, "tool_use_id": "toolu_2", "tool_input": {"command": "make test"}})
        await until(lambda: store.approvals.pending(), 20)
        (second,) = store.approvals.pending()
        assert second.session_id == session.id and second.host == "devbox"
        store.approvals.decide(second.id, True, by="dev", via=Via.KEYBOARD)
        stdout, _stderr = await asyncio.wait_for(again.communicate(), 20)
        assert json.loads(stdout)["hookSpecificOutput"]["permissionDecision"] == "allow"
        assert supervisor.links["devbox"].attempts >= 2
        await supervisor.stop_all()


async def test_a_remote_without_tether_tui_says_how_to_install_it(tmp_path):
    bare = Sshd(tmp_path / "bare", path_dirs=["/usr/bin", "/bin"])  # tether-tui not on PATH there
    await bare.start()
    try:
        app, store, supervisor = dashboard(bare, tmp_path)
        async with app.run_test(size=(240, 30)) as pilot:
            await until(lambda: health(store)[0] == "failing", 30)
            detail = health(store)[1]
            assert "tether-tui is not installed there" in detail and "pipx install tether-tui" in detail
            await pilot.pause()
            bar = str(app.screen.query_one(StatusBar).render())
            assert "@devbox ✖ failing: tether-tui is not installed there" in bar and "pipx install tether-tui" in bar
            await supervisor.stop_all()
    finally:
        await bare.stop()


async def test_an_acp_agent_started_on_the_remote_from_the_dialog_streams_and_asks(sshd, tmp_path):
    from textual.widgets import RadioButton

    from tests.test_acp_runner import scripted
    from tether_tui.app.screens.new_session import NewSessionDialog
    from tether_tui.app.widgets.output_view import OutputView

    work = tmp_path / "remote-work"  # a folder "there"
    work.mkdir()
    app, store, supervisor = dashboard(sshd, tmp_path)
    app.launcher.registry.register_profile(scripted())
    async with app.run_test(size=(140, 44)) as pilot:
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        hosts = list(dialog.query_one("#host").query(RadioButton))
        assert [str(b.label) for b in hosts] == ["this machine", f"devbox ({sshd.user}@127.0.0.1)"]
        hosts[1].value = True
        dialog.query_one("#folder").value = str(tmp_path / "not-there")
        await pilot.press(*"make on-remote.txt", "ctrl+s")
        await until(lambda: any("is not a folder on devbox" in r.text for r in app.notices), 30)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        list(dialog.query_one("#host").query(RadioButton))[1].value = True
        dialog.query_one("#folder").value = str(work)
        await pilot.press(*"make on-remote.txt", "ctrl+s")
        await until(lambda: bool(store.approvals.pending()), 30)
        await pilot.pause()
        (request,) = store.approvals.pending()
        session = store.session(request.session_id)
        assert session.title == "scripted · remote-work @ devbox" and session.host == "devbox" and request.host == "devbox"
        assert request.tool_input["command"] == "touch on-remote.txt"
        assert "I will create the file with a shell command." in "\n".join(app.screen.query_one(OutputView).lines)
        await read_first(pilot)
        await pilot.press("a")
        await until(lambda: (work / "on-remote.txt").exists(), 20)
        await until(lambda: "Created on-remote.txt." in "\n".join(store.output(session.id).lines()), 20)
        await store.stop_session(session.id, by="dev", via=Via.KEYBOARD)
        assert store.session(session.id).state.is_final
        await supervisor.stop_all()


def test_folder_rules_are_per_host(make_store):
    from tether_tui.models import RuleScope

    store = make_store()
    store.add_session("here", "claude · repo", directory="/repo")
    store.add_session("there", "claude · repo", directory="/repo", host="devbox")
    assert store.session("there").title == "claude · repo @ devbox"
    edit = {"file_path": "/repo/src/app.py", "old_string": "a", "new_string": "b"}
    first = store.approvals.submit("there", "Edit", edit)
    result = store.approvals.allow_with_timer(first.id, "dir", by="dev", via=Via.KEYBOARD)
    (rule,) = store.approvals.rules()
    assert result.accepted and rule.scope is RuleScope.DIRECTORY and rule.host == "devbox"
    assert rule.describe() == "everything in /repo/ on devbox"
    # /repo here is another folder: the rule for devbox's /repo does not cover it
    assert store.approvals.submit("here", "Edit", edit).pending
    assert not store.approvals.submit("there", "Edit", {**edit, "file_path": "/repo/README.md"}).pending
    # a path this machine cannot resolve for devbox (its home folder) asks
    assert store.approvals.submit("there", "Edit", {**edit, "file_path": "~/repo/x.py"}).pending
    # and a rule for this machine's /repo does not cover devbox
    store.approvals.revoke_rule(rule.id, by="dev")
    store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="dev", via=Via.KEYBOARD, directory="/repo")
    assert store.approvals.submit("there", "Edit", edit).pending
    assert not store.approvals.submit("here", "Edit", edit).pending


async def test_chat_new_starts_an_agent_on_a_remote_only_under_its_allowed_roots(sshd, tmp_path, make_store):
    from runners.chat_start import ChatStarter, ChatStartError
    from runners.launcher import SessionLauncher
    from runners.registry import default_registry
    from tests.test_acp_runner import scripted

    allowed = tmp_path / "projects"
    (allowed / "api").mkdir(parents=True)
    remote = dataclasses.replace(sshd.remote(), allowed_roots=(str(allowed),))
    store = make_store()
    store.apply_config(Config(remotes=(remote,)))
    launcher = SessionLauncher(store, default_registry({"scripted": scripted()}))
    start = ChatStarter(launcher, lambda: ("~",))
    with pytest.raises(ChatStartError, match=r"outside the folders chat may start agents in on devbox"):
        await start(f"scripted@devbox {tmp_path}: make x.txt")
    with pytest.raises(ChatStartError, match="no remote named elsewhere"):
        await start(f"scripted@elsewhere {allowed}: make x.txt")
    session_id = await start(f"scripted@devbox {allowed / 'api'}: make from-chat.txt")
    session = store.session(session_id)
    assert session.host == "devbox" and session.title == "scripted · api @ devbox"
    await until(lambda: bool(store.approvals.pending()), 30)
    store.approvals.decide(store.approvals.pending()[0].id, True, by="alice", via=Via.TELEGRAM)
    await until(lambda: (allowed / "api" / "from-chat.txt").exists(), 20)
    await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)


async def test_remote_check_and_setup_from_the_command_line(sshd, tmp_path):
    config = tmp_path / "config.toml"
    args = ", ".join(json.dumps(arg) for arg in sshd.ssh_args())
    config.write_text(f'[remotes.devbox]\ndestination = "{sshd.user}@127.0.0.1"\nssh_args = [{args}]\n')

    def cli(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "tether_tui", *argv, "--config", str(config)], capture_output=True, text=True, timeout=60
        )

    checked = await asyncio.to_thread(cli, "remote", "check", "devbox")
    assert checked.returncode == 0 and "✓ devbox:" in checked.stdout and "tether-tui 0.1.0" in checked.stdout, checked.stderr
    done = await asyncio.to_thread(cli, "remote", "setup", "devbox", "claude")
    assert done.returncode == 0, done.stdout + done.stderr
    settings = json.loads((sshd.remote_home / ".claude" / "settings.json").read_text())
    assert "tether-tui" in json.dumps(settings["hooks"]) and " hook claude" in json.dumps(settings["hooks"])
    missing = await asyncio.to_thread(cli, "remote", "check", "nowhere")
    assert missing.returncode == 2 and "no [remotes.nowhere]" in missing.stderr


async def test_doctor_checks_each_remote(sshd, tmp_path):
    import io

    from tether_tui import doctor

    config = tmp_path / "config.toml"
    args = ", ".join(json.dumps(arg) for arg in sshd.ssh_args())
    config.write_text(
        f'[remotes.devbox]\ndestination = "{sshd.user}@127.0.0.1"\nssh_args = [{args}]\n\n'
        f'[remotes.gone]\ndestination = "{sshd.user}@127.0.0.1"\nssh_args = ["-p", "1", "-o", "ConnectTimeout=2"]\n'
    )
    config.chmod(0o600)
    out = io.StringIO()
    code = await asyncio.to_thread(doctor.run, config, out)
    text = out.getvalue()
    assert code == 1
    assert "✓ Remote devbox: " in text and "tether-tui 0.1.0" in text
    assert "✗ Remote gone (" in text and "host unreachable: connection refused" in text


async def test_a_remote_that_keeps_failing_is_one_notice_not_one_per_retry(tmp_path):
    bare = Sshd(tmp_path / "bare", path_dirs=["/usr/bin", "/bin"])
    await bare.start()
    try:
        app, _store, supervisor = dashboard(bare, tmp_path)
        async with app.run_test(size=(160, 30)) as pilot:
            await until(lambda: supervisor.links["devbox"].attempts >= 4, 60)
            await pilot.pause()
            told = [n for n in app.notices if n.title == "@devbox failing"]
            assert len(told) == 1 and "tether-tui is not installed there" in told[0].text
            await supervisor.stop_all()
    finally:
        await bare.stop()


async def test_a_session_id_of_another_machine_is_never_taken_as_its_own(make_store):
    """A local hook naming itself like a remote session (or the reverse) gets no decision,
    and so is never judged under the other machine's folder rules."""
    from tether_tui.agents import AGENTS
    from tether_tui.models import RuleScope

    store = make_store()
    gateway = Gateway(store)
    store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="dev", via=Via.KEYBOARD, directory="/repo", host="devbox")
    event = {
        **EVENT,
        "hook_event_name": "PermissionRequest",
        "tool_name": "Edit",
        "tool_input": {"file_path": "/repo/a.py"},
        "cwd": "/repo",
    }
    event.pop("tool_use_id")
    hooks = AGENTS["claude"]
    # from devbox: covered by devbox's rule
    answer = await gateway.handle(hooks, {**event, "session_id": "s1"}, host="devbox")
    assert json.loads(json.dumps(answer[0]))["hookSpecificOutput"]["decision"]["behavior"] == "allow"
    # a local hook claiming devbox's session id: not taken, nothing asked, nothing allowed
    answer = await gateway.handle(hooks, {**event, "session_id": "s1@devbox"})
    assert answer[0] is None and len(store.sessions()) == 1
    # and the reverse: a local session first, then a remote one using its id
    await gateway.handle(hooks, {**event, "hook_event_name": "SessionStart", "session_id": "s2@laptop"})
    answer = await gateway.handle(hooks, {**event, "session_id": "s2"}, host="laptop")
    assert answer[0] is None and store.session("s2@laptop").host is None
    assert not store.approvals.pending()


async def test_a_session_on_the_remote_resumes_there(sshd, tmp_path):
    from runners.acp.profiles import AgentProfile
    from tests.test_resume import FAKE

    work = tmp_path / "remote-work"
    work.mkdir()
    conversations = tmp_path / "remote-conversations"  # the agent keeps them "there"
    conversations.mkdir()
    app, store, supervisor = dashboard(sshd, tmp_path)
    profile = AgentProfile(
        name="scripted", label="Scripted agent", command=(sys.executable, FAKE, "remember"), env={"FAKE_ACP_SESSIONS": str(conversations)}
    )
    app.launcher.registry.register_profile(profile)
    async with app.run_test(size=(140, 44)):
        await until(lambda: health(store)[0] == "connected", 30)
        session_id = await app.launcher.start("scripted", "first prompt", directory=str(work), host="devbox")
        await until(lambda: "Turn 1." in "\n".join(store.output(session_id).lines()), 30)
        await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
        assert store.session(session_id).resumable
        await app.launcher.resume(session_id, "second prompt")
        await until(
            lambda: "Turn 2. The conversation so far: first prompt | second prompt" in "\n".join(store.output(session_id).lines()), 30
        )
        session = store.session(session_id)
        assert session.host == "devbox" and session.title.endswith("@ devbox")
        await store.stop_session(session_id, by="dev", via=Via.KEYBOARD)
        await supervisor.stop_all()
