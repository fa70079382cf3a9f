"""One runtime per user and runtime folder: the first dashboard holds a lock there; a second one is
told which process holds it, since when, and how to stop it. The lock is the kernel's (flock), so
it is gone with its process however that ends, kill -9 included: never a stale lock to clean up."""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "tether-tui.lock"


@dataclass(frozen=True)
class Holder:
    """The process that holds the runtime folder."""

    pid: int | None
    since: float | None

    def describe(self, folder: Path) -> str:
        who = f"pid {self.pid}" if self.pid else "another process"
        when = f", since {time.strftime('%Y-%m-%d %H:%M', time.localtime(self.since))}" if self.since else ""
        stop = f"stop it with: kill {self.pid}" if self.pid else f"stop the other tether-tui using {folder}"
        return f"tether-tui is already running for this runtime folder ({who}{when}; {folder}). Use that one, or {stop}."


class RuntimeLock:
    """Held for the life of the process (keep a reference: closing the file releases it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / LOCK_NAME
        self._file: int | None = None

    def acquire(self) -> Holder | None:
        """Take the lock; the holder when another process has it (then nothing is taken)."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            os.close(fd)
            return holder
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "since": time.time()}).encode())
        self._file = fd
        return None

    def release(self) -> None:
        if self._file is not None:
            os.close(self._file)
            self._file = None


def _read_holder(fd: int) -> Holder:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return Holder(int(data["pid"]), float(data["since"]))
    except (ValueError, KeyError, TypeError, OSError):
        return Holder(None, None)
