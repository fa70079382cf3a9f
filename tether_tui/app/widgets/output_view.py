"""The selected session's output: the kept history, following the tail unless scrolled up.

Long lines wrap at the panel's width (``W`` toggles); a filter (``/``) shows only the lines that
hold a text, with how many there are."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable

from textual import events
from textual.widgets import Log

from tether_tui.output import OutputBuffer

EMPTY_HINT = (
    "No sessions yet.",
    "",
    "Agents you start elsewhere show up here once their hooks point at this dashboard:",
    "  tether-tui install-hooks claude",
    "  (or codex, gemini; --project for one repository)",
    "",
    "Or press n to start a session: a demo agent needs nothing installed.",
)


class OutputView(Log):
    """Shows one session at a time. ``follow`` appends what the session wrote since the last
    call, reading the store's buffer, so lines a slow frame skipped are never missed."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(highlight=False, auto_scroll=True, **kwargs)  # type: ignore[arg-type]
        self.session_id: str | None = None
        self.session_title = ""
        self.wrap_lines_enabled = True
        self.filter: str | None = None
        self.matches = 0
        self._buffer: OutputBuffer | None = None
        self._next_seq = 0
        self._wrapped_at = 0
        self._empty_hint = False
        self.border_title = "Output"

    # ----------------------------------------------------------------- options
    @property
    def wrap_lines(self) -> bool:
        return self.wrap_lines_enabled

    @wrap_lines.setter
    def wrap_lines(self, value: bool) -> None:
        self.wrap_lines_enabled = value
        self._rebuild()

    @property
    def empty_hint(self) -> bool:
        return self._empty_hint

    @empty_hint.setter
    def empty_hint(self, value: bool) -> None:
        if value != self._empty_hint:
            self._empty_hint = value
            if self.session_id is None:
                self._rebuild()

    def set_filter(self, text: str | None) -> None:
        self.filter = text or None
        self._rebuild()

    def set_title(self, title: str) -> None:
        self.session_title = title
        self._update_title()

    def _update_title(self) -> None:
        if self.session_id is None:
            self.border_title = "Output"
            return
        title = f"Output · {self.session_title}"
        if self.filter:
            title += f" · /{self.filter}: {self.matches:,} line{'s' if self.matches != 1 else ''}"
        self.border_title = title

    # ----------------------------------------------------------------- content
    def show_session(self, session_id: str | None, title: str, buffer: OutputBuffer | None) -> None:
        self.session_id = session_id
        self.session_title = title
        self._buffer = buffer
        if buffer is not None:
            self.max_lines = buffer.max_lines * 4 if self.wrap_lines_enabled else buffer.max_lines
        self._rebuild()

    def _rebuild(self) -> None:
        self.clear()
        self.matches = 0
        buffer = self._buffer if self.session_id is not None else None
        if buffer is None:
            self._next_seq = 0
            if self._empty_hint:
                width = self._wrap_width(always=True)
                self._wrapped_at = width
                self.write_lines([part for line in EMPTY_HINT for part in _wrap(line, width)] if width else EMPTY_HINT)
            self._update_title()
            return
        if buffer.dropped and not self.filter:
            self.write_line(f"… {buffer.dropped:,} earlier lines not kept")
        self._write(buffer.lines())
        self._next_seq = buffer.next_seq
        self._update_title()
        self.scroll_end(animate=False, immediate=True)

    def follow(self, buffer: OutputBuffer) -> None:
        if buffer is not self._buffer:
            self._buffer = buffer
        if buffer.next_seq == self._next_seq:
            return
        missed = buffer.first_seq - self._next_seq
        if missed > 0 and not self.filter:
            self.write_line(f"… {missed:,} lines went by faster than the history keeps")
        self._write(buffer.lines(self._next_seq))
        self._next_seq = buffer.next_seq
        if self.filter:
            self._update_title()

    def _write(self, lines: Iterable[str]) -> None:
        if self.filter:
            wanted = self.filter.casefold()
            lines = [line for line in lines if wanted in line.casefold()]
            self.matches += len(lines)
        width = self._wrap_width()
        if width:
            self._wrapped_at = width
            lines = [part for line in lines for part in _wrap(line, width)]
        self.write_lines(lines)

    def write_lines(self, lines: Iterable[str], scroll_end: bool | None = None) -> OutputView:
        # Log splits each line with str.splitlines, which turns an empty line into none at all:
        # a blank line between paragraphs is kept as one space
        return super().write_lines([line or " " for line in lines], scroll_end)

    def _wrap_width(self, *, always: bool = False) -> int:
        if not (self.wrap_lines_enabled or always):
            return 0
        width = self.scrollable_content_region.width
        return width if width >= 10 else 0

    def on_resize(self, event: events.Resize) -> None:
        showing_hint = self._empty_hint and self.session_id is None
        width = self._wrap_width(always=showing_hint)
        if width and width != self._wrapped_at:
            self._rebuild()


def _wrap(line: str, width: int) -> list[str]:
    if len(line) <= width:
        return [line]
    return textwrap.wrap(
        line, width=width, subsequent_indent="  ", break_long_words=True, replace_whitespace=False, drop_whitespace=False
    ) or [line]
