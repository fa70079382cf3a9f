"""The state file: what it keeps, what it forgets, and what it does with a file it cannot read."""

from __future__ import annotations

import sqlite3
import stat

from tether_tui.config import Config, HistorySettings
from tether_tui.models import Origin, SessionState
from tether_tui.state import ENDED_KEPT, StateFile
from tether_tui.store import SessionStore


def kept_in(state: StateFile) -> list[str]:
    return [row[0] for row in state.db.execute("SELECT id FROM sessions ORDER BY id")]


def followed(state: StateFile, store: SessionStore) -> None:
    """Write what the store published so far (what the runtime's follow task does)."""
    assert state._subscription is not None
    state._write(state._subscription.drain())


def test_only_sessions_of_agents_started_here_are_kept_and_archiving_forgets(tmp_path):
    store = SessionStore()
    state = StateFile(tmp_path / "state.sqlite3")
    state.open()
    state.watch(store)
    store.add_session("acp-1", "claude · api", runner_type="claude", directory="/work/api")
    store.add_session("demo-1", "demo", runner_type="demo")
    store.add_session("hook-1", "claude · web", origin=Origin.HOOK, runner_type="claude")
    store.append_output("acp-1", "hello")
    followed(state, store)
    assert kept_in(state) == ["acp-1"]
    store.remove_session("acp-1")
    followed(state, store)
    assert kept_in(state) == []
    assert state.db.execute("SELECT count(*) FROM output").fetchone()[0] == 0
    state.close()
    assert stat.S_IMODE((tmp_path / "state.sqlite3").stat().st_mode) == 0o600


def test_output_is_kept_to_the_history_cap_and_comes_back_in_order(tmp_path):
    config = Config(history=HistorySettings(max_lines=50))
    store = SessionStore(config=config)
    state = StateFile(tmp_path / "state.sqlite3")
    state.open()
    state.watch(store)
    store.add_session("acp-1", "codex · api", runner_type="codex")
    for index in range(120):
        store.append_output("acp-1", f"line {index}")
        if index % 7 == 0:
            followed(state, store)
    store.set_state("acp-1", SessionState.RUNNING)
    followed(state, store)
    state.close()

    again = SessionStore(config=config)
    reopened = StateFile(tmp_path / "state.sqlite3")
    assert reopened.restore(again) == ["acp-1"]
    buffer = again.output("acp-1")
    # the note that it ended comes last, within the same cap
    assert buffer.lines() == [*(f"line {index}" for index in range(71, 120)), "── the dashboard ended while this ran ──"]
    assert buffer.first_seq == 71 and buffer.next_seq == 121
    session = again.session("acp-1")
    assert session.state is SessionState.STOPPED and session.metadata["ended"] == "the dashboard stopped"


def test_only_the_newest_ended_sessions_are_kept(tmp_path):
    store = SessionStore()
    state = StateFile(tmp_path / "state.sqlite3")
    state.open()
    state.watch(store)
    for index in range(ENDED_KEPT + 5):
        store.add_session(f"acp-{index:03d}", f"agent {index}", runner_type="claude")
        store.set_state(f"acp-{index:03d}", SessionState.STOPPED)
        followed(state, store)
    kept = kept_in(state)
    assert len(kept) == ENDED_KEPT and "acp-000" not in kept and f"acp-{ENDED_KEPT + 4:03d}" in kept


def test_an_unreadable_state_file_is_set_aside_never_deleted(tmp_path):
    path = tmp_path / "state.sqlite3"
    path.write_bytes(b"this is not a database, it is a note" * 100)
    state = StateFile(path)
    state.open()
    assert state.set_aside is not None and state.set_aside.read_bytes().startswith(b"this is not a database")
    assert kept_in(state) == []
    state.close()


def test_a_state_file_from_a_newer_version_is_set_aside(tmp_path):
    path = tmp_path / "state.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    state = StateFile(path)
    state.open()
    assert state.set_aside is not None
    assert state.db.execute("PRAGMA user_version").fetchone()[0] == 1


def test_the_bridges_thread_maps_are_kept_in_the_state_file_and_an_older_file_is_read_once(tmp_path):
    import json

    from bridges.threads import ThreadMap

    older = tmp_path / "telegram-threads.json"  # what an earlier version wrote
    older.write_text(json.dumps({"version": 1, "scope": "telegram:-100", "threads": {"s-1": {"thread": "42", "title": "claude · api"}}}))
    state = StateFile(tmp_path / "state.sqlite3")
    state.open()
    threads = ThreadMap(older, "telegram:-100", state)
    assert threads.thread_of("s-1") == "42"
    threads.assign("s-2", "43", "codex · web")
    threads.remember_approval("req-1", "43", "7")
    state.close()
    older.unlink()  # from now on the state file is where it is kept

    again = StateFile(tmp_path / "state.sqlite3")
    again.open()
    reread = ThreadMap(older, "telegram:-100", again)
    assert (reread.thread_of("s-1"), reread.thread_of("s-2"), reread.approval_message("req-1")) == ("42", "43", ("43", "7"))
    assert not older.exists()
