"""State that outlives the process: sessions of the agents tether-tui started, their output
history and the requests still waiting, in SQLite (WAL) in the data folder.

The runtime restores it at start: sessions that were running when the last run ended (closed,
crashed, killed) come back as ended and resumable, with their output; requests that were still
waiting are written to the audit log as withdrawn. Hook sessions are not kept: they come back
under the same title when their agent calls again. Demo sessions are not kept either.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tether_tui.bus import Subscription
from tether_tui.events import ApprovalDecided, ApprovalRequested, Event, OutputAppended, SessionAdded, SessionChanged, SessionRemoved
from tether_tui.models import Origin, Session, SessionState
from tether_tui.store import SessionStore

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
ENDED_KEPT = 50
"""Ended sessions kept (the newest); archiving one in the dashboard forgets it at once."""
STOPPED_REASON = "the dashboard stopped"
RESUMES = " · r resumes it"
"""Said after an ended session's last line when its agent can carry on the conversation."""
SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    runner TEXT NOT NULL,
    directory TEXT,
    host TEXT,
    state TEXT NOT NULL,
    error TEXT,
    exit_code INTEGER,
    model TEXT,
    metadata TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS output (
    session_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kept (
    name TEXT PRIMARY KEY,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pending (
    request_id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL,
    session_title TEXT NOT NULL,
    tool TEXT NOT NULL,
    summary TEXT NOT NULL,
    directory TEXT,
    asked_at TEXT NOT NULL
);
"""


def kept(session: Session) -> bool:
    """Sessions worth keeping: those of agents this runtime started (not demos, not hooks)."""
    return session.origin is Origin.RUNNER and session.runner_type not in (None, "demo")


class StateFile:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._subscription: Subscription | None = None
        self._store: SessionStore | None = None
        self.withdrawn = 0
        """Requests the last run left waiting (written to the audit log as withdrawn)."""
        self.set_aside: Path | None = None
        """Where an unreadable state file was moved (then this run started with a new one)."""

    # ----------------------------------------------------------------- open and close
    def open(self) -> None:
        """Open (or create) the file. One that cannot be read (damaged, or not a database) is
        moved aside, named in :attr:`set_aside`, and a new one started: nothing is deleted."""
        try:
            self._open()
        except sqlite3.DatabaseError as exc:
            aside = self.path.with_name(f"{self.path.name}.unreadable-{datetime.now(UTC):%Y%m%d-%H%M%S}")
            log.warning("%s cannot be read (%s): moved to %s, starting afresh", self.path, exc, aside)
            for suffix in ("", "-wal", "-shm"):
                source = self.path.with_name(self.path.name + suffix)
                if source.exists():
                    source.rename(aside.with_name(aside.name + suffix))
            self.set_aside = aside
            self._open()

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)  # private from its first byte
        os.close(fd)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise sqlite3.DatabaseError(f"written by a newer tether-tui (schema {version})")
            db.executescript(SCHEMA)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.Error:
            db.close()
            raise
        self._db = db

    def close(self) -> None:
        """Write what is still unwritten, then close."""
        if self._subscription is not None:
            self._write(self._subscription.drain())
            self._subscription.close()
            self._subscription = None
        if self._db is not None:
            self._db.close()
            self._db = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.open()
        assert self._db is not None
        return self._db

    # ----------------------------------------------------------------- restore
    def restore(self, store: SessionStore) -> list[str]:
        """Put the sessions the last run left into ``store`` (ended; running ones resumable)
        and write requests it left waiting to the audit log as withdrawn. Returns the ids."""
        self._withdraw(store)
        restored = []
        rows = self.db.execute(
            "SELECT id, title, runner, directory, host, state, error, exit_code, model, metadata, created_at"
            " FROM sessions ORDER BY created_at"
        ).fetchall()
        for session_id, title, runner, directory, host, state, error, exit_code, model, metadata, created_at in rows:
            if store.has_session(session_id):
                continue
            details = _json_object(metadata)
            was = SessionState(state) if state in SessionState._value2member_map_ else SessionState.STOPPED
            if not was.is_final:  # running when the last run ended
                details["ended"] = STOPPED_REASON
                was = SessionState.STOPPED
            session = Session(
                id=session_id,
                title=title,
                origin=Origin.RUNNER,
                created_at=_time(created_at),
                directory=directory,
                runner_type=runner,
                state=was,
                exit_code=exit_code,
                error=error,
                model=model,
                metadata=details,
                host=host,
            )
            rows = self.db.execute("SELECT seq, line FROM output WHERE session_id = ? ORDER BY seq", (session_id,)).fetchall()
            lines = [line for _seq, line in rows]
            if details.get("ended") == STOPPED_REASON and not (lines and lines[-1].startswith(f"── {STOPPED_REASON}")):
                lines.append(f"── the dashboard ended while this ran{RESUMES if details.get('agent_session_id') else ''} ──")
            store.restore_session(session, lines, rows[0][0] if rows else 0)
            restored.append(session_id)
        return restored

    def _withdraw(self, store: SessionStore) -> None:
        rows = self.db.execute("SELECT request_id, session_id, session_title, tool, summary, directory, asked_at FROM pending").fetchall()
        now = store.clock.now().isoformat()
        for request_id, session_id, session_title, tool, summary, directory, asked_at in rows:
            store.audit.append(
                {
                    "ts": now,
                    "event": "withdrawn",
                    "request_id": request_id,
                    "session_id": session_id,
                    "session": session_title,
                    "directory": directory,
                    "tool": tool,
                    "summary": summary,
                    "reason": "the dashboard ended while it waited (killed or crashed): nobody decided it",
                    "requested_at": asked_at,
                }
            )
        self.withdrawn = len(rows)
        if rows:
            log.warning("%d requests were waiting when the last run ended: written to the audit log as withdrawn", len(rows))
        self.db.execute("DELETE FROM pending")

    # ----------------------------------------------------------------- follow the store
    def watch(self, store: SessionStore) -> None:
        """Start recording what ``store`` publishes (call :meth:`follow` to write it as it comes)."""
        self._store = store
        self._subscription = store.bus.subscribe("state", output_line_cap=store.config.history.max_lines)
        for session in store.sessions():
            if kept(session):
                self._save_session(session)

    async def follow(self) -> None:
        """Write each batch of events as it comes, one transaction per batch."""
        assert self._subscription is not None, "watch() first"
        while self._subscription is not None:
            batch = await self._subscription.next_batch()
            if not batch:
                return
            self._write(batch)
            await asyncio.sleep(0.05)  # a busy agent's lines go in a few larger transactions

    def _write(self, batch: list[Event]) -> None:
        if not batch or self._db is None:
            return
        try:
            with self._db:
                self._db.execute("BEGIN")
                for event in batch:
                    self._apply(event)
        except sqlite3.Error:
            log.exception("could not keep the state in %s", self.path)

    def _apply(self, event: Event) -> None:
        store = self._store
        assert store is not None
        if isinstance(event, (SessionAdded, SessionChanged)):
            if kept(event.session):
                self._save_session(event.session)
        elif isinstance(event, OutputAppended):
            if store.has_session(event.session_id) and kept(store.session(event.session_id)):
                self._save_output(event)
        elif isinstance(event, SessionRemoved):
            self._forget(event.session_id)
        elif isinstance(event, ApprovalRequested):
            request = event.request
            title = store.session(request.session_id).title if store.has_session(request.session_id) else request.session_id
            self.db.execute(
                "INSERT OR REPLACE INTO pending VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    request.id,
                    request.session_id,
                    title,
                    request.tool_name,
                    request.summary,
                    request.directory,
                    request.created_at.isoformat(),
                ),
            )
        elif isinstance(event, ApprovalDecided):
            self.db.execute("DELETE FROM pending WHERE request_id = ?", (event.request.id,))

    def _save_session(self, session: Session) -> None:
        metadata = {k: v for k, v in session.metadata.items() if isinstance(v, (str, int, float, bool))}
        self.db.execute(
            "INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
            " title = excluded.title, runner = excluded.runner, directory = excluded.directory, host = excluded.host,"
            " state = excluded.state, error = excluded.error, exit_code = excluded.exit_code, model = excluded.model,"
            " metadata = excluded.metadata, updated_at = excluded.updated_at",
            (
                session.id,
                session.title,
                session.runner_type or "",
                session.directory,
                session.host,
                session.state.value,
                session.error,
                session.exit_code,
                session.model,
                json.dumps(metadata),
                session.created_at.isoformat(),
                datetime.now(UTC).isoformat(),
            ),
        )
        if session.state.is_final:
            self._prune()

    def _save_output(self, event: OutputAppended) -> None:
        assert self._store is not None
        self.db.executemany(
            "INSERT OR REPLACE INTO output VALUES (?, ?, ?)",
            [(event.session_id, event.first_seq + offset, line) for offset, line in enumerate(event.lines)],
        )
        first_kept = self._store.output(event.session_id).first_seq
        self.db.execute("DELETE FROM output WHERE session_id = ? AND seq < ?", (event.session_id, first_kept))

    def _forget(self, session_id: str) -> None:
        self.db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        self.db.execute("DELETE FROM output WHERE session_id = ?", (session_id,))

    def _prune(self) -> None:
        final = tuple(state.value for state in SessionState if state.is_final)
        old = self.db.execute(
            f"SELECT id FROM sessions WHERE state IN ({', '.join('?' * len(final))}) ORDER BY updated_at DESC LIMIT -1 OFFSET ?",
            (*final, ENDED_KEPT),
        ).fetchall()
        for (session_id,) in old:
            self._forget(session_id)

    # ----------------------------------------------------------------- what the bridges keep
    def load_kept(self, name: str) -> str | None:
        """A text kept under ``name`` (a bridge's thread map), or None."""
        row = self.db.execute("SELECT text FROM kept WHERE name = ?", (name,)).fetchone()
        return row[0] if row else None

    def keep(self, name: str, text: str) -> None:
        self.db.execute("INSERT INTO kept VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET text = excluded.text", (name, text))


def _json_object(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _time(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return datetime.now(UTC)
