"""The dashboard: sessions, the selected session's output and input, approvals and timers.

One selection: the selected session is the one whose output shows, and the highlighted request
is always one of that session's (its oldest, unless the person moved to another). Choosing a
request in the queue selects its session; choosing a session highlights its oldest request.
After a decision the highlight stays in the session; when the session has nothing left, ``a``
and ``d`` decide nothing and a hint says where the next request waits (``w`` goes there).
Nothing moves the selection but the person: new requests and sessions never do.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import DataTable, Input

from tether_tui.app.widgets.approval_queue import ApprovalQueue
from tether_tui.app.widgets.bounded_input import BoundedInput
from tether_tui.app.widgets.fitted_footer import FittedFooter
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.app.widgets.output_view import OutputView
from tether_tui.app.widgets.request_preview import RequestPreview
from tether_tui.app.widgets.sessions_table import SessionsTable
from tether_tui.app.widgets.status_bar import StatusBar
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
from tether_tui.models import ApprovalRequest
from tether_tui.platforms import label_of
from tether_tui.store import BridgeHealth

if TYPE_CHECKING:
    from tether_tui.app.actions import Dashboard


BURST_GAP = 0.6
"""Decision keys closer together than this are one run (a key held down, a double tap)."""


class MainScreen(Screen[None]):
    CSS_PATH = "main.tcss"

    BINDINGS = [
        Binding("a", "app.approve", "Approve"),
        Binding("d", "app.deny", "Deny"),
        Binding("t", "app.allow_for", "Allow for…"),
        Binding("question_mark", "app.help", "Help"),
        Binding("q", "app.quit", "Quit"),
        Binding("w", "next_request", "Next request"),
        Binding("D", "app.deny_with_reason", "Deny+reason"),
        Binding("i", "focus_input", "Input"),
        Binding("slash", "search", "Search"),
        Binding("m", "app.notices", "Notices"),
        Binding("x", "app.revoke", "Revoke timer", show=False),
        Binding("s", "app.stop_session", "Stop", show=False),
        Binding("n", "app.new_session", "New", show=False),
        Binding("r", "app.resume_session", "Resume", show=False),
        Binding("W", "toggle_wrap", "Wrap", show=False),
        Binding("A", "app.archive_session", "Archive", show=False),
        Binding("escape", "leave_input", "Back to the tables"),
    ]

    @property
    def dashboard(self) -> Dashboard:
        """The application, through what screens may ask of it."""
        return cast("Dashboard", self.app)

    def __init__(self) -> None:
        super().__init__()
        self._session_id: str | None = None
        self._composed = False
        self._failing_told: dict[str, str] = {}
        """Per bridge or remote, the failure last said in a notice."""
        self._on_screen: tuple[str | None, float] = (None, 0.0)
        """The request the keys act on, and since when (the store's monotonic clock)."""
        self._burst: tuple[float, float] = (-1e9, -1e9)
        """When the current run of decision keys began, and when its last key came."""

    def compose(self) -> ComposeResult:
        yield StatusBar()
        with Horizontal(id="columns"):
            with Vertical(id="left"):
                yield SessionsTable(id="sessions")
                yield ApprovalQueue(id="approvals")
                yield TimersPanel(id="timers")
            with Vertical(id="right"):
                yield OutputView(id="output")
                yield BoundedInput(placeholder="Filter the output: enter · esc: all", id="search")
                yield RequestPreview(id="preview")
                yield BoundedInput(placeholder="Send input to the selected session (i)", id="input")
        yield FittedFooter()

    def on_mount(self) -> None:
        self._composed = True
        store = self.dashboard.store
        sessions = self.query_one(SessionsTable)
        for session in store.sessions():
            sessions.upsert(session, len(store.approvals.pending(session.id)), queued_input=bool(session.queued_input))
        queue = self.query_one(ApprovalQueue)
        for request in store.approvals.pending():
            queue.add(request, store.session(request.session_id).title, store.clock.monotonic())
        self.query_one("#search", Input).display = False
        self._refresh_status()
        self.refresh_clocks()
        pending = store.approvals.pending()
        first = pending[0].session_id if pending else (sessions.row_keys[0] if sessions.row_keys else None)
        self.select_session(first)
        sessions.focus()

    def on_unmount(self) -> None:
        self._composed = False

    @property
    def ready(self) -> bool:
        """Composed and not taken down: timers and store events may touch the widgets."""
        return self._composed

    # ----------------------------------------------------------------- store events
    def apply(self, events: list[Event]) -> None:
        """Bring the widgets up to date with a batch of store events."""
        if not self.ready:
            return
        with contextlib.suppress(NoMatches):  # the screen is being taken down
            self._apply(events)

    def _health_notice(self, event: BridgeHealthChanged) -> None:
        """Say why a bridge or remote fails, once per reason: one that keeps retrying (every 30 s
        at most) is not a new toast each time, but a new reason is."""
        if event.health == BridgeHealth.CONNECTED:
            self._failing_told.pop(event.name, None)
        if event.health != BridgeHealth.FAILING or not event.detail:
            return
        reason = event.detail.split("; trying again")[0]
        if self._failing_told.get(event.name) == reason:
            return
        self._failing_told[event.name] = reason
        self.dashboard.tell(event.detail, title=f"{label_of(event.name)} failing", severity="warning")

    def _apply(self, events: list[Event]) -> None:
        store = self.dashboard.store
        sessions = self.query_one(SessionsTable)
        queue = self.query_one(ApprovalQueue)
        output = self.query_one(OutputView)
        changed: dict[str, None] = {}  # in the order they came: the list is the same every run
        follow = status = rules = requests = False
        for event in events:
            if isinstance(event, OutputAppended):
                follow = follow or event.session_id == output.session_id
            elif isinstance(event, (SessionAdded, SessionChanged)):
                changed[event.session.id] = None
            elif isinstance(event, SessionRemoved):
                sessions.forget(event.session_id)
                changed.pop(event.session_id, None)
                if event.session_id == self._session_id:
                    self._session_id = None
            elif isinstance(event, ApprovalRequested):
                if store.has_session(event.request.session_id):
                    queue.add(event.request, store.session(event.request.session_id).title, store.clock.monotonic())
                status = requests = True
            elif isinstance(event, ApprovalDecided):
                queue.forget(event.request.id)
                status = requests = True
            elif isinstance(event, (RuleAdded, RuleRemoved)):
                rules = True
            elif isinstance(event, BridgeHealthChanged):
                status = True
                self._health_notice(event)
            elif isinstance(event, (ConfigReloaded, ConfigFailed)):
                status = True
        for session_id in changed:
            if store.has_session(session_id):
                session = store.session(session_id)
                sessions.upsert(session, len(store.approvals.pending(session_id)), queued_input=bool(session.queued_input))
                queue.rename_session(session_id, session.title)
                if session_id == output.session_id:
                    output.set_title(session.title)
        if self._session_id is None and sessions.row_keys:
            self.select_session(sessions.selected_id or sessions.row_keys[0])
        elif requests or changed:
            self._sync_request()
        if follow and output.session_id and store.has_session(output.session_id):
            output.follow(store.output(output.session_id))
        if status:
            self._refresh_status()
        if rules:
            self.refresh_clocks()

    def _refresh_status(self) -> None:
        store = self.dashboard.store
        bar = self.query_one(StatusBar)
        bar.pending = len(store.approvals.pending())
        bar.bridges = dict(store.bridge_health)
        bar.pairing = dict(store.pairing_codes)
        bar.config_error = store.config_error
        self.query_one(ApprovalQueue).set_class(bar.pending > 0, "-has-pending")
        self.query_one(OutputView).empty_hint = not store.sessions()

    def refresh_clocks(self) -> None:
        """Ages of requests and the time left on timers (called every second)."""
        if not self.ready:
            return
        try:
            store = self.dashboard.store
            self.query_one(ApprovalQueue).refresh_ages(store.clock.monotonic())
            self.query_one(TimersPanel).show(store.approvals.rules(), store.approvals.remaining_seconds, store.describe_rule)
            self._sync_preview()
        except NoMatches:
            pass

    # ----------------------------------------------------------------- selection
    def select_session(self, session_id: str | None, *, request_id: str | None = None) -> None:
        """Make ``session_id`` the selected session: its output shows and its request (the
        given one, else its oldest) is highlighted."""
        store = self.dashboard.store
        if session_id is not None and not store.has_session(session_id):
            session_id = None
        self._session_id = session_id
        sessions = self.query_one(SessionsTable)
        output = self.query_one(OutputView)
        if session_id is None:
            output.show_session(None, "", None)
        else:
            if sessions.selected_id != session_id:
                sessions.select(session_id)
            if output.session_id != session_id:
                session = store.session(session_id)
                output.show_session(session_id, session.title, store.output(session_id))
        self._sync_request(request_id)

    def _sync_request(self, wanted: str | None = None) -> None:
        """Keep the highlighted request inside the selected session."""
        queue = self.query_one(ApprovalQueue)
        current = wanted or queue.highlighted_id
        mine = self._pending_here()
        if current not in {r.id for r in mine}:
            current = mine[0].id if mine else None
        queue.highlight(current)
        self._sync_preview()

    def _pending_here(self) -> list[ApprovalRequest]:
        if self._session_id is None:
            return []
        return self.dashboard.store.approvals.pending(self._session_id)

    def _sync_preview(self) -> None:
        store = self.dashboard.store
        preview = self.query_one(RequestPreview)
        request_id = self.selected_request_id
        if request_id is not None:
            request = store.approvals.get(request_id)
            now = store.clock.monotonic()
            if self._on_screen[0] != request_id:
                self._on_screen = (request_id, now)
                grace = store.config.dashboard.key_grace_seconds
                if grace > 0:
                    self.set_timer(grace + 0.05, self._sync_preview, name="arm the keys")
            preview.show_request(request, store.session(request.session_id).title, now, arming=self._arming_left(request_id, now))
            return
        self._on_screen = (None, 0.0)
        preview.show_hint(self.next_request_hint())

    # ----------------------------------------------------------------- no blind decisions
    def _arming_left(self, request_id: str, now: float) -> float:
        """Seconds before a key may decide ``request_id`` (0: it may)."""
        grace = self.dashboard.store.config.dashboard.key_grace_seconds
        shown, since = self._on_screen
        return grace if shown != request_id else max(0.0, since + grace - now)

    def refusal(self, request_id: str) -> str | None:
        """Why a decision key pressed now must not decide ``request_id``, or None when it may.

        A request decides nothing until it has been on screen, as the one the keys act on, for
        ``key_grace_seconds``; and a run of keys (a key held down, a double tap) that began
        before it was shown never decides it, however long the run goes on."""
        now = self.dashboard.store.clock.monotonic()
        began, last = self._burst
        if now - last > BURST_GAP:
            began = now
        self._burst = (began, now)
        grace = self.dashboard.store.config.dashboard.key_grace_seconds
        if grace <= 0:
            return None
        if self._on_screen[0] != request_id or self._arming_left(request_id, now) > 0:
            return f"Not yet: read the request first (keys act {grace:g} s after it shows)"
        if began <= self._on_screen[1]:
            return "Not yet: that key was held since before this request showed; press it again"
        return None

    def next_request_hint(self) -> str | None:
        """Where the next request waits, when the selected session has none (None: nowhere)."""
        following = self._next_request()
        if following is None:
            return None
        here = self.dashboard.store.session(self._session_id).title if self._session_id else "this session"
        where = self.dashboard.store.session(following.session_id).title
        return f"Nothing waiting in {here}. Next: {following.tool_name} in {where} (w goes there)"

    def _next_request(self) -> ApprovalRequest | None:
        """The waiting request after the highlighted one (oldest first, any session, round
        the end); with none highlighted, the oldest of another session."""
        pending = [r for r in self.dashboard.store.approvals.pending() if self.dashboard.store.has_session(r.session_id)]
        current = self.selected_request_id
        ids = [r.id for r in pending]
        if current in ids:
            return pending[(ids.index(current) + 1) % len(pending)] if len(pending) > 1 else None
        elsewhere = [r for r in pending if r.session_id != self._session_id]
        return elsewhere[0] if elsewhere else (pending[0] if pending else None)

    def action_next_request(self) -> None:
        following = self._next_request()
        if following is None:
            self.dashboard.tell("No other request is waiting", timeout=3)
            return
        self.select_session(following.session_id, request_id=following.id)

    def on_fitted_table_chosen(self, message: FittedTable.Chosen) -> None:
        """The person moved in a list: the selection follows them."""
        message.stop()
        store = self.dashboard.store
        if isinstance(message.table, SessionsTable):
            if message.key != self._session_id:
                self.select_session(message.key)
        elif isinstance(message.table, ApprovalQueue) and message.key is not None:
            try:
                request = store.approvals.get(message.key)
            except KeyError:
                return  # decided and forgotten while the cursor moved
            if request.pending:
                self.select_session(request.session_id, request_id=request.id)

    def on_approval_queue_open_details(self, message: ApprovalQueue.OpenDetails) -> None:
        self.dashboard.open_details(message.request_id)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a session: the details of its oldest request (or that nothing waits)."""
        if not isinstance(event.data_table, SessionsTable):
            return
        event.stop()
        pending = self._pending_here()
        if pending:
            self.dashboard.open_details(pending[0].id)
        elif self._session_id is not None:
            self.dashboard.tell(
                self.next_request_hint() or f"Nothing waiting in {self.dashboard.store.session(self._session_id).title}", timeout=4
            )

    @property
    def selected_session_id(self) -> str | None:
        return self._session_id

    @property
    def selected_request_id(self) -> str | None:
        """The request ``a`` and ``d`` decide: highlighted, pending, of the selected session."""
        if not self.ready:
            return None
        request_id = self.query_one(ApprovalQueue).highlighted_id
        if request_id is None or self._session_id is None:
            return None
        try:
            request = self.dashboard.store.approvals.get(request_id)
        except KeyError:
            return None
        return request_id if request.pending and request.session_id == self._session_id else None

    @property
    def selected_rule_id(self) -> str | None:
        return self.query_one(TimersPanel).selected_id

    # ----------------------------------------------------------------- output: search and wrap
    def action_search(self) -> None:
        search = self.query_one("#search", Input)
        search.display = True
        search.focus()

    def action_toggle_wrap(self) -> None:
        output = self.query_one(OutputView)
        output.wrap_lines = not output.wrap_lines
        self.dashboard.tell(f"Long lines {'wrap' if output.wrap_lines else 'are cut at the edge'}", timeout=2)

    # ----------------------------------------------------------------- input
    def action_focus_input(self) -> None:
        self.query_one("#input", Input).focus()

    def on_screen_resume(self) -> None:
        self.dashboard.toasts.release()  # what was told while a dialog or the palette was open

    def watch_maximized(self, maximized: object) -> None:
        for table in self.query(FittedTable):
            self.call_after_refresh(table.refit)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leave_input":
            return isinstance(self.focused, Input)  # shown only while a text field has the focus
        return True

    def action_leave_input(self) -> None:
        search = self.query_one("#search", Input)
        if self.focused is search:
            search.value = ""
            search.display = False
            self.query_one(OutputView).set_filter(None)
            self.query_one(SessionsTable).focus()
        elif self.focused is self.query_one("#input", Input):
            self.query_one(SessionsTable).focus()

    async def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "search":
            self.query_one(OutputView).set_filter(event.value.strip() or None)
            return
        text = event.value.strip()
        if not text:
            return
        session_id = self.selected_session_id
        if text.startswith("/"):
            event.input.clear()
            name, _, args = text[1:].partition(" ")
            await self.dashboard.run_chat_command(name, args.strip(), session_id)
            return
        if session_id is None:
            self.dashboard.tell("No session selected: what you typed stays in the line", severity="warning")
            return
        if await self.dashboard.send_input(session_id, text):  # what cannot be sent stays, with the reason
            event.input.clear()
