"""The dashboard: sessions, the selected session's output and input, approvals and timers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from tether_tui.app.widgets.approval_queue import ApprovalQueue
from tether_tui.app.widgets.output_view import OutputView
from tether_tui.app.widgets.sessions_table import SessionsTable
from tether_tui.app.widgets.status_bar import LABELS, StatusBar
from tether_tui.app.widgets.timers_panel import TimersPanel
from tether_tui.events import (
    ApprovalDecided,
    ApprovalRequested,
    BridgeHealthChanged,
    ConfigFailed,
    ConfigReloaded,
    Event,
    OutputAppended,
    RuleAdded,
    RuleRemoved,
    SessionAdded,
    SessionChanged,
    SessionRemoved,
)
from tether_tui.store import BridgeHealth

if TYPE_CHECKING:
    from tether_tui.app.app import TetherApp


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"

    BINDINGS = [
        Binding("a", "app.approve", "Approve"),
        Binding("d", "app.deny", "Deny"),
        Binding("D", "app.deny_with_reason", "Deny+reason"),
        Binding("t", "app.allow_for", "Allow for…"),
        Binding("x", "app.revoke", "Revoke timer"),
        Binding("i", "focus_input", "Input"),
        Binding("s", "app.stop_session", "Stop"),
        Binding("n", "app.new_session", "New"),
        Binding("question_mark", "app.help", "Help"),
        Binding("escape", "leave_input", "Leave input", show=False),
    ]

    app: TetherApp

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="columns"):
            with Vertical(id="left"):
                yield SessionsTable(id="sessions")
                yield ApprovalQueue(id="approvals")
                yield TimersPanel(id="timers")
            with Vertical(id="right"):
                yield OutputView(id="output")
                yield Input(placeholder="Send input to the selected session (i)", id="input")
        yield Footer()

    def on_mount(self) -> None:
        store = self.app.store
        sessions = self.query_one(SessionsTable)
        for session in store.sessions():
            sessions.upsert(session, len(store.approvals.pending(session.id)))
        queue = self.query_one(ApprovalQueue)
        for request in store.approvals.pending():
            queue.add(request, store.session(request.session_id).title, store.clock.monotonic())
        self._refresh_status()
        self.refresh_clocks()
        self._show_selected()
        sessions.focus()

    # ----------------------------------------------------------------- store events
    def apply(self, events: list[Event]) -> None:
        """Bring the widgets up to date with a batch of store events."""
        store = self.app.store
        sessions = self.query_one(SessionsTable)
        queue = self.query_one(ApprovalQueue)
        output = self.query_one(OutputView)
        changed: set[str] = set()
        follow = False
        status = False
        rules = False
        for event in events:
            if isinstance(event, OutputAppended):
                follow = follow or event.session_id == output.session_id
            elif isinstance(event, (SessionAdded, SessionChanged)):
                changed.add(event.session.id)
            elif isinstance(event, SessionRemoved):
                sessions.remove(event.session_id)
                changed.discard(event.session_id)
            elif isinstance(event, ApprovalRequested):
                title = store.session(event.request.session_id).title
                queue.add(event.request, title, store.clock.monotonic())
                status = True
            elif isinstance(event, ApprovalDecided):
                queue.remove(event.request.id)
                status = True
            elif isinstance(event, (RuleAdded, RuleRemoved)):
                rules = True
            elif isinstance(event, BridgeHealthChanged):
                status = True
                if event.health == BridgeHealth.FAILING and event.detail:  # the top bar has no room for why
                    self.app.notify(event.detail, title=f"{LABELS.get(event.name, event.name)} failing", severity="warning")
            elif isinstance(event, (ConfigReloaded, ConfigFailed)):
                status = True
        for session_id in changed:
            if store.has_session(session_id):
                session = store.session(session_id)
                sessions.upsert(session, len(store.approvals.pending(session_id)))
                if session_id == output.session_id:
                    output.border_title = f"Output · {session.title}"
        if follow and output.session_id and store.has_session(output.session_id):
            output.follow(store.output(output.session_id))
        if status:
            self._refresh_status()
        if rules:
            self.refresh_clocks()

    def _refresh_status(self) -> None:
        store = self.app.store
        bar = self.query_one(StatusBar)
        bar.pending = len(store.approvals.pending())
        bar.bridges = dict(store.bridge_health)
        bar.pairing = dict(store.pairing_codes)
        bar.config_error = store.config_error
        self.query_one(ApprovalQueue).set_class(bar.pending > 0, "-has-pending")

    def refresh_clocks(self) -> None:
        """Ages of requests and the time left on timers (called every second)."""
        store = self.app.store
        self.query_one(ApprovalQueue).refresh_ages(store.clock.monotonic())
        self.query_one(TimersPanel).show(store.approvals.rules(), store.approvals.remaining_seconds, store.describe_rule)

    # ----------------------------------------------------------------- selection
    def on_sessions_table_selected(self, message: SessionsTable.Selected) -> None:
        self._show_selected(message.session_id)

    def _show_selected(self, session_id: str | None = None) -> None:
        store = self.app.store
        session_id = session_id or self.query_one(SessionsTable).selected_id
        output = self.query_one(OutputView)
        if session_id is None or not store.has_session(session_id):
            output.show_session(None, "", None)
            return
        if session_id == output.session_id:
            return
        session = store.session(session_id)
        output.show_session(session_id, session.title, store.output(session_id))
        pending = store.approvals.pending(session_id)
        if pending:
            self.query_one(ApprovalQueue).select(pending[0].id)

    def on_approval_queue_open_details(self, message: ApprovalQueue.OpenDetails) -> None:
        self.app.open_details(message.request_id)

    @property
    def selected_session_id(self) -> str | None:
        return self.query_one(SessionsTable).selected_id

    @property
    def selected_request_id(self) -> str | None:
        return self.query_one(ApprovalQueue).selected_id

    @property
    def selected_rule_id(self) -> str | None:
        return self.query_one(TimersPanel).selected_id

    # ----------------------------------------------------------------- input
    def action_focus_input(self) -> None:
        self.query_one("#input", Input).focus()

    def action_leave_input(self) -> None:
        if self.focused is self.query_one("#input", Input):
            self.query_one(SessionsTable).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        event.input.clear()
        session_id = self.selected_session_id
        if session_id is None:
            self.app.notify("No session selected", severity="warning")
            return
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            await self.app.run_chat_command(name, args.strip(), session_id)
            return
        await self.app.send_input(session_id, text)
