"""Whatever JSON an agent sends, the engine keeps its clock: every request is judged, shown,
decided, timed out and audited, and one request that breaks a step never stops the others."""

from __future__ import annotations

import asyncio
import json
import logging
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bridges.callbacks import CallbackCodec
from bridges.markup import DiscordMarkdown, SlackMrkdwn, TelegramHtml
from bridges.render import approval_buttons, approval_text, details_messages
from tether_tui.app.widgets.request_preview import request_text
from tether_tui.audit import AuditLog
from tether_tui.clock import FakeClock
from tether_tui.config import ApprovalSettings, Config
from tether_tui.events import ApprovalDecided, AutoApprovedBatch
from tether_tui.gateway import MAX_NESTING, Gateway
from tether_tui.models import ApprovalRequest, Outcome, RuleScope, Via
from tether_tui.rules import shell_understood
from tether_tui.store import SessionStore

TIMEOUT = 600.0

# ------------------------------------------------------------------------------------ what agents may send
any_character = st.characters(codec=None, categories=None, exclude_categories=())
"""Every code point: lone surrogates, NUL and the other control characters included."""
odd_text = st.one_of(
    st.text(any_character, max_size=40),
    st.sampled_from(["ls \ud800", "l\udcffs", "\x00", "echo \x1b]0;pwned\x07", "rm -rf /\u2028x", "a\x85b", "\ud83d"]),
)
WIRE_BUDGET = 6_000_000


def repeated(part: str, count: int) -> str:
    """`part` repeated up to `count` times, kept inside the gateway's line as an agent would send it."""
    wire = len(json.dumps(part))
    return part * min(count, WIRE_BUDGET // wire)


big_text = st.builds(repeated, st.sampled_from(["a", "\ud800", "\x1b[2J", "é ", "$(x)"]), st.sampled_from([1_000, 1_000_000]))
"""1 MB strings and their kin, up to about 6 MB on the wire (a lone surrogate is sent as a six-character
escape), inside the gateway's 8 MB line."""
numbers = st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=False, allow_infinity=False))
leaves = st.one_of(st.none(), st.booleans(), numbers, odd_text)
json_values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(odd_text, inner, max_size=4), max_leaves=12)
read_keys = st.sampled_from(
    ["command", "cmd", "file_path", "path", "paths", "url", "pattern", "workdir", "cwd", "content", "edits", "input"]
)


def nested(depth: int) -> object:
    value: object = "\ud800"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


tool_inputs = st.one_of(
    st.dictionaries(read_keys | odd_text, json_values, max_size=5),
    st.builds(lambda key, text, rest: {**rest, key: text}, read_keys, big_text, st.dictionaries(read_keys, json_values, max_size=2)),
    st.builds(lambda key, depth: {key: nested(depth)}, read_keys, st.integers(min_value=1, max_value=MAX_NESTING - 10)),
)
tool_names = st.one_of(
    st.sampled_from(["Bash", "shell", "exec_command", "run_shell_command", "Write", "Edit", "Read", "Glob", "WebFetch", "mcp__x__y"]),
    st.text(any_character, min_size=1, max_size=30).filter(lambda name: bool(name.strip())),
)


# ------------------------------------------------------------------------------------ one scenario
def hook_line(session_id: str, tool_name: str, tool_input: dict) -> bytes:
    event = {
        "session_id": session_id,
        "cwd": "/work/repo",
        "hook_event_name": "PermissionRequest",
        "tool_name": tool_name,
        "tool_input": tool_input,
    }
    # as an agent sends it: JSON.stringify writes a lone surrogate as an escape
    return json.dumps({"v": 1, "agent": "claude", "event": event}).encode() + b"\n"


async def ask(path: Path, line: bytes) -> asyncio.Task[dict]:
    reader, writer = await asyncio.open_unix_connection(str(path), limit=2**22)
    writer.write(line)
    await writer.drain()

    async def answer() -> dict:
        try:
            return json.loads(await reader.readline())
        finally:
            writer.close()

    return asyncio.create_task(answer())


async def arrived(store: SessionStore, session_id: str) -> ApprovalRequest:
    for _ in range(4000):
        for request in [*store.approvals.pending(session_id), *store.approvals._decided.values()]:
            if request.session_id == session_id:
                return request
        await asyncio.sleep(0.002)
    raise AssertionError(f"no request from {session_id}")


def assert_showable(text: str) -> None:
    text.encode("utf-8")  # no lone surrogate: every terminal and chat library can send it
    assert not any(ord(c) < 0x20 and c not in "\n" for c in text), repr(text[:200])
    assert "\x1b" not in text and "\x7f" not in text


def assert_shown_everywhere(request: ApprovalRequest) -> None:
    assert_showable(request.tool_name)
    assert_showable(request.summary)
    assert_showable(request_text(request))
    for markup in (TelegramHtml(), SlackMrkdwn(), DiscordMarkdown()):
        assert_showable(approval_text(markup, request, "claude · repo"))
        for message in details_messages(markup, request)[:3]:
            assert_showable(message)
    for row in approval_buttons(CallbackCodec(), request, 30):
        for label, data in row:
            assert_showable(label)
            assert len(data.encode()) <= 64


async def scenario(tool_name: str, tool_input: dict, folder: Path) -> None:
    clock = FakeClock()
    audit_path = folder / "audit.jsonl"
    store = SessionStore(config=Config(approvals=ApprovalSettings(timeout_seconds=TIMEOUT)), clock=clock, audit=AuditLog(audit_path))
    watcher = store.bus.subscribe("test")
    gateway = Gateway(store, folder / "gateway.sock")
    await gateway.start()
    try:
        # a rule for every agent's shell everywhere: the odd request is judged under it
        for tool in ("Bash", "shell", "exec_command", "run_shell_command"):
            store.approvals.add_rule(RuleScope.TOOL, 60, by="dev", via=Via.KEYBOARD, tool_name=tool)
        odd = await ask(gateway.path, hook_line("odd", tool_name, tool_input))
        odd_request = await arrived(store, "odd")
        ordinary = await ask(gateway.path, hook_line("ordinary", "Write", {"file_path": "/work/repo/a", "content": "x"}))
        ordinary_request = await arrived(store, "ordinary")
        auto = await ask(gateway.path, hook_line("auto", "Bash", {"command": "make test"}))
        auto_request = await arrived(store, "auto")
        assert auto_request.decision is not None and auto_request.decision.via is Via.AUTO

        # judged: a rule lets it through only when it can be read
        if odd_request.decision is not None:
            assert odd_request.decision.via is Via.AUTO
            assert shell_understood(odd_request.tool_name, odd_request.tool_input)
        assert_shown_everywhere(odd_request)

        # the clock goes on for everyone: both time out, the batch notice goes out
        clock.advance(TIMEOUT + 1)
        store.approvals.sweep()
        for task in (odd, ordinary, auto):
            await asyncio.wait_for(task, 5)
        assert ordinary_request.decision is not None and ordinary_request.decision.via is Via.TIMEOUT
        assert odd_request.decision is not None
        if odd_request.decision.via is Via.TIMEOUT:
            assert odd_request.decision.outcome is Outcome.DENY
            assert "nobody answered" in (await odd)["stdout"]["hookSpecificOutput"]["decision"]["message"]
        events = watcher.drain()
        assert any(isinstance(e, AutoApprovedBatch) for e in events)
        assert {e.request.id for e in events if isinstance(e, ApprovalDecided)} >= {odd_request.id, ordinary_request.id}

        # audited: one valid UTF-8 JSON line per decision, saying exactly what was asked
        lines = audit_path.read_bytes().decode("utf-8").split("\n")[:-1]
        records = [json.loads(line) for line in lines]
        decisions = {r["request_id"]: r for r in records if r["event"] == "decision"}
        assert decisions[odd_request.id]["tool_input"] == odd_request.tool_input
        assert set(decisions) == {odd_request.id, ordinary_request.id, auto_request.id}
    finally:
        watcher.close()
        await gateway.stop()
        store.audit.close()


@settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(tool_names, tool_inputs)
def test_any_json_an_agent_sends_is_judged_shown_timed_out_and_audited(tool_name, tool_input):
    with tempfile.TemporaryDirectory(prefix="tt-") as folder:
        asyncio.run(scenario(tool_name, tool_input, Path(folder)))


# ------------------------------------------------------------------------------------ steps stand alone
async def test_a_lone_surrogate_asks_and_times_out_and_the_others_go_on(store, clock, audit_path):
    store.add_session("s1", "claude · repo", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="dev", via=Via.KEYBOARD, session_id="s1")
    odd = store.approvals.submit("s1", "Bash", {"command": "ls \ud800"})
    assert odd.pending  # not understood: a person decides
    clock.advance(300)
    waiting = store.approvals.submit("s1", "Write", {"file_path": "/elsewhere/x", "content": "\ud800"})
    assert waiting.decision is not None  # a session rule covers a Write; its content is only shown
    second = store.approvals.submit("s1", "Bash", {"command": "sudo \udcff"})
    clock.advance(301)
    store.approvals.sweep()
    assert odd.decision.via is Via.TIMEOUT and odd.decision.outcome is Outcome.DENY
    assert second.pending
    clock.advance(300)
    store.approvals.sweep()
    assert second.decision.via is Via.TIMEOUT
    records = [json.loads(line) for line in audit_path.read_text(encoding="utf-8").splitlines()]
    assert [r["tool_input"]["command"] for r in records if r.get("tool") == "Bash"] == ["ls \ud800", "sudo \udcff"]


async def test_a_request_whose_settling_fails_is_settled_by_the_fallback_and_logged_once(store, clock, caplog, monkeypatch):
    store.add_session("s1", "claude · repo", directory="/work/repo")
    broken = store.approvals.submit("s1", "Bash", {"command": "make broken"})
    fine = [store.approvals.submit("s1", "Bash", {"command": f"make {n}"}) for n in range(3)]
    record = store.audit.record_decision

    def failing(request, decision, title):
        if request is broken:
            raise RuntimeError("a bug in one step")
        record(request, decision, title)

    monkeypatch.setattr(store.audit, "record_decision", failing)
    original_publish = store.bus.publish

    def publish(event):
        if isinstance(event, ApprovalDecided) and event.request is broken and not getattr(publish, "raised", False):
            publish.raised = True
            raise RuntimeError("a subscriber step that breaks")
        original_publish(event)

    monkeypatch.setattr(store.bus, "publish", publish)
    caplog.set_level(logging.ERROR)
    clock.advance(TIMEOUT + 1)
    store.approvals.sweep()
    store.approvals.sweep()
    assert broken.decision is not None and broken.decision.outcome is Outcome.DENY and broken.decision.via is Via.TIMEOUT
    assert all(r.decision is not None and r.decision.via is Via.TIMEOUT for r in fine)
    assert not store.approvals.pending()
    failures = [r for r in caplog.records if "broken" in r.getMessage() or broken.id in r.getMessage()]
    assert len(failures) == 1, [r.getMessage() for r in caplog.records]


async def test_a_judging_bug_makes_the_request_ask_never_stops_the_engine(store, monkeypatch):
    store.add_session("s1", "claude · repo", directory="/work/repo")
    store.approvals.add_rule(RuleScope.SESSION, 60, by="dev", via=Via.KEYBOARD, session_id="s1")
    import tether_tui.approvals as approvals

    real = approvals.rule_matches

    def fragile(rule, context):
        if "boom" in str(context.tool_input):
            raise RecursionError("deep")
        return real(rule, context)

    monkeypatch.setattr(approvals, "rule_matches", fragile)
    assert store.approvals.submit("s1", "Bash", {"command": "echo boom"}).pending
    assert store.approvals.submit("s1", "Bash", {"command": "make"}).decision.allowed


async def test_nan_and_infinity_are_refused_as_not_json(store, tmp_path):
    gateway = Gateway(store, tmp_path / "gw.sock")
    await gateway.start()
    try:
        line = b'{"v": 1, "agent": "claude", "event": {"session_id": "s", "hook_event_name": "PermissionRequest", "tool_name": "Bash", "tool_input": {"command": NaN}}}\n'
        answer = await asyncio.wait_for(await ask(gateway.path, line), 5)
        assert answer["error"] == "NaN is not JSON (a hook sends standard JSON)"
        assert not store.approvals.pending()
    finally:
        await gateway.stop()
