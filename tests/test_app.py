"""The dashboard driven with Pilot: keys, dialogs, and updates from other surfaces."""

from __future__ import annotations

import asyncio

from tests.scenes import build_scene, request_id
from tests.waiting import read_first
from tether_tui.app import TetherApp
from tether_tui.app.screens.details import DetailsScreen
from tether_tui.app.screens.dialogs import ConfirmDialog, MessageDialog, ReasonDialog
from tether_tui.app.screens.help import HelpScreen
from tether_tui.app.screens.new_session import NewSessionDialog
from tether_tui.app.screens.timer_dialog import TimerDialog
from tether_tui.app.widgets.approval_queue import ApprovalQueue
from tether_tui.app.widgets.output_view import OutputView
from tether_tui.app.widgets.sessions_table import SessionsTable
from tether_tui.app.widgets.status_bar import StatusBar
from tether_tui.app.widgets.timers_panel import TimersPanel
from tether_tui.models import RuleScope, SessionState, Via
from tether_tui.runtime import Runtime

SIZE = (120, 36)


async def settle(pilot, rounds=3):
    for _ in range(rounds):
        await pilot.pause()


async def test_approve_and_deny_from_the_keyboard():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        queue = app.screen.query_one(ApprovalQueue)
        assert queue.row_count == 2 and queue.highlighted_id == request_id(store, "req_edit_dates")
        await read_first(pilot)
        await pilot.press("a")
        await settle(pilot)
        decision = store.approvals.get(request_id(store, "req_edit_dates")).decision
        assert decision.allowed and decision.by == "dev"
        assert any(
            n.message.startswith("Approved Edit in claude · invoice-api: ~") or "Approved Edit in claude · invoice-api" in n.message
            for n in app._notifications
        )
        # the session has nothing left: a and d decide nothing, and the hint says where to go
        assert queue.row_count == 1 and queue.highlighted_id is None
        await read_first(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_npm_test")).pending
        assert any("Next: Bash in codex · web-shop (w goes there)" in n.message for n in app._notifications)
        await pilot.press("w")
        await settle(pilot)
        assert app.screen.selected_session_id == "s-shop"
        assert app.screen.query_one(OutputView).session_id == "s-shop"
        await read_first(pilot)
        await pilot.press("d")
        await settle(pilot)
        decision = store.approvals.get(request_id(store, "req_npm_test")).decision
        assert not decision.allowed and decision.via is Via.KEYBOARD
        assert queue.row_count == 0 and app.screen.query_one(StatusBar).pending == 0


async def test_deny_with_a_reason():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await read_first(pilot)
        await pilot.press("D")
        await settle(pilot)
        assert isinstance(app.screen, ReasonDialog)
        await pilot.press(*"use fromisoformat only", "enter")
        await settle(pilot)
        decision = store.approvals.get(request_id(store, "req_edit_dates")).decision
        assert not decision.allowed and decision.reason == "use fromisoformat only"


async def test_timer_dialog_allows_and_sets_a_rule_and_revoke_removes_it():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await read_first(pilot)
        await pilot.press("t")
        await settle(pilot)
        assert isinstance(app.screen, TimerDialog)
        await pilot.press("down", "down")  # Everything in this session
        await pilot.press("tab", "down")  # 60 minutes (default 30 is highlighted)
        await pilot.press("enter")
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_edit_dates")).decision.allowed
        rule = next(r for r in store.approvals.rules() if r.session_id == "s-invoice")
        assert rule.scope is RuleScope.SESSION and store.approvals.remaining_seconds(rule) == 60 * 60
        timers = app.screen.query_one(TimersPanel)
        assert timers.row_count == 3
        timers.focus()
        timers.move_cursor(row=timers.get_row_index(rule.id))
        await pilot.press("x")
        await settle(pilot)
        assert rule not in store.approvals.rules() and timers.row_count == 2


async def test_details_show_the_diff_and_follow_a_decision_made_elsewhere():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(ApprovalQueue).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen)
        assert app.screen.request.id == request_id(store, "req_edit_dates")
        diff = app.screen.query(".code").first().content
        assert diff.lexer.name == "Diff" if hasattr(diff.lexer, "name") else True
        assert "+    return date.fromisoformat(text)" in diff.code
        assert '-    return datetime.strptime(text, "%Y-%m-%d").date()' in diff.code
        store.approvals.decide(request_id(store, "req_edit_dates"), True, by="alice", via=Via.TELEGRAM)
        await settle(pilot)
        label = app.screen.query_one("#decision")
        assert str(label.render()).startswith("Approved by alice via Telegram, 12:00")
        await read_first(pilot)
        await pilot.press("a")  # too late: refused, the dialog stays and says so
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_edit_dates")).decision.by == "alice"
        assert any("Already approved by alice" in record.text for record in app.notices)
        assert not any("Already approved by alice" in n.message for n in app._notifications)  # no toast over the dialog
        await pilot.press("escape")
        await settle(pilot)
        assert any("Already approved by alice" in n.message for n in app._notifications)  # shown once it closed


def recording_controller(store, session_id: str) -> list:
    """Attach a controller to ``session_id`` that records the input sent to it."""
    sent: list = []

    class Controller:
        async def send_input(self, session_id, text):
            sent.append((session_id, text))

        async def stop(self, session_id):
            return 0

    store.attach_controller(session_id, Controller())
    return sent


async def test_input_line_sends_to_the_selected_session_and_runs_commands():
    store = build_scene()
    sent = recording_controller(store, "s-invoice")
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i", *"try again", "enter")
        await settle(pilot)
        assert sent == [("s-invoice", "try again")]
        output = app.screen.query_one(OutputView)
        assert output.lines[-1] == "› try again  (dev via keyboard)"
        await pilot.press(*"/status", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog) and "claude · invoice-api" in app.screen.text


async def test_stop_asks_first():
    store = build_scene()
    stopped = []

    class Controller:
        async def send_input(self, session_id, text):
            pass

        async def stop(self, session_id):
            stopped.append(session_id)
            return 130

    store.attach_controller("s-invoice", Controller())
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        await settle(pilot)
        assert stopped == []
        await pilot.press("s", "y")
        await settle(pilot, 5)
        assert stopped == ["s-invoice"] and store.session("s-invoice").state is SessionState.STOPPED


async def test_selecting_a_session_shows_its_output():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        output = app.screen.query_one(OutputView)
        assert output.session_id == "s-invoice"
        await pilot.press("down")
        await settle(pilot)
        assert output.session_id == "s-shop" and output.lines[-1] == "● Bash wants approval"
        assert app.screen.query_one(ApprovalQueue).selected_id == request_id(store, "req_npm_test")
        store.append_output("s-shop", "new line from the agent")
        await settle(pilot)
        assert output.lines[-1] == "new line from the agent"


async def test_new_demo_session_from_the_dialog_and_help_screen():
    store = build_scene()
    app = TetherApp(Runtime(store, demo_speed=50), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewSessionDialog)
        await pilot.click("#start")
        for _ in range(50):
            await asyncio.sleep(0.02)
            if len(store.sessions()) == 5:
                break
        assert len(store.sessions()) == 5
        await settle(pilot)
        assert app.screen.query_one(SessionsTable).row_count == 5
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen) and "timers" in app.screen.commands


async def test_palette_offers_the_chat_commands():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert {"/help", "/status", "/stop", "/usage", "/timers"} <= set(titles)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"/timers")
        await settle(pilot, 5)
        await pilot.press("enter")
        await settle(pilot, 5)
        assert isinstance(app.screen, MessageDialog) and "Edit in /home/dev/src/web-shop/" in app.screen.text


async def test_bell_rings_for_a_new_request_unless_switched_off():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    rings = []
    app.bell = lambda: rings.append(1)  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        store.approvals.submit("s-shop", "Bash", {"command": "npm run build"})
        await settle(pilot)
        assert rings == [1]
        from dataclasses import replace

        store.apply_config(replace(store.config, dashboard=replace(store.config.dashboard, bell=False)))
        store.approvals.submit("s-shop", "Bash", {"command": "npm run lint"})
        await settle(pilot)
        assert rings == [1]


async def test_config_error_and_bridge_health_show_in_the_status_bar():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        bar = app.screen.query_one(StatusBar)
        assert bar.bridges["telegram"][0] == "connected" and bar.bridges["slack"][0] == "connecting"
        assert "Discord ● connected pair code: 4821-7730" in str(bar.render())
        store.config_failed("config.toml:3: [approvals] fallback: expected one of 'deny', 'defer', got 'allow'")
        store.set_bridge_health("telegram", "failing", "429")
        await settle(pilot)
        rendered = str(bar.render())
        assert "config error: config.toml:3" in rendered and "✖ failing" in rendered


async def test_a_failing_bridge_says_why_in_a_notification():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        store.set_bridge_health("slack", "failing", "SlackBridge needs slack-bolt: pip install 'tether-tui[slack]'")
        await settle(pilot)
        notes = [(n.title, n.message) for n in app._notifications]
        assert ("Slack failing", "SlackBridge needs slack-bolt: pip install 'tether-tui[slack]'") in notes


async def test_a_paste_of_any_size_is_cut_to_the_input_limit_and_says_so():
    from textual import events

    from tether_tui.app.widgets.bounded_input import INPUT_LIMIT, BoundedInput

    store = build_scene()
    sent = recording_controller(store, "s-invoice")
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        line = app.screen.query_one("#input", BoundedInput)
        line.post_message(events.Paste("x" * 389_000))  # bracketed paste
        await pilot.pause(0.5)
        assert len(line.value) == INPUT_LIMIT
        messages = [n.message for n in app._notifications]
        assert any(f"{389_000 - INPUT_LIMIT:,} were cut" in m for m in messages), messages
        await pilot.press(*"yyyyy")  # a paste without brackets arrives as keys
        await pilot.pause(0.5)
        assert len(line.value) == INPUT_LIMIT
        assert any("5 were cut" in n.message for n in app._notifications)
        await pilot.press("enter")
        await settle(pilot)
        assert sent == [("s-invoice", "x" * INPUT_LIMIT)]


async def test_requests_still_waiting_when_the_dashboard_stops_are_left_to_their_agents(tmp_path):
    import json

    from tether_tui.audit import AuditLog
    from tether_tui.models import Outcome

    audit = AuditLog(tmp_path / "audit.jsonl")
    store = build_scene()
    store.audit = audit
    store.approvals.audit = audit
    waiting = store.approvals.pending()
    assert waiting
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
    assert not store.approvals.pending()
    for request in waiting:
        assert request.decision.outcome is Outcome.DEFER and request.decision.via is Via.SYSTEM
        assert request.decision.reason == "left to the agent: the dashboard stopped"
    records = [json.loads(line) for line in (tmp_path / "audit.jsonl").read_text().splitlines()]
    assert {r["request_id"] for r in records if r["event"] == "decision"} == {r.id for r in waiting}
    assert {r["reason"] for r in records} == {"left to the agent: the dashboard stopped"}
