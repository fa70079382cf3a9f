"""The terminal driver, with one change: keys that arrive faster than anyone types (a paste into
a terminal without bracketed paste) reach the dashboard as one paste, not as thousands of key
presses. So a pasted text never fires the dashboard's keys (an `a` in it never approves
anything), and a paste of any size costs one event per burst instead of one per character.

A key is held for at most :data:`HOLD` seconds; fewer than :data:`BURST` keys in that time go on
as the keys they are, so typing and key repeat are unchanged.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from textual import events
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

BURST = 32
"""Printable keys within :data:`HOLD` seconds that make a paste (nobody types 32 keys in 15 ms)."""
HOLD = 0.015
LONGEST = 4096
"""A burst goes on as a paste at least every this many characters."""


class BurstSafeDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[events.Key] = []
        self._held_since = 0.0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def send_message(self, message: Message) -> None:
        # runs on the input thread (and on the flush timer's)
        with self._lock:
            if isinstance(message, events.Key) and _typed(message):
                if not self._held:
                    self._held_since = time.monotonic()
                    self._start_timer()
                self._held.append(message)
                if len(self._held) >= LONGEST:
                    self._flush_locked()
                return
            self._flush_locked()
            super().send_message(message)

    def _start_timer(self) -> None:
        self._timer = threading.Timer(HOLD, self._flush)
        self._timer.daemon = True
        self._timer.start()

    def _flush(self) -> None:
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        held, self._held = self._held, []
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not held:
            return
        burst = len(held) >= BURST and time.monotonic() - self._held_since <= HOLD * 4
        if burst:
            text = "".join("\n" if key.key == "enter" else "\t" if key.key == "tab" else key.character or "" for key in held)
            super().send_message(events.Paste(text))
        else:
            for key in held:
                super().send_message(key)


def _typed(key: events.Key) -> bool:
    """A key that is text: printable characters, and Enter and Tab (which a paste holds too)."""
    return key.key in ("enter", "tab") or (key.is_printable and key.character is not None and len(key.character) == 1)
