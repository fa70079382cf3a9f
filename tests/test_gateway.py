"""The gateway and the `tether-tui hook` command, without the agent CLIs."""

from __future__ import annotations

import asyncio
import json
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from tether_tui.events import ApprovalDecided
from tether_tui.gateway import Gateway
from tether_tui.models import Outcome, RuleScope, SessionState, Via

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def runtime(monkeypatch) -> Path:
    path = Path(tempfile.mkdtemp(prefix="tt-"))
    monkeypatch.setenv("TETHER_TUI_RUNTIME_DIR", str(path))
    return path


@pytest.fixture
async def gateway(store, runtime):
    gw = Gateway(store)
    await gw.start()
    yield gw
    await gw.stop()


def permission_request(command="make deploy", session="sess-1", **extra):
    return {
        "session_id": session,
        "transcript_path": "/tmp/t.jsonl",
        "cwd": "/work/shop",
        "permission_mode": "default",
        "hook_event_name": "PermissionRequest",
        "tool_name": "Bash",
        "tool_input": {"command": command},
        **extra,
    }


async def hook(agent, event, *args, stdin=None):
    """Run the real `tether-tui hook` command; returns (exit code, stdout JSON or None, stderr)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tether_tui",
        "hook",
        agent,
        *args,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
    )
    data = stdin if stdin is not None else json.dumps(event).encode()
    out, err = await asyncio.wait_for(process.communicate(data), 30)
    text = out.decode().strip()
    return process.returncode, (json.loads(text) if text else None), err.decode()


async def wait_pending(store, count=1):
    for _ in range(2000):
        if len(store.approvals.pending()) >= count:
            return store.approvals.pending()
        await asyncio.sleep(0.005)
    raise AssertionError("no request arrived")


async def test_socket_is_private_and_a_second_dashboard_is_refused(store, gateway):
    assert stat.S_IMODE(gateway.path.stat().st_mode) == 0o600
    with pytest.raises(RuntimeError, match="another tether-tui"):
        await Gateway(store, gateway.path).start()


async def test_a_stale_socket_file_is_replaced(store, runtime):
    stale = runtime / "gateway.sock"
    stale.write_text("")
    gw = Gateway(store)
    await gw.start()
    assert stat.S_ISSOCK(stale.stat().st_mode)
    await gw.stop()
    assert not stale.exists()


async def test_allow_from_the_dashboard_answers_in_claudes_format(store, gateway):
    task = asyncio.create_task(hook("claude", permission_request()))
    (request,) = await wait_pending(store)
    session = store.session("sess-1")
    assert session.title == "claude · shop" and session.origin.value == "hook" and request.directory == "/work/shop"
    store.approvals.decide(request.id, True, by="alice", via=Via.TELEGRAM)
    code, output, _ = await task
    assert code == 0
    assert output == {"hookSpecificOutput": {"hookEventName": "PermissionRequest", "decision": {"behavior": "allow"}}}


async def test_deny_feeds_the_reason_back(store, gateway):
    task = asyncio.create_task(hook("claude", {**permission_request(), "hook_event_name": "PreToolUse", "tool_use_id": "toolu_1"}))
    (request,) = await wait_pending(store)
    assert request.agent_request_id == "toolu_1"
    store.approvals.decide(request.id, False, by="bob", via=Via.KEYBOARD, reason="use the staging target")
    _, output, _ = await task
    assert output["hookSpecificOutput"] == {
        "hookEventName": "PreToolUse",
        "permissionDecision": "deny",
        "permissionDecisionReason": "use the staging target",
    }


async def test_allow_for_a_while_is_our_own_rule_never_claudes_permission_update(store, gateway):
    suggestion = {
        "type": "addRules",
        "rules": [{"toolName": "Bash", "ruleContent": "make:*"}],
        "behavior": "allow",
        "destination": "localSettings",
    }
    task = asyncio.create_task(hook("claude", permission_request(permission_suggestions=[suggestion])))
    (request,) = await wait_pending(store)
    store.approvals.allow_with_timer(request.id, "tool", 30, by="alice", via=Via.KEYBOARD)
    _, output, _ = await task
    decision = output["hookSpecificOutput"]["decision"]
    assert decision["behavior"] == "allow"
    assert "updatedPermissions" not in decision  # Claude would keep it beyond our timer, unrevocable
    # and our own timer lets the next one through without anybody
    _code, output, _ = await hook("claude", permission_request("make test"))
    assert output["hookSpecificOutput"]["decision"]["behavior"] == "allow"


async def test_codex_and_gemini_formats(store, gateway):
    codex = {**permission_request(session="cx"), "hook_event_name": "PreToolUse", "tool_use_id": "call_1"}
    task = asyncio.create_task(hook("codex", codex))
    (request,) = await wait_pending(store)
    store.approvals.decide(request.id, True, by="a", via=Via.KEYBOARD)
    assert (await task)[1] is None  # PreToolUse in Codex can only deny: allowing is not objecting
    task = asyncio.create_task(hook("codex", {**codex, "tool_use_id": "call_2"}))
    (request,) = await wait_pending(store)
    store.approvals.decide(request.id, False, by="a", via=Via.KEYBOARD, reason="no")
    assert (await task)[1]["hookSpecificOutput"]["permissionDecision"] == "deny"

    gemini = {
        "session_id": "gm",
        "cwd": "/w",
        "hook_event_name": "BeforeTool",
        "tool_name": "run_shell_command",
        "tool_input": {"command": "rm -r dist"},
        "timestamp": "2026-01-01T00:00:00Z",
    }
    task = asyncio.create_task(hook("gemini", gemini))
    (request,) = await wait_pending(store)
    assert request.summary == "rm -r dist"
    store.approvals.decide(request.id, False, by="a", via=Via.KEYBOARD, reason="keep dist")
    assert (await task)[1] == {"decision": "deny", "reason": "keep dist"}


async def test_no_dashboard_means_no_decision_or_deny_never_allow(runtime):
    code, output, err = await hook("claude", permission_request())
    assert (code, output, err) == (0, None, "")
    code, output, _ = await hook("claude", permission_request(), "--fallback", "deny")
    assert code == 0 and output["hookSpecificOutput"]["decision"]["behavior"] == "deny"
    assert "not running" in output["hookSpecificOutput"]["decision"]["message"]
    # lifecycle events never get a decision, whatever the fallback
    assert (await hook("claude", {"hook_event_name": "Stop", "session_id": "x"}, "--fallback", "deny"))[1] is None


@pytest.mark.parametrize("stdin", [b"", b"not json", b"[1, 2]", b'{"unterminated": '])
async def test_malformed_stdin_is_a_clear_message_and_no_decision(runtime, stdin):
    code, output, err = await hook("claude", None, stdin=stdin)
    assert code == 1 and output is None
    assert err.startswith("tether-tui hook: stdin is not a hook event") and "Traceback" not in err


async def test_bad_arguments(runtime):
    code, _, err = await hook("nope", {})
    assert code == 1 and "usage" in err
    code, _, err = await hook("claude", {}, "--wait")
    assert code == 1 and "usage" in err


async def test_the_hook_gives_up_before_the_agent_would_and_withdraws(store, gateway):
    events = store.bus.subscribe("test")
    _code, output, err = await hook("claude", permission_request(), "--wait", "0.5", "--fallback", "deny")
    assert output["hookSpecificOutput"]["decision"]["behavior"] == "deny" and "no decision within 0.5 s" in err
    await asyncio.sleep(0.2)
    (decided,) = [e for e in events.drain() if isinstance(e, ApprovalDecided)]
    assert decided.decision.outcome is Outcome.DEFER and decided.decision.reason == "the agent stopped waiting"
    assert not store.approvals.pending()


async def test_a_killed_hook_withdraws_its_request(store, gateway):
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tether_tui",
        "hook",
        "claude",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        cwd=ROOT,
    )
    process.stdin.write(json.dumps(permission_request()).encode())
    process.stdin.close()
    (request,) = await wait_pending(store)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    for _ in range(200):
        if not request.pending:
            break
        await asyncio.sleep(0.01)
    assert request.decision.outcome is Outcome.DEFER and request.decision.via is Via.AGENT


async def test_a_dashboard_killed_mid_wait_leaves_the_decision_to_the_agent(runtime, tmp_path):
    script = tmp_path / "dashboard.py"
    script.write_text(
        textwrap.dedent("""
        import asyncio
        from tether_tui.gateway import Gateway
        from tether_tui.store import SessionStore
        async def main():
            gateway = Gateway(SessionStore())
            await gateway.start()
            print("ready", flush=True)
            await asyncio.Event().wait()
        asyncio.run(main())
    """)
    )
    dashboard = await asyncio.create_subprocess_exec(sys.executable, str(script), stdout=asyncio.subprocess.PIPE, cwd=ROOT)
    assert (await dashboard.stdout.readline()).strip() == b"ready"
    waiting = asyncio.create_task(hook("claude", permission_request()))
    await asyncio.sleep(1.0)
    assert not waiting.done()
    dashboard.kill()
    await dashboard.wait()
    code, output, err = await asyncio.wait_for(waiting, 10)
    assert (code, output) == (0, None) and "lost the dashboard" in err


async def test_lifecycle_events_update_the_session(store, gateway):
    base = {"session_id": "s9", "cwd": "/work/api"}
    await hook("claude", {**base, "hook_event_name": "SessionStart", "source": "startup"})
    assert store.session("s9").state is SessionState.RUNNING
    await hook("claude", {**base, "hook_event_name": "UserPromptSubmit", "prompt": "fix the build"})
    await hook("claude", {**base, "hook_event_name": "PostToolUse", "tool_name": "Edit", "tool_input": {"file_path": "a.py"}})
    await hook(
        "claude",
        {**base, "hook_event_name": "Notification", "message": "Claude needs your permission", "notification_type": "permission_prompt"},
    )
    assert store.session("s9").needs_attention
    await hook("claude", {**base, "hook_event_name": "Stop", "last_assistant_message": "Build fixed."})
    assert store.session("s9").state is SessionState.IDLE
    await hook("claude", {**base, "hook_event_name": "SessionEnd", "reason": "exit"})
    assert store.session("s9").state is SessionState.STOPPED
    assert store.output("s9").lines() == [
        "session startup in /work/api",
        "› fix the build",
        "✓ Edit a.py",
        "⚑ Claude needs your permission",
        "Build fixed.",
        "session ended (exit)",
    ]


async def test_input_waits_for_the_next_stop_and_stop_ends_the_agent(store, gateway):
    base = {"session_id": "s7", "cwd": "/work/api"}
    await hook("claude", {**base, "hook_event_name": "SessionStart"})
    await store.send_input("s7", "now add a test", by="alice", via=Via.KEYBOARD)
    _, output, _ = await hook("claude", {**base, "hook_event_name": "Stop", "last_assistant_message": "Done."})
    assert output == {"decision": "block", "reason": "now add a test"}
    assert store.session("s7").state is SessionState.RUNNING

    task = asyncio.create_task(hook("claude", permission_request(session="s7")))
    await wait_pending(store)
    await store.stop_session("s7", by="alice", via=Via.KEYBOARD)
    _, output, _ = await task
    assert output == {"continue": False, "stopReason": "Stopped from tether-tui"}
    assert store.session("s7").state is SessionState.STOPPED


async def test_auto_approve_rules_apply_to_hook_sessions(store, gateway):
    store.approvals.add_rule(RuleScope.DIRECTORY, 10, by="a", via=Via.KEYBOARD, directory="/work/shop")
    _, output, _ = await hook("claude", permission_request())
    assert output["hookSpecificOutput"]["decision"]["behavior"] == "allow"
    _, output, _ = await hook("claude", {**permission_request(), "cwd": "/work/shop-evil"}, "--wait", "0.3")
    assert output is None


async def test_protocol_errors_are_answered_not_crashed(store, gateway):
    async def send(payload: bytes) -> dict:
        reader, writer = await asyncio.open_unix_connection(str(gateway.path))
        writer.write(payload + b"\n")
        await writer.drain()
        line = await reader.readline()
        writer.close()
        return json.loads(line)

    assert "unsupported protocol version" in (await send(b'{"v": 99}'))["error"]
    assert "not a JSON line" in (await send(b"{nope"))["error"]
    assert "unknown agent" in (await send(b'{"v": 1, "agent": "x", "event": {}}'))["error"]
    assert "must be a JSON object" in (await send(b'{"v": 1, "agent": "claude", "event": 3}'))["error"]
    assert (await send(b'{"v": 1, "agent": "claude", "event": {"hook_event_name": "Unknown"}}')) == {"v": 1, "stdout": None, "exit": 0}


def test_the_hook_command_loads_only_what_it_needs():
    code = "import sys, tether_tui.hookclient\nprint(sorted(m for m in sys.modules if m.startswith(('tether_tui.store', 'textual', 'asyncio', 'tomllib'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "agent, event, said",
    [
        ("claude", {"hook_event_name": "PermissionRequest"}, "PermissionRequest event without a session_id"),
        ("claude", {"hook_event_name": "PermissionRequest", "session_id": "s"}, "PermissionRequest event without a tool_name"),
        (
            "gemini",
            {"hook_event_name": "BeforeTool", "session_id": "g", "tool_name": "x", "tool_input": "rm"},
            "BeforeTool event whose tool_input is not a JSON object",
        ),
        ("codex", {"hook_event_name": "PreToolUse", "session_id": 7, "tool_name": "shell"}, "PreToolUse event without a session_id"),
    ],
)
async def test_a_malformed_hook_event_gets_one_line_and_no_decision_and_shows_nothing(store, gateway, agent, event, said):
    code, output, err = await hook(agent, event)
    assert err.strip() == f"tether-tui hook: {said}; no decision"
    assert code == 0 and output is None
    assert store.sessions() == [] and store.approvals.pending() == []
    # sent to the gateway directly, it is refused the same way
    reader, writer = await asyncio.open_unix_connection(str(gateway.path))
    writer.write(json.dumps({"v": 1, "agent": agent, "event": event}).encode() + b"\n")
    await writer.drain()
    assert json.loads(await reader.readline()) == {"v": 1, "error": said}
    writer.close()
    assert store.sessions() == []
