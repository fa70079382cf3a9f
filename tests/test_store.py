"""The store: bounded output, bounded subscribers, the RunnerEvents sink and session control."""

from __future__ import annotations

import pytest

from tether_tui.bus import EventBus
from tether_tui.events import ApprovalRequested, OutputAppended, SessionChanged
from tether_tui.models import SessionState, Via
from tether_tui.output import OutputBuffer
from tether_tui.store import SessionError


def test_output_buffer_keeps_the_newest_lines_within_line_and_byte_caps():
    buffer = OutputBuffer(max_lines=100, max_bytes=10_000)
    for n in range(1000):
        buffer.extend([f"line {n:04d}"])
    assert len(buffer) == 100 and buffer.first_seq == 900 and buffer.next_seq == 1000
    assert buffer.lines()[0] == "line 0900" and buffer.lines(995) == [f"line {n:04d}" for n in range(995, 1000)]
    assert buffer.dropped == 900

    small = OutputBuffer(max_lines=1000, max_bytes=1_000)
    small.extend(["x" * 99] * 50)  # 100 bytes each with the newline
    assert small.byte_size <= 1_000 and len(small) == 10


def test_output_buffer_splits_long_lines_and_chunks():
    buffer = OutputBuffer(max_line_chars=10)
    assert buffer.split("a\nb\n") == ["a", "b"]
    assert buffer.split("") == []
    assert buffer.split("x" * 25) == ["x" * 10, "x" * 10, "x" * 5]


async def test_a_slow_subscriber_gets_coalesced_output_and_every_approval_event(store):
    store.add_session("s1", "one")
    store.add_session("s2", "two")
    slow = store.bus.subscribe("slow", output_line_cap=50)
    for n in range(10_000):
        store.append_output("s1" if n % 2 else "s2", f"line {n}")
        if n % 1000 == 0:
            store.approvals.submit("s1", "Bash", {"command": f"echo {n}"})
    assert slow.backlog < 40  # a few coalesced output chunks plus the other events
    events = slow.drain()
    outputs = [e for e in events if isinstance(e, OutputAppended)]
    assert {e.session_id for e in outputs} == {"s1", "s2"}
    assert all(len(e.lines) <= 50 for e in outputs)
    assert outputs[0].lines[-1] in ("line 9999", "line 9998")
    assert sum(e.skipped for e in outputs) == 10_000 - sum(len(e.lines) for e in outputs)
    assert len([e for e in events if isinstance(e, ApprovalRequested)]) == 10
    # the history itself kept its cap's worth
    assert len(store.output("s1")) == 5000 and store.output("s1").dropped == 0


async def test_subscriptions_deliver_in_batches_and_end_when_closed():
    bus = EventBus()
    sub = bus.subscribe("a")
    bus.publish(OutputAppended("s", ["x"], 0))
    bus.publish(OutputAppended("s", ["y"], 1))
    batch = await sub.next_batch()
    assert len(batch) == 1 and batch[0].lines == ["x", "y"]
    sub.close()
    assert await sub.next_batch() == [] and bus.subscriber_count == 0


class FakeController:
    def __init__(self):
        self.inputs = []
        self.stopped = False

    async def send_input(self, session_id, text):
        self.inputs.append(text)

    async def stop(self, session_id):
        self.stopped = True
        return 130


async def test_input_and_stop_go_through_the_sessions_controller(store):
    store.add_session("s1", "one")
    with pytest.raises(SessionError, match="does not take input"):
        await store.send_input("s1", "hi", by="alice", via=Via.KEYBOARD)
    controller = FakeController()
    store.attach_controller("s1", controller)
    await store.on_awaiting_input("s1")
    assert store.session("s1").state is SessionState.WAITING_INPUT
    await store.send_input("s1", "add tests", by="alice", via=Via.TELEGRAM)
    assert controller.inputs == ["add tests"]
    assert store.output("s1").lines()[-1] == "› add tests  (alice via Telegram)"
    assert store.session("s1").state is SessionState.RUNNING
    assert await store.stop_session("s1", by="alice", via=Via.KEYBOARD) == 130
    assert store.session("s1").state is SessionState.STOPPED
    with pytest.raises(SessionError, match="stopped"):
        await store.send_input("s1", "more", by="alice", via=Via.KEYBOARD)


async def test_runner_events_update_the_session(store):
    store.add_session("s1", "one")
    sub = store.bus.subscribe("t")
    await store.on_output("s1", "stdout", "hello\nworld\n")
    await store.on_header("s1", title="claude · repo", model="opus")
    await store.on_metadata("s1", "usage", {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.5, "turns": 1}, None)
    await store.on_metadata("s1", "usage", {"input_tokens": 1}, None)
    session = store.session("s1")
    assert session.state is SessionState.RUNNING and session.title == "claude · repo" and session.model == "opus"
    assert (session.usage.input_tokens, session.usage.output_tokens, session.usage.turns) == (11, 5, 1)
    assert store.output("s1").lines() == ["hello", "world"]
    await store.on_error("s1", "crash", "model overloaded")
    assert session.state is SessionState.ERROR and session.error == "model overloaded"
    assert any(isinstance(e, SessionChanged) for e in sub.drain())


async def test_permission_request_through_the_sink_waits_for_a_decision(store):
    import asyncio

    store.add_session("s1", "one")
    waiter = asyncio.create_task(store.on_permission_request("s1", "req_1", "Bash", {"command": "ls"}))
    await asyncio.sleep(0)
    assert not waiter.done()
    store.approvals.decide(store.approvals.find_by_agent_id("req_1").id, False, by="bob", via=Via.DISCORD, reason="use make")
    decision = await waiter
    assert not decision.allowed and decision.reason == "use make"
    await store.on_permission_resolved("s1", "req_1", "agent", True)  # already decided: ignored
    assert not store.approvals.find_by_agent_id("req_1").decision.allowed


async def test_duplicate_and_unknown_sessions(store):
    store.add_session("s1", "one")
    with pytest.raises(SessionError):
        store.add_session("s1", "again")
    with pytest.raises(SessionError):
        store.session("nope")
    store.remove_session("s1")
    assert not store.has_session("s1")
