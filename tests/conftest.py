from __future__ import annotations

import os

import pytest

# Textual renders monochrome when NO_COLOR is set (even empty); proxies must not catch loopback.
for variable in ("NO_COLOR", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
    os.environ.pop(variable, None)

from tether_tui.audit import AuditLog  # noqa: E402
from tether_tui.clock import FakeClock  # noqa: E402
from tether_tui.config import ApprovalSettings, Config  # noqa: E402
from tether_tui.store import SessionStore  # noqa: E402


@pytest.fixture(autouse=True)
def private_dirs(tmp_path, monkeypatch):
    """Keep config, data and runtime files of every test in its own folder."""
    for name in ("CONFIG", "DATA", "RUNTIME"):
        path = tmp_path / name.lower()
        monkeypatch.setenv(f"TETHER_TUI_{name}_DIR", str(path))
    for variable in ("TETHER_TUI_TELEGRAM_TOKEN", "TETHER_TUI_SLACK_BOT_TOKEN", "TETHER_TUI_SLACK_APP_TOKEN", "TETHER_TUI_DISCORD_TOKEN"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def audit_path(tmp_path):
    return tmp_path / "audit" / "audit.jsonl"


@pytest.fixture
def make_store(clock, audit_path):
    def make(**approval_settings) -> SessionStore:
        config = Config(approvals=ApprovalSettings(**approval_settings))
        return SessionStore(config=config, clock=clock, audit=AuditLog(audit_path))

    return make


@pytest.fixture
def store(make_store) -> SessionStore:
    return make_store()
