"""Text markup per chat platform, and chunking that never breaks it."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
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

    def markdown(self, text: str) -> str:
        """An agent's Markdown (one chunk from :func:`chunk_markdown`) in this markup."""
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

    def markdown(self, text: str) -> str:
        from chatgpt_md_converter import telegram_format

        try:
            converted = telegram_format(text)
        except Exception:  # a converter's bug must not cost the message
            return self.escape(text)
        # Telegram refuses the whole message over one unbalanced tag: plain text then
        return converted if _tags_balanced(converted) else self.escape(text)


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.broken = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            self.broken = True


def _tags_balanced(text: str) -> bool:
    checker = _TagBalance()
    checker.feed(text)
    checker.close()
    return not checker.broken and not checker.open


FENCE_BREAK = "`\u200b``"
"""Three backticks inside a code block, broken so they cannot close it."""


SLACK_CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)


class SlackMrkdwn:
    """Slack's mrkdwn. 3,000 characters is the most a section block holds; approval messages
    are sections (they carry buttons), so every message keeps to it."""

    limit = 3000

    def escape(self, text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def bold(self, text: str) -> str:
        return f"*{self.escape(text).replace('*', '∗')}*"

    def code(self, text: str) -> str:
        return f"`{self.escape(text).replace('`', 'ˋ')}`"

    def pre(self, text: str) -> str:
        return f"```\n{self.escape(text).replace('```', FENCE_BREAK)}\n```"

    def markdown(self, text: str) -> str:
        from slackify_markdown import slackify_markdown

        converted = slackify_markdown(text).rstrip("\n")
        # slackify leaves code as it is, but Slack reads &, < and > as markup even there
        return SLACK_CODE.sub(self._escape_code, converted)

    def _escape_code(self, match: re.Match[str]) -> str:
        fence = "```" if match.group(0).startswith("```") else "`"
        return fence + self.escape(match.group(0)[len(fence) : -len(fence)]) + fence


DISCORD_SPECIALS = re.compile(r"([\\*_~`|>\[\]])")
DISCORD_LINE_START = re.compile(r"^([#-])", re.MULTILINE)


class DiscordMarkdown:
    """Discord renders Markdown itself; mentions are switched off when sending."""

    limit = 2000

    def escape(self, text: str) -> str:
        return DISCORD_LINE_START.sub(r"\\\1", DISCORD_SPECIALS.sub(r"\\\1", text))

    def bold(self, text: str) -> str:
        return f"**{self.escape(text)}**"

    def code(self, text: str) -> str:
        return f"`{text.replace('`', 'ˋ')}`"

    def pre(self, text: str) -> str:
        return f"```\n{text.replace('```', FENCE_BREAK)}\n```"

    def markdown(self, text: str) -> str:
        return text


def split_long_line(line: str, width: int) -> list[str]:
    """Pieces of at most ``width`` characters, cut after a space where one is near the end."""
    pieces = []
    while len(line) > width:
        space = line.rfind(" ", width * 4 // 5, width)
        cut = space + 1 if space > 0 else width
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


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


FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def chunk_markdown(text: str, budget: int) -> list[str]:
    """Cut Markdown into pieces of at most ``budget`` characters at line ends. A code block cut
    in two is closed at the end of one piece and opened again (same language) in the next, so
    every piece renders on its own."""
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    opener: str | None = None  # the opening line of the code block we are in
    fence = ""
    for line in text.split("\n"):
        reserve = len(opener) + len(fence) + 2 if opener else 2 * 24
        for part in split_long_line(line, max(8, budget - reserve)):
            match = FENCE.match(part)
            if opener is None:
                closing = len(match.group(1)[:20]) + 1 if match else 0
            else:
                closing = 0 if _closes(part, fence) else len(fence) + 1
            if current and size + 1 + len(part) + closing > budget:
                pieces.append("\n".join(current) + (f"\n{fence}" if opener else ""))
                current = [opener] if opener else []
                size = len(opener) if opener else 0
            size += len(part) + (1 if current else 0)
            current.append(part)
            if opener is None and match:
                fence = match.group(1)[:20]
                opener = fence + part.strip()[len(match.group(1)) :][:20]
            elif opener is not None and _closes(part, fence):
                opener = None
    if current:
        pieces.append("\n".join(current) + (f"\n{fence}" if opener else ""))
    return [piece for piece in pieces if piece.strip()]
