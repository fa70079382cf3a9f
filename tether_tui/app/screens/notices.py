"""Every notice the dashboard showed, newest first, with what is wrong right now in full: each
chat bridge's state and reason, the config error, the gateway. Nothing here is cut to fit a bar."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from tether_tui.app.widgets.fitted_footer import FittedFooter

SEVERITY_STYLE = {"information": "cyan", "warning": "yellow", "error": "bold red"}


@dataclass(frozen=True)
class NoticeRecord:
    at: datetime
    severity: str
    title: str
    text: str


class NoticesScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q,m", "close", "Close")]

    def __init__(self, status: Iterable[tuple[str, str, str]], notices: Iterable[NoticeRecord]) -> None:
        super().__init__()
        self.status = list(status)
        self.notices = list(notices)

    def compose(self) -> ComposeResult:
        now = Table.grid(padding=(0, 2), expand=True)
        now.add_column(style="bold", no_wrap=True)
        now.add_column(no_wrap=True)
        now.add_column(ratio=1)
        for name, state, detail in self.status:
            style = "bold red" if state in ("failing", "error") else ("green" if state in ("connected", "ok") else "")
            now.add_row(Text(name), Text(state, style=style), Text(detail))
        history = Table.grid(padding=(0, 1), expand=True)
        history.add_column(style="dim", no_wrap=True)
        history.add_column(no_wrap=True)
        history.add_column(ratio=1)
        for record in reversed(self.notices):
            text = Text()
            if record.title:
                text.append(f"{record.title}: ", style="bold")
            text.append(record.text)
            history.add_row(Text(f"{record.at:%H:%M:%S}"), Text(record.severity, style=SEVERITY_STYLE.get(record.severity, "")), text)
        with VerticalScroll(classes="dialog"):
            yield Label("Now", classes="title")
            yield Static(now)
            yield Label(f"Notices ({len(self.notices)}), newest first", classes="title")
            yield Static(history if self.notices else Text("None yet.", style="dim"))
            yield Label("↑↓ scroll · escape close", classes="hint")
        yield FittedFooter()

    def action_close(self) -> None:
        self.dismiss(None)
