"""Pairing: a one-time code, shown only in the dashboard, that authorizes the chat user who
writes it. Codes are compared in constant time; each use replaces the code. Paired users are
kept (0600) so a restart does not ask again.

Guessing is limited without letting strangers get in the owner's way: a user who gets the code
wrong :data:`MAX_ATTEMPTS` times is locked out for a while (only that user); and once many wrong
guesses arrived from anyone within :data:`GLOBAL_WINDOW_SECONDS`, users who already guessed
wrong wait until the window has room again. A user's first attempt is always checked, wrong
guesses never replace the code, and a refused attempt counts against nobody: the owner typing
the code from the dashboard is neither locked out nor sent a stale code by someone else's
guesses.

A code is only taken while it is *offered*: the bridge offers one while nobody may act from its
chat, or when the owner asks for one in the dashboard; once somebody paired, guessing is over."""

from __future__ import annotations

import hmac
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from tether_tui.paths import write_private_atomic

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
"""Wrong codes one user may send before the lockout."""
LOCKOUT_SECONDS = 15 * 60
GLOBAL_WRONG_LIMIT = 20
"""Wrong guesses from everyone together within :data:`GLOBAL_WINDOW_SECONDS` after which users
who already guessed wrong must wait."""
GLOBAL_WINDOW_SECONDS = 15 * 60


class PairResult(Enum):
    PAIRED = "paired"
    ALREADY = "already paired"
    WRONG = "wrong code"
    LOCKED = "locked out"
    BUSY = "too many wrong codes from everyone"
    CLOSED = "no code offered"


@dataclass(frozen=True)
class PairedUser:
    id: str
    name: str
    since: str
    """When the user paired (ISO 8601, UTC)."""


def new_code() -> str:
    digits = f"{secrets.randbelow(10**8):08d}"
    return f"{digits[:4]}-{digits[4:]}"


def _normal(code: str) -> bytes:
    return "".join(ch for ch in code if ch.isalnum()).lower().encode()


class Pairing:
    def __init__(
        self,
        path: Path,
        *,
        code: str | None = None,
        on_code: Callable[[str], None] = lambda _code: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.path = path
        self._on_code = on_code
        self._clock = clock
        self._failures: dict[str, int] = {}
        self._locked_until: dict[str, float] = {}
        self._wrong_at: deque[float] = deque()
        """When the wrong guesses of the global window arrived."""
        self.paired: dict[str, PairedUser] = self._load()
        self.offered = True
        self.code = code or new_code()
        on_code(self.code)

    def _load(self) -> dict[str, PairedUser]:
        try:
            data = json.loads(self.path.read_text())
            entries = data.get("paired", [])
            if isinstance(entries, list):  # the first format: ids alone
                entries = {str(user): {} for user in entries}
            return {
                str(user): PairedUser(str(user), str(entry.get("name") or user), str(entry.get("since") or ""))
                for user, entry in entries.items()
            }
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, AttributeError) as exc:
            log.error("Could not read paired users from %s (%s); nobody is paired", self.path, exc)
            return {}

    def _save(self) -> None:
        entries = {user.id: {"name": user.name, "since": user.since} for user in self.paired.values()}
        write_private_atomic(self.path, json.dumps({"paired": entries}, indent=2, sort_keys=True) + "\n")

    def _rotate(self) -> None:
        self.code = new_code()
        self._on_code(self.code)

    def _window_full(self) -> bool:
        now = self._clock()
        while self._wrong_at and now - self._wrong_at[0] >= GLOBAL_WINDOW_SECONDS:
            self._wrong_at.popleft()
        return len(self._wrong_at) >= GLOBAL_WRONG_LIMIT

    def seconds_until_room(self) -> float:
        """How long until the global window takes another wrong guess (0 when it does now)."""
        if not self._window_full():
            return 0.0
        return max(0.0, self._wrong_at[0] + GLOBAL_WINDOW_SECONDS - self._clock())

    def locked(self, user_id: str) -> bool:
        until = self._locked_until.get(user_id)
        if until is None:
            return False
        if self._clock() >= until:
            del self._locked_until[user_id]
            self._failures.pop(user_id, None)
            return False
        return True

    def attempt(self, user_id: str, guess: str, name: str = "") -> PairResult:
        if user_id in self.paired:
            return PairResult.ALREADY
        if not self.offered:
            return PairResult.CLOSED
        if self.locked(user_id):
            return PairResult.LOCKED
        if self._failures.get(user_id) and self._window_full():
            return PairResult.BUSY  # counted against nobody, the code stays
        if hmac.compare_digest(_normal(guess), _normal(self.code)):
            since = datetime.now(UTC).isoformat(timespec="seconds")
            self.paired[user_id] = PairedUser(user_id, name or user_id, since)
            self._failures.pop(user_id, None)
            self._save()
            self._rotate()
            return PairResult.PAIRED
        self._failures[user_id] = self._failures.get(user_id, 0) + 1
        self._wrong_at.append(self._clock())
        if self._failures[user_id] >= MAX_ATTEMPTS:
            self._locked_until[user_id] = self._clock() + LOCKOUT_SECONDS
            return PairResult.LOCKED
        return PairResult.WRONG

    def unpair(self, user_id: str) -> bool:
        if user_id not in self.paired:
            return False
        del self.paired[user_id]
        self._save()
        return True
