"""The sessions list: one row per session with origin, state and pending approvals."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tether_tui.app.format import origin_text, state_text
from tether_tui.models import Session


class SessionsTable(DataTable[object]):
    class Selected(Message):
        """The highlighted session changed."""

        def __init__(self, session_id: str | None) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)  # type: ignore[arg-type]
        self.border_title = "Sessions"

    def on_mount(self) -> None:
        self.add_column("Session", key="title")
        self.add_column("From", key="origin")
        self.add_column("State", key="state")
        self.add_column("⏳", key="pending")

    def upsert(self, session: Session, pending: int) -> None:
        title = Text(session.title, style="bold" if pending or session.needs_attention else "")
        cells = (title, origin_text(session.origin), state_text(session.state), self._pending(pending))
        if session.id in self.rows:
            for key, value in zip(("title", "origin", "state", "pending"), cells):
                self.update_cell(session.id, key, value)
        else:
            self.add_row(*cells, key=session.id)
            if self.row_count == 1:
                self.post_message(self.Selected(session.id))

    @staticmethod
    def _pending(count: int) -> Text:
        return Text(str(count), style="bold yellow") if count else Text("·", style="dim")

    def remove(self, session_id: str) -> None:
        if session_id in self.rows:
            self.remove_row(session_id)
            self.post_message(self.Selected(self.selected_id))

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, session_id: str) -> None:
        if session_id in self.rows:
            self.move_cursor(row=self.get_row_index(session_id))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self.post_message(self.Selected(event.row_key.value))
