"""Logging to a file in the data folder, with secrets masked in every record."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Iterable
from logging.handlers import RotatingFileHandler
from pathlib import Path

from tether_tui.paths import ensure_private_dir

# Telegram bot tokens, Slack tokens, and Discord bot tokens, wherever they appear (URLs included).
TOKEN_PATTERNS = (
    re.compile(r"(?<!\d)\d{6,12}:[A-Za-z0-9_-]{30,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}\b"),
    re.compile(r"\bxapp-[A-Za-z0-9-]{10,}\b"),
    # Discord: base64 user id (any first letter: newer ids start with O), timestamp, HMAC
    re.compile(r"\b[A-Za-z\d_-]{23,28}\.[A-Za-z\d_-]{6,7}\.[A-Za-z\d_-]{27,}\b"),
    # a pairing code written in chat, as a chat library's debug log would show the message
    re.compile(r"(?<=[!/]pair )\s*[\w-]+", re.IGNORECASE),
)


class RedactingFilter(logging.Filter):
    """Replaces known secrets and anything shaped like a chat token with ``[redacted]``."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets: set[str] = {s for s in secrets if s}
        self._sources: list[Callable[[], Iterable[str]]] = []

    def add(self, *secrets: str) -> None:
        self.secrets.update(s for s in secrets if s)

    def track(self, source: Callable[[], Iterable[str]]) -> None:
        """Also mask whatever ``source`` returns at the time of each record (the tokens of the
        config in force, which a reload may change); once seen, a secret stays masked."""
        self._sources.append(source)

    def redact(self, text: str) -> str:
        for source in self._sources:
            self.add(*source())
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "[redacted]")
        for pattern in TOKEN_PATTERNS:
            text = pattern.sub("[redacted]", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_text is None and record.exc_info[0] is not None:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log whose every file, the live one and each rotated one, is 0600."""

    def _open(self):  # type: ignore[no-untyped-def]  # the stdlib's own signature
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.fchmod(fd, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


def setup_logging(path: Path, secrets: Iterable[str] = (), level: int = logging.INFO, *, to_stderr: bool = False) -> RedactingFilter:
    """Log to ``path`` (and to stderr with ``to_stderr``), secrets masked in both."""
    ensure_private_dir(path.parent)
    handlers: list[logging.Handler] = [PrivateRotatingFileHandler(path, maxBytes=2_000_000, backupCount=3, encoding="utf-8")]
    if to_stderr:
        handlers.append(logging.StreamHandler())
    redactor = RedactingFilter(secrets)
    for handler in handlers:
        handler.addFilter(redactor)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = handlers
    root.setLevel(level)
    return redactor
