"""The queue of pending approval requests, oldest first, with their age."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tether_tui.app.format import MiddleCut, age
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.models import ApprovalRequest


class ApprovalQueue(FittedTable):
    """Its cursor shows only on a request of the selected session: the one ``a`` and ``d``
    decide. Requests of other sessions are listed, never decided from here by accident."""

    COLUMNS = (("age", "Age", 5), ("session", "Session", 0.35), ("tool", "Tool", 8), ("summary", "Request", 0.65))
    HIDE_BELOW = {"age": 48}

    class OpenDetails(Message):
        def __init__(self, request_id: str) -> None:
            super().__init__()
            self.request_id = request_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Approvals"
        self._created: dict[str, float] = {}
        self._session_of: dict[str, str] = {}
        self.show_cursor = False

    def add(self, request: ApprovalRequest, session_title: str, now_mono: float) -> None:
        if self.has_row(request.id):
            return
        self._created[request.id] = request.created_mono
        self._session_of[request.id] = request.session_id
        self.put_row(
            request.id,
            (
                age(now_mono - request.created_mono),
                MiddleCut(session_title),
                Text(request.tool_name, style="bold", overflow="ellipsis", no_wrap=True),
                Text(request.summary, overflow="ellipsis", no_wrap=True),
            ),
        )
        self.border_title = f"Approvals ({self.row_count})"

    def forget(self, request_id: str) -> None:
        """Take a settled request out of the list."""
        self.drop_row(request_id)
        self._created.pop(request_id, None)
        self._session_of.pop(request_id, None)
        self.border_title = f"Approvals ({self.row_count})" if self.row_count else "Approvals"

    def rename_session(self, session_id: str, title: str) -> None:
        for request_id, owner in self._session_of.items():
            if owner == session_id:
                self.set_cell(request_id, "session", MiddleCut(title))

    def highlight(self, request_id: str | None) -> None:
        """Put the cursor on ``request_id``, or hide it (None)."""
        if request_id is None or not self.has_row(request_id):
            self.show_cursor = False
            return
        self.show_cursor = True
        self.select(request_id)

    @property
    def highlighted_id(self) -> str | None:
        """The request under a visible cursor."""
        return self.selected_id if self.show_cursor else None

    def refresh_ages(self, now_mono: float) -> None:
        for request_id, created in self._created.items():
            self.set_cell(request_id, "age", age(now_mono - created))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if self.show_cursor and event.row_key.value is not None:
            self.post_message(self.OpenDetails(event.row_key.value))
