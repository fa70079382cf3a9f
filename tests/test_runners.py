"""The runner API of seed-api.md and the built-in demo agent driven through the store."""

from __future__ import annotations

import pytest

from runners import Runner, RunnerEvents, RunnerRegistry, RunnerUnavailableError, default_registry
from runners.demo import DemoRunner
from runners.launcher import SessionLauncher
from tests.waiting import until
from tether_tui.models import SessionState, Via
from tether_tui.store import SessionStore


class MyCustomRunner:
    runner_type = "custom"

    def __init__(self, events, api_key=None, model=None):
        self.events, self.api_key, self.model = events, api_key, model
        self.calls = []

    async def start(self, session_id, prompt, approval_choice):
        self.calls.append(("start", session_id, prompt, approval_choice))

    async def send_input(self, session_id, text):
        self.calls.append(("input", session_id, text))

    async def stop(self, session_id):
        self.calls.append(("stop", session_id))
        return 0

    def update_permission_mode(self, session_id, approval_choice):
        self.calls.append(("mode", session_id, approval_choice))


async def test_the_registry_snippet_runs_as_written(store):
    events = store
    registry = RunnerRegistry()
    registry.register("my-runner", lambda events, config: MyCustomRunner(events, **config))
    runner = registry.create("my-runner", events, api_key="...", model="...")
    await runner.start("sess_1", "Build a web app", approval_choice=1)
    await runner.send_input("sess_1", "Add a login page")
    await runner.stop("sess_1")
    assert runner.calls == [
        ("start", "sess_1", "Build a web app", 1),
        ("input", "sess_1", "Add a login page"),
        ("stop", "sess_1"),
    ]
    assert isinstance(runner, Runner) and isinstance(store, RunnerEvents)
    assert registry.list() == ["my-runner"] and registry.has("my-runner")
    with pytest.raises(KeyError, match="registered: my-runner"):
        registry.create("nope", events)
    registry.unregister("my-runner")
    assert not registry.has("my-runner")
    assert issubclass(RunnerUnavailableError, RuntimeError)
    assert "demo" in default_registry().list()


async def wait_for(predicate, timeout=10.0):
    await until(predicate, timeout)


async def test_demo_agent_asks_streams_takes_input_and_stops(store: SessionStore):
    launcher = SessionLauncher(store)
    session_id = await launcher.start_demo(0, speed=50)
    session = store.session(session_id)
    await wait_for(lambda: store.approvals.pending(session_id))
    first = store.approvals.pending(session_id)[0]
    assert (first.tool_name, first.summary) == ("Bash", "pytest -q tests/test_dates.py")
    assert session.state is SessionState.WAITING_APPROVAL and session.directory.endswith("src/invoice-api")
    store.approvals.decide(first.id, True, by="alice", via=Via.KEYBOARD)
    await wait_for(lambda: store.approvals.pending(session_id))
    edit = store.approvals.pending(session_id)[0]
    assert edit.tool_name == "Edit" and "old_string" in edit.tool_input
    store.approvals.decide(edit.id, False, by="alice", via=Via.KEYBOARD, reason="keep strptime")
    await wait_for(lambda: store.approvals.pending(session_id))
    store.approvals.decide(store.approvals.pending(session_id)[0].id, True, by="alice", via=Via.KEYBOARD)
    await wait_for(lambda: session.state is SessionState.WAITING_INPUT)
    text = store.output(session_id).text()
    assert "2 failed, 3 passed" in text and "Permission denied for Edit (keep strptime)" in text
    assert "42 passed" in text and session.usage.turns == 1

    await store.send_input(session_id, "show me the diff", by="alice", via=Via.KEYBOARD)
    await wait_for(lambda: store.approvals.pending(session_id))
    assert store.approvals.pending(session_id)[0].summary == "git diff --stat"

    code = await store.stop_session(session_id, by="alice", via=Via.KEYBOARD)
    assert code == 130 and session.state is SessionState.STOPPED
    assert not store.approvals.pending(session_id)  # the open request was closed with the session
    assert "Interrupted" in store.output(session_id).text()


async def test_demo_agent_exits_on_request_and_never_ask_works_as_with_a_real_agent(store):
    """ "Never ask" on a demo does what it does on a real agent: a session rule in the timers, a
    warning, every step auto-approved and audited (it teaches what the modes do)."""
    notices = store.bus.subscribe("test")
    launcher = SessionLauncher(store)
    session_id = await launcher.start_demo(2, speed=100, approval_choice=2)
    await wait_for(lambda: store.session(session_id).state is SessionState.WAITING_INPUT)
    (rule,) = [r for r in store.approvals.rules() if r.session_id == session_id]
    assert rule.created_by == "approval mode 2"
    decisions = [r for r in store.audit.read() if r.get("event") == "decision"]
    assert [d["summary"] for d in decisions][:2] == ["rm -rf build/ dist/ .pytest_cache", "https://pypi.org/pypi/pandas/json"]
    assert {d["via"] for d in decisions} == {"auto-approve"} and {d["rule_id"] for d in decisions} == {rule.id}
    assert any("runs with approvals bypassed" in getattr(e, "text", "") for e in notices.drain())
    assert "✓ Bash auto-approved by a rule (listed under Auto-approve timers)" in store.output(session_id).lines()
    await store.send_input(session_id, "exit", by="alice", via=Via.KEYBOARD)
    await wait_for(lambda: store.session(session_id).state.is_final)
    assert store.session(session_id).state is SessionState.STOPPED and store.session(session_id).exit_code == 0


async def test_demo_agent_in_accept_edits_mode_asks_for_commands_and_not_for_edits(store):
    launcher = SessionLauncher(store)
    session_id = await launcher.start_demo(0, speed=100, approval_choice=1)
    await wait_for(lambda: bool(store.approvals.pending()))
    (first,) = store.approvals.pending()
    assert first.tool_name == "Bash"  # a command asks
    store.approvals.decide(first.id, True, by="alice", via=Via.KEYBOARD)
    await wait_for(lambda: any(r.get("tool") == "Edit" for r in store.audit.read() if r.get("event") == "decision"))
    (edit,) = [r for r in store.audit.read() if r.get("event") == "decision" and r.get("tool") == "Edit"]
    assert edit["via"] == "auto-approve"  # an edit in the session's folder does not
    await store.stop_session(session_id, by="alice", via=Via.KEYBOARD)


async def test_flood_mode_writes_at_the_asked_rate(store):
    runner = DemoRunner(store, lines_per_second=400, flood_seconds=0.5, speed=1)
    store.add_session("f", "flood")
    await runner.start("f", "", 0)
    await wait_for(lambda: store.session("f").state.is_final)
    assert 150 <= store.output("f").next_seq <= 220
