"""The sessions list: one row per session with origin, state and pending approvals."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tether_tui.app.format import origin_text, state_text
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.models import Session


class SessionsTable(FittedTable):
    COLUMNS = (("title", "Session", 1.0), ("origin", "From", 4), ("state", "State", 10), ("pending", "Req", 3))

    class Selected(Message):
        """The highlighted session changed."""

        def __init__(self, session_id: str | None) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Sessions"

    def upsert(self, session: Session, pending: int) -> None:
        title = Text(session.title, style="bold" if pending or session.needs_attention else "", overflow="ellipsis", no_wrap=True)
        pending_text = Text(str(pending), style="bold yellow") if pending else Text("·", style="dim")
        if self.put_row(session.id, (title, origin_text(session.origin), state_text(session.state), pending_text)):
            if self.row_count == 1:
                self.post_message(self.Selected(session.id))
        self.border_title = f"Sessions ({self.row_count})"

    def remove(self, session_id: str) -> None:
        if self.has_row(session_id):
            self.drop_row(session_id)
            self.post_message(self.Selected(self.selected_id))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Selected(event.row_key.value))
