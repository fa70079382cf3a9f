"""Who may act from chat: the allowlists from the config (changed there) and the users who
paired with a code (revoked here). Revoking takes effect at once and is kept on disk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


@dataclass(frozen=True)
class ChatUserRow:
    platform: str
    user_id: str
    name: str
    source: str
    """"paired" (revocable here) or "config" (``allowed_user_ids``)."""
    since: str = ""


class ChatUsersScreen(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("r,delete", "revoke", "Revoke paired user"),
        Binding("p", "pair", "New pairing code"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(
        self,
        rows: Callable[[], list[ChatUserRow]],
        revoke: Callable[[str, str], bool],
        pair: Callable[[], None],
    ) -> None:
        super().__init__()
        self._rows = rows
        self._revoke = revoke
        self._pair = pair
        self.shown: list[ChatUserRow] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(Content("Chat users who may act"), classes="title")
            yield DataTable(cursor_type="row", zebra_stripes=True)
            yield Label("", id="empty", classes="said")
            yield Label("", id="said", classes="said")
            yield Label("r revoke the paired user · p show a pairing code · escape close", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Platform", "User", "Id", "May act because", "Since")
        self.refill()
        table.focus()

    def refill(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        self.shown = self._rows()
        for row in self.shown:
            because = "paired with a code" if row.source == "paired" else "allowed_user_ids in the config"
            table.add_row(row.platform.capitalize(), Content(row.name), row.user_id, because, row.since[:16].replace("T", " "))
        empty = (
            ""
            if self.shown
            else "Nobody may act from chat yet: p shows a code to write there (/pair on Telegram, !pair on Slack and Discord)."
        )
        self.query_one("#empty", Label).update(Content(empty))

    def action_revoke(self) -> None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row >= len(self.shown):
            return
        row = self.shown[table.cursor_row]
        if row.source != "paired":
            self.say(f"{row.name} is in allowed_user_ids: remove them from the config file", warning=True)
            return
        if self._revoke(row.platform, row.user_id):
            self.say(f"{row.name} may no longer act from {row.platform.capitalize()}")
        self.refill()

    def say(self, text: str, *, warning: bool = False) -> None:
        """A line in the dialog itself (no toast is drawn over a dialog)."""
        said = self.query_one("#said", Label)
        said.update(Content(text))
        said.set_class(warning, "-warning")

    def action_pair(self) -> None:
        self._pair()

    def action_close(self) -> None:
        self.dismiss(None)
