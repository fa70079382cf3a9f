"""An input line that holds a bounded amount of text, whatever arrives: a paste of any size (with
or without bracketed paste) is cut to the limit, and the user is told what was cut."""

from __future__ import annotations

import time
from typing import Any

from textual.timer import Timer
from textual.widgets import Input

INPUT_LIMIT = 64 * 1024
"""Characters an input line holds (an agent prompt longer than this belongs in a file)."""
NOTICE_AFTER = 0.3
"""Cuts in a burst (a paste typed key by key) are told once, this long after the last one."""


class BoundedInput(Input):
    def __init__(self, *args: Any, limit: int = INPUT_LIMIT, **kwargs: Any) -> None:
        super().__init__(*args, max_length=limit, **kwargs)
        self._cut = 0
        self._notice: Timer | None = None
        self._last_cut = 0.0

    def replace(self, text: str, start: int, end: int) -> None:
        room = max(self.max_length - (len(self.value) - (end - start)), 0) if self.max_length else len(text)
        if len(text) > room:
            self._cut += len(text) - room
            text = text[:room]
            self._tell_later()
            if not text and start == end:
                return
        super().replace(text, start, end)

    def _tell_later(self) -> None:
        self._last_cut = time.monotonic()
        if self._notice is None:
            self._notice = self.set_timer(NOTICE_AFTER, self._tell)

    def _tell(self) -> None:
        quiet = time.monotonic() - self._last_cut
        if quiet < NOTICE_AFTER:  # still arriving: one timer per burst, not one per key
            self._notice = self.set_timer(NOTICE_AFTER - quiet, self._tell)
            return
        cut, self._cut, self._notice = self._cut, 0, None
        if cut:
            self.notify(
                f"The input line holds at most {self.max_length:,} characters: {cut:,} were cut.",
                title="Input cut",
                severity="warning",
            )
