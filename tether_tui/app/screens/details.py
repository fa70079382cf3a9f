"""One request in full: the tool input, and the diff an Edit or Write would make."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tether_tui.app.widgets.fitted_footer import FittedFooter
from tether_tui.models import ApprovalRequest, Decision
from tether_tui.toolinput import pretty_input, short_path, unified_diff

if TYPE_CHECKING:
    from tether_tui.app.actions import Dashboard


class DetailsScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = """
    DetailsScreen .dialog { width: 110; height: 90%; }
    DetailsScreen #decision { color: $success; text-style: bold; }
    DetailsScreen #decision.-denied { color: $error; }
    DetailsScreen Static.code { margin-bottom: 1; }
    """
    BINDINGS = [
        Binding("a", "decide(True)", "Approve"),
        Binding("d", "decide(False)", "Deny"),
        Binding("D", "deny_with_reason", "Deny+reason"),
        Binding("t", "allow_for", "Allow for…"),
        Binding("escape,q", "close", "Close"),
    ]

    @property
    def dashboard(self) -> Dashboard:
        """The application, through what screens may ask of it."""
        return cast("Dashboard", self.app)

    def __init__(self, request: ApprovalRequest, session_title: str) -> None:
        super().__init__()
        self.request = request
        self.session_title = session_title
        self.opened_at = 0.0

    def compose(self) -> ComposeResult:
        request = self.request
        with VerticalScroll(classes="dialog"):
            yield Label(Content(f"{request.tool_name} · {self.session_title}"), classes="title")
            yield Static(
                f"Folder: {short_path(request.directory) or '—'}\nAsked:  {request.created_at:%H:%M:%S}   id {request.external_id}",
                markup=False,
            )
            yield Label("", id="decision")
            yield Label("", id="said", classes="said -warning")
            diff = unified_diff(request.tool_name, request.tool_input, request.directory)
            if diff:
                yield Label("Change", classes="title")
                yield Static(Syntax(diff, "diff", theme="ansi_dark", word_wrap=True), classes="code")
            yield Label("Input", classes="title")
            yield Static(Syntax(pretty_input(request.tool_input), "json", theme="ansi_dark", word_wrap=True), classes="code")
        yield FittedFooter()

    def on_mount(self) -> None:
        self.opened_at = self.dashboard.store.clock.monotonic()
        if self.request.decision is not None:
            self.show_decision(self.request.decision)

    def _read(self) -> bool:
        """Has it been open long enough to be read (``key_grace_seconds``)? Says so when not."""
        grace = self.dashboard.store.config.dashboard.key_grace_seconds
        if self.dashboard.store.clock.monotonic() - self.opened_at >= grace:
            return True
        self.query_one("#said", Label).update(f"Not yet: read it first (keys act {grace:g} s after it opens)")
        return False

    def show_decision(self, decision: Decision) -> None:
        try:
            label = self.query_one("#decision", Label)
        except NoMatches:
            return  # not composed yet: on_mount shows it
        label.update(Content(decision.describe(sentence=True)))
        label.set_class(not decision.allowed, "-denied")

    def action_decide(self, allow: bool) -> None:
        if self._read() and self.dashboard.decide(self.request.id, allow):
            self.dismiss(None)

    def action_deny_with_reason(self) -> None:
        if self._read():
            self.dashboard.deny_with_reason(self.request.id, on_done=lambda: self.dismiss(None))

    def action_allow_for(self) -> None:
        if self._read():
            self.dashboard.allow_for(self.request.id, on_done=lambda: self.dismiss(None))

    def action_close(self) -> None:
        self.dismiss(None)
