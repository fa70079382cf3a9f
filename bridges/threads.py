"""Which chat thread belongs to which session, and which message shows which waiting approval,
kept on disk so a restart reuses threads and still updates the approval messages it left."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Protocol

from tether_tui.paths import write_private_atomic

log = logging.getLogger(__name__)

KEPT_APPROVALS = 500


class ThreadStore(Protocol):
    """Where thread maps are kept instead of their own files (the runtime's state file)."""

    def load_kept(self, name: str) -> str | None: ...

    def keep(self, name: str, text: str) -> None: ...


class ThreadMap:
    """session id <-> thread id, plus each thread's title. Saved atomically on every change:
    in ``store`` when given (kept under the file's name; the file is read once if the store has
    nothing yet), else in the file at ``path``.

    A new session whose title matches a remembered thread that no live session holds gets that
    thread back (the same agent in the same folder after a restart)."""

    def __init__(self, path: Path | None, scope: str, store: ThreadStore | None = None) -> None:
        self.path = path
        self.scope = scope
        self.store = store
        self._threads: dict[str, dict[str, str]] = {}
        self._approvals: dict[str, list[str]] = {}
        self._load()

    def _read(self) -> str | None:
        kept = self.store.load_kept(self.path.name) if self.store is not None and self.path is not None else None
        if kept is not None or self.path is None or not self.path.exists():
            return kept
        return self.path.read_text(encoding="utf-8")

    def _load(self) -> None:
        try:
            text = self._read()
            if text is None:
                return
            data = json.loads(text)
        except (OSError, json.JSONDecodeError) as exc:
            log.warning("ignoring unreadable thread map %s: %s", self.path, exc)
            return
        if isinstance(data, dict) and data.get("scope") == self.scope and isinstance(data.get("threads"), dict):
            self._threads = {
                str(k): {"thread": str(v["thread"]), "title": str(v.get("title", ""))}
                for k, v in data["threads"].items()
                if isinstance(v, dict) and "thread" in v
            }
            approvals = data.get("approvals")
            if isinstance(approvals, dict):
                self._approvals = {str(k): [str(v[0]), str(v[1])] for k, v in approvals.items() if isinstance(v, list) and len(v) == 2}

    def _save(self) -> None:
        if self.path is None:
            return
        payload = {"version": 1, "scope": self.scope, "threads": self._threads, "approvals": self._approvals}
        text = json.dumps(payload, indent=1, sort_keys=True)
        if self.store is not None:
            self.store.keep(self.path.name, text)
        else:
            write_private_atomic(self.path, text)

    def thread_of(self, session_id: str) -> str | None:
        entry = self._threads.get(session_id)
        return entry["thread"] if entry else None

    def session_of(self, thread_id: str) -> str | None:
        for session_id, entry in self._threads.items():
            if entry["thread"] == thread_id:
                return session_id
        return None

    def reusable(self, title: str, live_sessions: set[str]) -> str | None:
        """A remembered thread with this title that no live session holds."""
        for session_id, entry in self._threads.items():
            if entry["title"] == title and session_id not in live_sessions:
                return session_id
        return None

    def assign(self, session_id: str, thread_id: str, title: str) -> None:
        for other in [s for s, e in self._threads.items() if e["thread"] == thread_id and s != session_id]:
            del self._threads[other]
        self._threads[session_id] = {"thread": thread_id, "title": title}
        self._save()

    def forget(self, session_id: str) -> None:
        """The session's thread is gone (deleted in the chat): the next send opens a new one."""
        if self._threads.pop(session_id, None) is not None:
            self._save()

    # ----------------------------------------------------------------- approval messages
    def approval_message(self, request_id: str) -> tuple[str, str] | None:
        """(thread id, message id) of the message that shows this request, if one was sent."""
        entry = self._approvals.get(request_id)
        return (entry[0], entry[1]) if entry else None

    def remember_approval(self, request_id: str, thread_id: str, message_id: str) -> None:
        self._approvals[request_id] = [thread_id, message_id]
        while len(self._approvals) > KEPT_APPROVALS:
            del self._approvals[next(iter(self._approvals))]
        self._save()

    def forget_approval(self, request_id: str) -> None:
        if self._approvals.pop(request_id, None) is not None:
            self._save()
