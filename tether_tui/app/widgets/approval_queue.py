"""The queue of pending approval requests, oldest first, with their age."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tether_tui.app.format import age
from tether_tui.models import ApprovalRequest


class ApprovalQueue(DataTable[object]):
    class OpenDetails(Message):
        def __init__(self, request_id: str) -> None:
            super().__init__()
            self.request_id = request_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.border_title = "Approvals"
        self._created: dict[str, float] = {}

    def on_mount(self) -> None:
        self.add_column("Age", key="age")
        self.add_column("Session", key="session")
        self.add_column("Tool", key="tool")
        self.add_column("Request", key="summary")

    def add(self, request: ApprovalRequest, session_title: str, now_mono: float) -> None:
        if request.id in self.rows:
            return
        self._created[request.id] = request.created_mono
        self.add_row(
            age(now_mono - request.created_mono),
            Text(session_title, overflow="ellipsis", no_wrap=True),
            Text(request.tool_name, style="bold"),
            Text(request.summary, overflow="ellipsis", no_wrap=True),
            key=request.id,
        )
        self.border_title = f"Approvals ({self.row_count})"

    def remove(self, request_id: str) -> None:
        if request_id in self.rows:
            self.remove_row(request_id)
            self._created.pop(request_id, None)
        self.border_title = f"Approvals ({self.row_count})" if self.row_count else "Approvals"

    def refresh_ages(self, now_mono: float) -> None:
        for request_id, created in self._created.items():
            self.update_cell(request_id, "age", age(now_mono - created))

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value

    def select(self, request_id: str) -> None:
        if request_id in self.rows:
            self.move_cursor(row=self.get_row_index(request_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.OpenDetails(event.row_key.value))
