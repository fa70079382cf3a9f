"""The selected session's output: the kept history, following the tail unless scrolled up."""

from __future__ import annotations

from textual.widgets import Log

from tether_tui.output import OutputBuffer


class OutputView(Log):
    """Shows one session at a time. ``follow`` appends what the session wrote since the last
    call, reading the store's buffer, so lines a slow frame skipped are never missed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(highlight=False, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self.session_id: str | None = None
        self._next_seq = 0
        self.border_title = "Output"

    def show_session(self, session_id: str | None, title: str, buffer: OutputBuffer | None) -> None:
        self.session_id = session_id
        self.border_title = f"Output · {title}" if session_id else "Output"
        self.clear()
        if buffer is None:
            self._next_seq = 0
            return
        self.max_lines = buffer.max_lines
        if buffer.dropped:
            self.write_line(f"… {buffer.dropped:,} earlier lines not kept")
        self.write_lines(buffer.lines())
        self._next_seq = buffer.next_seq
        self.scroll_end(animate=False, immediate=True)

    def follow(self, buffer: OutputBuffer) -> None:
        if buffer.next_seq == self._next_seq:
            return
        missed = buffer.first_seq - self._next_seq
        if missed > 0:
            self.write_line(f"… {missed:,} lines went by faster than the history keeps")
        self.write_lines(buffer.lines(self._next_seq))
        self._next_seq = buffer.next_seq
