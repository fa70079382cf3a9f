"""Fixed dashboard states for snapshot tests and for the screenshots in the README.

Everything here is deterministic: a frozen clock, fixed ids, fixed paths.
"""

from __future__ import annotations

from pathlib import Path

from tests.waiting import read_first
from tether_tui.audit import AuditLog
from tether_tui.clock import FakeClock
from tether_tui.config import Config
from tether_tui.models import Origin, RuleScope, SessionState, Via
from tether_tui.store import BridgeHealth, SessionStore

INVOICE_OUTPUT = """\
› Fix the failing due-date tests
I'll run the failing tests first to see what breaks.
● Bash pytest -q tests/test_dates.py
..F.F                                                     [100%]
FAILED tests/test_dates.py::test_iso_week_due_date - ValueError: time data '2026-W07-3'
FAILED tests/test_dates.py::test_whitespace - ValueError: unconverted data remains: ' '
2 failed, 3 passed in 0.41s
Both failures come from parse_due_date: it only accepts %Y-%m-%d and no padding.
Reading src/invoice_api/dates.py …
● Edit wants approval"""

SHOP_OUTPUT = """\
› Add a /healthz endpoint that checks the database
Plan: add src/health.ts with a /healthz route, mount it in src/app.ts, add a test.
Created src/health.ts (16 lines)
● Bash wants approval"""

PIPELINE_OUTPUT = """\
› Clean the build and upgrade pandas
removed build/ dist/ .pytest_cache
Successfully installed pandas-2.3.3
checked 14 pipelines: 14 ok, 0 warnings
pandas is at 2.3.3 and all 14 pipelines check out."""

DATES_OLD = 'def parse_due_date(text: str) -> date:\n    return datetime.strptime(text, "%Y-%m-%d").date()\n'
DATES_NEW = (
    "def parse_due_date(text: str) -> date:\n"
    "    text = text.strip()\n"
    '    if "W" in text:\n'
    "        return date.fromisocalendar(*_iso_week_parts(text))\n"
    "    return date.fromisoformat(text)\n"
)


def build_scene(audit_path: Path | None = None) -> SessionStore:
    """A store with four sessions, two pending requests and two auto-approve timers."""
    clock = FakeClock()
    store = SessionStore(config=Config(), clock=clock, audit=AuditLog(audit_path))
    store.set_bridge_health("telegram", BridgeHealth.CONNECTED)
    store.set_bridge_health("slack", BridgeHealth.CONNECTING)
    store.set_bridge_health("discord", BridgeHealth.CONNECTED)
    store.set_pairing_code("discord", "4821-7730")

    store.add_session("s-invoice", "claude · invoice-api", directory="/home/dev/src/invoice-api", runner_type="demo")
    store.append_output("s-invoice", INVOICE_OUTPUT)
    store.add_session("s-shop", "codex · web-shop", origin=Origin.HOOK, directory="/home/dev/src/web-shop")
    store.append_output("s-shop", SHOP_OUTPUT)
    store.add_session("s-pipeline", "aider · data-pipeline", directory="/home/dev/src/data-pipeline", runner_type="demo")
    store.append_output("s-pipeline", PIPELINE_OUTPUT)
    store.set_state("s-pipeline", SessionState.WAITING_INPUT)
    store.add_session("s-docs", "claude · docs", directory="/home/dev/src/docs", runner_type="demo")
    store.append_output("s-docs", "› Proofread the README\nDone: 12 fixes.")
    store.set_state("s-docs", SessionState.STOPPED, exit_code=0)

    store.approvals.submit(
        "s-invoice",
        "Edit",
        {"file_path": "src/invoice_api/dates.py", "old_string": DATES_OLD, "new_string": DATES_NEW},
        request_id="req_edit_dates",
    )
    clock.advance(41)
    store.approvals.submit(
        "s-shop",
        "Bash",
        {"command": "npm test -- --run health", "description": "Run the health tests"},
        request_id="req_npm_test",
    )
    store.approvals.add_rule(RuleScope.DIRECTORY, 30, by="dev", via=Via.KEYBOARD, tool_name="Edit", directory="/home/dev/src/web-shop")
    store.approvals.add_rule(RuleScope.SESSION, 12, by="dev", via=Via.TELEGRAM, session_id="s-pipeline")
    clock.advance(7)
    return store


async def show_dashboard(pilot) -> None:
    return None


async def show_details(pilot) -> None:
    pilot.app.open_details(request_id(pilot.app.store, "req_edit_dates"))


async def show_timer_dialog(pilot) -> None:
    await pilot.press("t")


async def show_help(pilot) -> None:
    await pilot.press("question_mark")


async def show_reason_dialog(pilot) -> None:
    await pilot.press("D")


async def show_stop_dialog(pilot) -> None:
    await pilot.press("s")


async def show_new_session(pilot) -> None:
    await pilot.press("n")


async def show_notices(pilot) -> None:
    store = pilot.app.store
    store.set_bridge_health("slack", BridgeHealth.FAILING, "auth.test refused the bot token: invalid_auth (check [slack] bot_token)")
    store.config_failed("config.toml:13: [dashbord]: unknown section (known: approvals, dashboard, history)")
    await pilot.pause()
    pilot.app.clear_notifications()  # the notices screen keeps them: show it uncovered
    await pilot.press("m")


async def show_nothing_waiting(pilot) -> None:
    await pilot.press("d")  # claude's request denied: claude has nothing left, the hint says where to go


async def show_resumable(pilot) -> None:
    """The docs session came back from the last run, which the dashboard's stop ended."""
    store = pilot.app.store
    store.session("s-docs").metadata.update(agent_session_id="0f5e2c9a-resumable", ended="the dashboard stopped")
    store.append_output("s-docs", "── the dashboard stopped · r resumes it ──")
    store.update_session("s-docs", needs_attention=False)
    await pilot.pause()
    pilot.app.screen.select_session("s-docs")


async def show_typing(pilot) -> None:
    """The input line has the focus: the footer shows no letter keys, which are text here."""
    await pilot.press("i", *"run the slow tests too")


async def show_chat_users(pilot) -> None:
    pilot.app.action_chat_users()


VIEWS = {
    "dashboard": show_dashboard,
    "approval-details": show_details,
    "timer-dialog": show_timer_dialog,
    "help": show_help,
    "deny-with-reason": show_reason_dialog,
    "stop-session": show_stop_dialog,
    "new-session": show_new_session,
    "notices": show_notices,
    "nothing-waiting": show_nothing_waiting,
    "resumable": show_resumable,
    "typing": show_typing,
    "chat-users": show_chat_users,
}
"""The states that snapshot tests check and screenshots/ shows, by name."""


async def open_view(pilot, name: str) -> None:
    """Let the dashboard settle (and its request be read), open view ``name``, and let it settle again."""
    for _ in range(3):
        await pilot.pause()
    await read_first(pilot)
    await VIEWS[name](pilot)
    for _ in range(3):
        await pilot.pause()


def request_id(store: SessionStore, agent_request_id: str) -> str:
    """The store's id of the scene's request that the agent called ``agent_request_id``."""
    request = store.approvals.find_by_agent_id(agent_request_id)
    assert request is not None, agent_request_id
    return request.id


def scene_launcher(store: SessionStore):
    """A launcher whose agents do not depend on what this machine has installed: Claude Code is
    "found", Codex and Gemini CLI are not."""
    import dataclasses

    from runners import default_registry
    from runners.acp.profiles import BUILTIN_PROFILES
    from runners.launcher import SessionLauncher

    profiles = {
        "claude": dataclasses.replace(BUILTIN_PROFILES["claude"], command=("/bin/sh",)),
        "codex": dataclasses.replace(BUILTIN_PROFILES["codex"], command=("/nonexistent/codex-acp",)),
        "gemini": dataclasses.replace(BUILTIN_PROFILES["gemini"], command=("/nonexistent/gemini", "--acp")),
    }
    return SessionLauncher(store, default_registry(profiles))


def scene_app():
    from tether_tui.app import TetherApp
    from tether_tui.runtime import Runtime

    store = build_scene()
    app = TetherApp(Runtime(store, launcher=scene_launcher(store)), user="dev")
    app.start_folder = "/home/dev/src/invoice-api"
    return app
