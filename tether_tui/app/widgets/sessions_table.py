"""The sessions list: one row per session with origin, state and pending approvals."""

from __future__ import annotations

from rich.text import Text

from tether_tui.app.format import MiddleCut, origin_text, state_text
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.models import Session


class SessionsTable(FittedTable):
    COLUMNS = (("title", "Session", 1.0), ("origin", "From", 4), ("state", "State", 10), ("pending", "Req", 3))
    HIDE_BELOW = {"origin": 44}

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Sessions"

    def upsert(self, session: Session, pending: int, *, queued_input: bool = False) -> None:
        title = MiddleCut(session.title, style="bold" if pending or session.needs_attention else "")
        pending_text = Text(str(pending), style="bold yellow") if pending else Text("·", style="dim")
        self.put_row(
            session.id,
            (
                title,
                origin_text(session.origin),
                state_text(session.state, queued_input=queued_input, resumable=session.resumable),
                pending_text,
            ),
        )
        self.border_title = f"Sessions ({self.row_count})"

    def forget(self, session_id: str) -> None:
        """Take a removed session out of the list."""
        if self.has_row(session_id):
            self.drop_row(session_id)
            self.border_title = f"Sessions ({self.row_count})" if self.row_count else "Sessions"
