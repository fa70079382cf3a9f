"""Every key and every command on one screen."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "Approve the highlighted request"),
    ("d", "Deny it"),
    ("D", "Deny with a reason (sent back to the agent)"),
    ("t", "Allow for N minutes: this tool, this session or this folder"),
    ("enter", "Details of a request: full input, diff for edits"),
    ("x", "Revoke the highlighted auto-approve timer"),
    ("i", "Type input for the selected session (/command runs a command)"),
    ("s", "Stop the selected session (asks first)"),
    ("n", "Start a new demo session"),
    ("tab", "Move between panels"),
    ("ctrl+p", "Command palette: /help /status /stop /usage /timers …"),
    ("?", "This help"),
    ("q", "Quit"),
)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, commands: dict[str, str]) -> None:
        super().__init__()
        self.commands = commands

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold cyan", no_wrap=True)
        keys.add_column()
        for key, text in KEYS:
            keys.add_row(key, text)
        commands = Table.grid(padding=(0, 2))
        commands.add_column(style="bold cyan", no_wrap=True)
        commands.add_column()
        for name, text in self.commands.items():
            commands.add_row(f"/{name}", text)
        with VerticalScroll(classes="dialog"):
            yield Label("Keys", classes="title")
            yield Static(keys)
            yield Label("Commands (palette, input line and chat)", classes="title")
            yield Static(commands)
            yield Label("escape close", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
