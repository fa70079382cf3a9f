"""The queue of pending approval requests, oldest first, with their age."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tether_tui.app.format import age
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.models import ApprovalRequest


class ApprovalQueue(FittedTable):
    COLUMNS = (("age", "Age", 6), ("session", "Session", 0.35), ("tool", "Tool", 8), ("summary", "Request", 0.65))

    class OpenDetails(Message):
        def __init__(self, request_id: str) -> None:
            super().__init__()
            self.request_id = request_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Approvals"
        self._created: dict[str, float] = {}

    def add(self, request: ApprovalRequest, session_title: str, now_mono: float) -> None:
        if self.has_row(request.id):
            return
        self._created[request.id] = request.created_mono
        self.put_row(
            request.id,
            (
                age(now_mono - request.created_mono),
                Text(session_title, overflow="ellipsis", no_wrap=True),
                Text(request.tool_name, style="bold", overflow="ellipsis", no_wrap=True),
                Text(request.summary, overflow="ellipsis", no_wrap=True),
            ),
        )
        self.border_title = f"Approvals ({self.row_count})"

    def remove(self, request_id: str) -> None:
        self.drop_row(request_id)
        self._created.pop(request_id, None)
        self.border_title = f"Approvals ({self.row_count})" if self.row_count else "Approvals"

    def refresh_ages(self, now_mono: float) -> None:
        for request_id, created in self._created.items():
            self.set_cell(request_id, "age", age(now_mono - created))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.post_message(self.OpenDetails(event.row_key.value))
