"""The gateway under abuse: idle, half-sent, oversized and deeply nested requests, more
connections than it serves, and sockets or folders that another user could have planted."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import tempfile
from pathlib import Path

import pytest

from tests.test_gateway import hook, permission_request, wait_pending
from tether_tui.gateway import MAX_LINE, Gateway
from tether_tui.models import Via
from tether_tui.paths import UnsafeRuntimeError

NOBODY = 65534


@pytest.fixture
def runtime(monkeypatch) -> Path:
    path = Path(tempfile.mkdtemp(prefix="tt-"))
    monkeypatch.setenv("TETHER_TUI_RUNTIME_DIR", str(path))
    return path


async def ask(path: Path, payload: bytes, *, wait: float = 5.0) -> dict:
    reader, writer = await asyncio.open_unix_connection(str(path), limit=2**20)
    writer.write(payload)
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), wait)
    writer.close()
    return json.loads(line)


async def test_idle_connections_are_closed_and_the_limit_refuses_the_rest(store, runtime, caplog):
    caplog.set_level(logging.WARNING, logger="tether_tui.gateway")
    gateway = Gateway(store, max_connections=50, request_timeout=0.5)
    await gateway.start()
    try:
        idle = [await asyncio.open_unix_connection(str(gateway.path)) for _ in range(200)]
        answers = await asyncio.gather(*(asyncio.wait_for(reader.readline(), 5) for reader, _ in idle))
        errors = [json.loads(a)["error"] for a in answers]
        assert errors.count("too many connections to the dashboard") == 150
        assert errors.count("no request within 0.5 s") == 50
        for _, writer in idle:
            writer.close()
        # one line per kind of incident, not one per connection
        assert len(caplog.records) <= 4, [r.getMessage() for r in caplog.records]
        assert any("50 connections open at once" in r.getMessage() for r in caplog.records)
        assert not any(r.exc_info for r in caplog.records)
        # and the gateway still serves a real hook
        task = asyncio.create_task(hook("claude", permission_request()))
        (request,) = await wait_pending(store)
        store.approvals.decide(request.id, True, by="dev", via=Via.KEYBOARD)
        _code, output, _ = await task
        assert output["hookSpecificOutput"]["decision"]["behavior"] == "allow"
    finally:
        await gateway.stop()


async def test_a_waiting_hook_is_never_timed_out_as_idle(store, runtime):
    gateway = Gateway(store, request_timeout=0.2)
    await gateway.start()
    try:
        task = asyncio.create_task(hook("claude", permission_request()))
        (request,) = await wait_pending(store)
        await asyncio.sleep(0.6)
        assert request.pending and not task.done()
        store.approvals.decide(request.id, False, by="dev", via=Via.KEYBOARD, reason="no")
        assert (await task)[1]["hookSpecificOutput"]["decision"]["behavior"] == "deny"
    finally:
        await gateway.stop()


async def test_half_sent_oversized_and_deep_requests_get_an_error_not_a_traceback(store, runtime, caplog):
    caplog.set_level(logging.WARNING)
    gateway = Gateway(store, request_timeout=0.3)
    await gateway.start()
    try:
        assert (await ask(gateway.path, b'{"v": 1, "agent": "cla'))["error"] == "no request within 0.3 s"
        huge = b'{"v": 1, "agent": "claude", "event": {"x": "' + b"a" * (MAX_LINE + 10) + b'"}}\n'
        assert "larger than" in (await ask(gateway.path, huge))["error"]
        deep = b'{"v": 1, "agent": "claude", "event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
        assert "nested deeper" in (await ask(gateway.path, deep))["error"]
        deep_object = b'{"v": 1, "agent": "claude", "event": {"tool_input": ' + b'{"a":' * 5000 + b"1" + b"}" * 5000 + b"}}\n"
        assert "nested deeper" in (await ask(gateway.path, deep_object))["error"]
        assert not any(record.exc_info for record in caplog.records)
        assert store.sessions() == [] and store.approvals.pending() == []
    finally:
        await gateway.stop()


async def test_the_hook_refuses_a_runtime_folder_that_another_user_owns(store, runtime):
    gateway = Gateway(store)
    await gateway.start()
    try:
        os.chown(runtime, NOBODY, NOBODY)
        code, output, err = await hook("claude", permission_request())
        assert output is None and code == 0  # no decision: Claude's own prompt takes over
        assert "belongs to another user" in err
        assert store.approvals.pending() == []
    finally:
        os.chown(runtime, os.geteuid(), os.getegid())
        await gateway.stop()


async def test_the_hook_refuses_a_folder_open_to_others_and_a_socket_it_does_not_own(store, runtime):
    gateway = Gateway(store)
    await gateway.start()
    try:
        runtime.chmod(0o1777)
        _code, output, err = await hook("claude", permission_request(), "--fallback", "deny")
        assert output["hookSpecificOutput"]["decision"]["behavior"] == "deny"
        assert "written by other users" in err
        runtime.chmod(0o700)
        os.chown(gateway.path, NOBODY, NOBODY)
        _code, output, err = await hook("claude", permission_request())
        assert output is None and "another user" in err
        assert store.approvals.pending() == []
    finally:
        await gateway.stop()


async def test_a_planted_socket_that_answers_allow_is_never_believed(tmp_path, monkeypatch):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    monkeypatch.setenv("TETHER_TUI_RUNTIME_DIR", str(shared))
    planted = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    planted.bind(str(shared / "gateway.sock"))
    planted.listen()
    os.chown(shared / "gateway.sock", NOBODY, NOBODY)

    async def answer_allow() -> None:
        loop = asyncio.get_running_loop()
        planted.setblocking(False)
        connection, _ = await loop.sock_accept(planted)
        await loop.sock_sendall(
            connection,
            json.dumps({"v": 1, "stdout": {"hookSpecificOutput": {"decision": {"behavior": "allow"}}}, "exit": 0}).encode() + b"\n",
        )
        connection.close()

    server = asyncio.create_task(answer_allow())
    _code, output, err = await hook("claude", permission_request())
    server.cancel()
    planted.close()
    assert output is None and "not asking through a socket" in err


async def test_the_dashboard_refuses_a_runtime_folder_another_user_owns(store, runtime):
    os.chown(runtime, NOBODY, NOBODY)
    try:
        with pytest.raises(UnsafeRuntimeError, match="another user"):
            await Gateway(store).start()
    finally:
        os.chown(runtime, os.geteuid(), os.getegid())
    runtime.chmod(0o777)  # ours but open: tightened
    gateway = Gateway(store)
    await gateway.start()
    assert runtime.stat().st_mode & 0o777 == 0o700
    await gateway.stop()


async def test_hook_sessions_age_out_and_a_flood_of_ids_stays_bounded(make_store, clock, runtime):
    from tether_tui.agents import AGENTS
    from tether_tui.gateway import ENDED_KEPT_SECONDS, HOOK_SESSIONS_KEPT, SILENT_KEPT_SECONDS

    store = make_store()
    gateway = Gateway(store)
    claude = AGENTS["claude"]

    def start(session_id):
        return gateway.handle(claude, {"session_id": session_id, "hook_event_name": "SessionStart", "cwd": "/w"})

    await start("ended")
    await gateway.handle(claude, {"session_id": "ended", "hook_event_name": "SessionEnd", "cwd": "/w"})
    await start("silent")
    waiting = asyncio.create_task(gateway.handle(claude, permission_request(session="waiting")))
    await wait_pending(store)
    clock.advance(ENDED_KEPT_SECONDS + 1)
    assert gateway.prune() == ["ended"]
    clock.advance(SILENT_KEPT_SECONDS)
    assert gateway.prune() == ["silent"]  # the one waiting for a decision stays, however old
    assert [s.id for s in store.sessions()] == ["waiting"]

    for index in range(5000):
        await start(f"flood-{index}")
    assert len(store.sessions()) <= HOOK_SESSIONS_KEPT
    assert store.has_session("waiting") and store.has_session("flood-4999")
    (request,) = store.approvals.pending()
    store.approvals.decide(request.id, True, by="dev", via=Via.KEYBOARD)
    await waiting


async def test_a_nul_byte_in_a_path_is_shown_asked_and_audited(store, runtime, audit_path):
    from tether_tui.models import RuleScope
    from tether_tui.toolinput import unified_diff

    gateway = Gateway(store)
    await gateway.start()
    try:
        store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="a", via=Via.KEYBOARD, directory="/work/shop")
        event = {**permission_request(), "tool_name": "Write", "tool_input": {"file_path": "/work/shop/a\x00/../../etc/x", "content": "x"}}
        task = asyncio.create_task(hook("claude", event))
        (request,) = await wait_pending(store)
        assert unified_diff(request.tool_name, request.tool_input, request.directory) is not None
        store.approvals.decide(request.id, False, by="dev", via=Via.KEYBOARD)
        assert (await task)[1]["hookSpecificOutput"]["decision"]["behavior"] == "deny"
        assert json.loads(audit_path.read_text().splitlines()[-1])["request_id"] == request.id
    finally:
        await gateway.stop()
