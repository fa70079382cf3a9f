"""Every key and every command on one screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

KEYS: tuple[tuple[str, str], ...] = (
    ("a", "Approve the request shown above the input line (always one of the selected session's)"),
    ("d", "Deny it"),
    ("D", "Deny with a reason (sent back to the agent; empty: deny without one)"),
    ("t", "Allow for N minutes: this tool, commands like this one, this session or this folder"),
    ("w", "Go to the next waiting request, of any session"),
    ("enter", "Details of a request: full input, diff for edits (on a session: its oldest request)"),
    ("↑↓ j k", "Move in a list: a request selects its session, a session its oldest request"),
    ("tab", "Move between panels"),
    ("i", "Type input for the selected session (/command runs a command)"),
    ("/", "Show only the output lines holding a text (escape: all lines)"),
    ("W", "Wrap long output lines, or cut them at the edge"),
    ("m", "Notices: every message so far, and what is wrong now, in full"),
    ("x", "Revoke the highlighted auto-approve timer"),
    ("s", "Stop the selected session (asks first)"),
    ("r", "Resume the selected ended session: its agent loads the conversation"),
    ("A", "Archive the selected session (ended, or a hook session with nothing waiting)"),
    ("n", "New session: agent, folder, prompt, approvals"),
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
            commands.add_row(Text(f"/{name}"), Text(text))
        with VerticalScroll(classes="dialog"):
            yield Label("Keys", classes="title")
            yield Static(keys)
            yield Label("Commands (palette, input line and chat)", classes="title")
            yield Static(commands)
            yield Label("↑↓ scroll · escape close", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
