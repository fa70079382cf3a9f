"""Bounded per-session output history: a ring of lines capped by count and by bytes."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable

from tether_tui.printable import printable

_ANSI_SEQUENCE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
"""Terminal escape sequences in an agent's output (colours, titles): dropped, never sent to the
terminal that shows the output."""


class OutputBuffer:
    """Keeps the newest lines. Every line gets a sequence number, so a reader can tell exactly
    which lines were dropped (``first_seq`` moves forward as the oldest lines go)."""

    def __init__(self, max_lines: int = 5000, max_bytes: int = 2_000_000, max_line_chars: int = 4000) -> None:
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.max_line_chars = max_line_chars
        self._lines: deque[str] = deque()
        self._bytes = 0
        self.first_seq = 0
        self.next_seq = 0

    def split(self, text: str) -> list[str]:
        """Turn a chunk of output into lines (a trailing newline does not make an empty line)."""
        lines = text.splitlines() or ([""] if text else [])
        if not lines:
            return []
        result: list[str] = []
        cap = self.max_line_chars
        for line in lines:
            line = printable(_ANSI_SEQUENCE.sub("", line.replace("\t", "    ")), one_line=True)
            if len(line) <= cap:
                result.append(line)
            else:
                result.extend(line[i : i + cap] for i in range(0, len(line), cap))
        return result

    def extend(self, lines: Iterable[str]) -> int:
        """Append lines; returns the sequence number of the first one."""
        first = self.next_seq
        for line in lines:
            self._lines.append(line)
            self._bytes += len(line) + 1
            self.next_seq += 1
        while self._lines and (len(self._lines) > self.max_lines or self._bytes > self.max_bytes):
            dropped = self._lines.popleft()
            self._bytes -= len(dropped) + 1
            self.first_seq += 1
        return first

    def lines(self, start_seq: int | None = None) -> list[str]:
        """Kept lines from ``start_seq`` on (all kept lines by default)."""
        if start_seq is None or start_seq <= self.first_seq:
            return list(self._lines)
        return self.tail(self.next_seq - start_seq)

    def tail(self, count: int) -> list[str]:
        if count <= 0:
            return []
        n = len(self._lines)
        return [self._lines[i] for i in range(max(0, n - count), n)]

    def text(self) -> str:
        return "\n".join(self._lines) + ("\n" if self._lines else "")

    @property
    def dropped(self) -> int:
        return self.first_seq

    @property
    def byte_size(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._lines)
