"""The terminal driver, with two changes. A terminal that is gone (closed, SIGHUP) never hangs
the app: see :class:`TerminalWriter`. And keys that arrive faster than anyone types (a paste into
a terminal without bracketed paste) reach the dashboard as one paste, not as thousands of key
presses. So a pasted text never fires the dashboard's keys (an `a` in it never approves
anything), and a paste of any size costs one event per burst instead of one per character.

A key is held for at most :data:`HOLD` seconds; fewer than :data:`BURST` keys in that time go on
as the keys they are, so typing and key repeat are unchanged.
"""

from __future__ import annotations

import queue
import threading
import time
from typing import IO, Any

from textual import events
from textual.drivers._writer_thread import WriterThread
from textual.drivers.linux_driver import LinuxDriver
from textual.message import Message

BURST = 32
"""Printable keys within :data:`HOLD` seconds that make a paste (nobody types 32 keys in 15 ms)."""
HOLD = 0.015
LONGEST = 4096
"""A burst goes on as a paste at least every this many characters."""


GONE_CHECK = 0.25
"""How often a write waiting on a full queue checks that the terminal is still there."""
CLOSE_WAIT = 1.0
"""Seconds closing waits for the last writes to reach the terminal."""


class TerminalWriter(WriterThread):
    """Textual's writer thread, except that a terminal that is gone never hangs the app.

    Textual's writer dies on the first failed write (EIO once the terminal closed) and every
    later write then waits forever for room in its queue: the app never exits. Here a failed
    write marks the terminal gone, writes after that are dropped, and closing waits at most
    :data:`CLOSE_WAIT` seconds."""

    def __init__(self, file: IO[str]) -> None:
        super().__init__(file)
        self.gone = threading.Event()

    def write(self, text: str) -> None:
        while not self.gone.is_set():  # a slow terminal is waited for, a gone one is not
            try:
                self._queue.put(text, timeout=GONE_CHECK)
                return
            except queue.Full:
                continue

    def run(self) -> None:
        try:
            super().run()
        except (OSError, ValueError):  # EIO, EPIPE, a closed file: the terminal is gone
            self.gone.set()

    def stop(self) -> None:
        deadline = time.monotonic() + CLOSE_WAIT
        while not self.gone.is_set() and self.is_alive():
            try:
                self._queue.put(None, timeout=GONE_CHECK)
                break
            except queue.Full:
                if time.monotonic() > deadline:
                    self.gone.set()
        self.join(max(0.0, deadline - time.monotonic()))


class BurstSafeDriver(LinuxDriver):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held: list[events.Key] = []
        self._held_since = 0.0
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def start_application_mode(self) -> None:
        super().start_application_mode()
        started = self._writer_thread
        if started is None or self._file is None or isinstance(started, TerminalWriter):
            return
        writer = TerminalWriter(self._file)
        writer.start()
        started.stop()  # what it holds reaches the terminal first
        self._writer_thread = writer

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
