"""Text markup per chat platform, and chunking that never breaks it."""

from __future__ import annotations

import html
from typing import Protocol


class Markup(Protocol):
    limit: int
    """Longest message the platform takes, in visible characters."""

    def escape(self, text: str) -> str: ...

    def bold(self, text: str) -> str: ...

    def code(self, text: str) -> str: ...

    def pre(self, text: str) -> str:
        """A preformatted block of already raw (unescaped) text."""
        ...


class TelegramHtml:
    limit = 4096

    def escape(self, text: str) -> str:
        return html.escape(text, quote=False)

    def bold(self, text: str) -> str:
        return f"<b>{self.escape(text)}</b>"

    def code(self, text: str) -> str:
        return f"<code>{self.escape(text)}</code>"

    def pre(self, text: str) -> str:
        return f"<pre>{self.escape(text)}</pre>"


def split_long_line(line: str, width: int) -> list[str]:
    return [line[i : i + width] for i in range(0, len(line), width)] or [""]


def chunk_lines(lines: list[str], budget: int) -> list[list[str]]:
    """Group raw lines into chunks of at most ``budget`` characters (newlines included); a line
    longer than the budget is cut into pieces. Each chunk is escaped and wrapped on its own, so
    no tag or entity is ever split."""
    chunks: list[list[str]] = []
    current: list[str] = []
    size = 0
    for line in lines:
        for piece in split_long_line(line, budget):
            extra = len(piece) + (1 if current else 0)
            if current and size + extra > budget:
                chunks.append(current)
                current, size = [], 0
                extra = len(piece)
            current.append(piece)
            size += extra
    if current:
        chunks.append(current)
    return chunks


def newest_that_fit(lines: list[str], budget: int) -> list[str]:
    """The newest lines whose total (with newlines) fits ``budget`` characters."""
    kept: list[str] = []
    size = 0
    for line in reversed(lines):
        piece = line if len(line) <= budget else line[-budget:]
        extra = len(piece) + (1 if kept else 0)
        if size + extra > budget:
            break
        kept.append(piece)
        size += extra
    kept.reverse()
    return kept
