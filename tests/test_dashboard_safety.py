"""The dashboard as an all-day tool: decisions land on what the person looks at, notices keep
their text and are kept, sessions say the truth about themselves."""

from __future__ import annotations

import pytest

from tests.scenes import build_scene, request_id
from tests.waiting import read_first
from tether_tui.app import TetherApp
from tether_tui.app.format import cut_middle
from tether_tui.app.screens.notices import NoticesScreen
from tether_tui.app.widgets.approval_queue import ApprovalQueue
from tether_tui.app.widgets.output_view import OutputView
from tether_tui.app.widgets.request_preview import RequestPreview
from tether_tui.app.widgets.sessions_table import SessionsTable
from tether_tui.gateway import HookSessionController
from tether_tui.models import Origin, SessionState, Via
from tether_tui.runtime import Runtime

SIZE = (120, 36)


async def settle(pilot, rounds=3):
    for _ in range(rounds):
        await pilot.pause()


def messages(app) -> list[str]:
    return [record.text for record in app.notices]


async def test_the_selected_session_and_the_highlighted_request_are_one_selection():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        queue, output = screen.query_one(ApprovalQueue), screen.query_one(OutputView)
        # at start: the oldest request, its session, its output
        assert screen.selected_session_id == "s-invoice" and output.session_id == "s-invoice"
        assert queue.highlighted_id == request_id(store, "req_edit_dates")
        # choosing a request selects its session and shows its output
        queue.focus()
        await pilot.press("down")
        await settle(pilot)
        assert screen.selected_session_id == "s-shop" and output.session_id == "s-shop"
        assert screen.query_one(SessionsTable).selected_id == "s-shop"
        assert screen.query_one(RequestPreview).request_id == request_id(store, "req_npm_test")
        # choosing a session with nothing waiting hides the highlight: a decides nothing there
        sessions = screen.query_one(SessionsTable)
        sessions.focus()
        await pilot.press("down")  # aider · data-pipeline
        await settle(pilot)
        assert screen.selected_session_id == "s-pipeline" and queue.highlighted_id is None
        await pilot.press("a")
        await settle(pilot)
        assert len(store.approvals.pending()) == 2
        # choosing a session highlights its oldest request
        await pilot.press("up", "up")
        await settle(pilot)
        assert screen.selected_session_id == "s-invoice" and queue.highlighted_id == request_id(store, "req_edit_dates")


async def test_after_a_decision_the_highlight_stays_and_a_again_decides_nothing():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        await read_first(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert not store.approvals.get(request_id(store, "req_edit_dates")).decision.allowed
        assert "Denied Edit in claude · invoice-api: src/invoice_api/dates.py" in messages(app)
        # same session, nothing left: the other session's request is not touched by a or d
        assert screen.selected_session_id == "s-invoice" and screen.query_one(OutputView).session_id == "s-invoice"
        for key in ("a", "d", "a"):
            await pilot.press(key)
            await settle(pilot)
        assert store.approvals.get(request_id(store, "req_npm_test")).pending
        assert messages(app)[-1] == "Nothing waiting in claude · invoice-api. Next: Bash in codex · web-shop (w goes there)"
        assert "Nothing waiting in claude · invoice-api" in str(screen.query_one(RequestPreview).render())


async def test_a_new_request_elsewhere_never_moves_the_selection():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.query_one(SessionsTable).focus()
        await pilot.press("down", "down")  # aider, nothing waiting
        await settle(pilot)
        store.approvals.submit("s-shop", "Bash", {"command": "rm -rf node_modules"})
        store.add_session("s-new", "gemini · scratch")
        store.approvals.submit("s-new", "run_shell_command", {"command": "curl x"})
        await settle(pilot)
        assert screen.selected_session_id == "s-pipeline" and screen.query_one(ApprovalQueue).highlighted_id is None
        await pilot.press("a", "d")
        await settle(pilot)
        assert len(store.approvals.pending()) == 4
        # a request for the selected session is highlighted as soon as it arrives (the session's
        # allow-everything rule does not cover sudo)
        waiting = store.approvals.submit("s-pipeline", "Bash", {"command": "sudo make install"})
        await settle(pilot)
        assert screen.selected_request_id == waiting.id
        await read_first(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert waiting.decision.allowed and len(store.approvals.pending()) == 4


async def test_w_visits_every_waiting_request_in_turn():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        seen = []
        for _ in range(3):
            seen.append(screen.selected_request_id)
            await pilot.press("w")
            await settle(pilot)
        assert seen == [request_id(store, "req_edit_dates"), request_id(store, "req_npm_test"), request_id(store, "req_edit_dates")]


async def test_notices_keep_brackets_and_are_kept_with_the_full_reasons():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        reason = "TelegramBridge needs python-telegram-bot: pip install 'tether-tui[telegram]'"
        store.set_bridge_health("telegram", "failing", reason)
        store.config_failed("config.toml:13: [dashbord]: unknown section (known: approvals, dashboard)")
        await settle(pilot)
        toasts = [n.message for n in app._notifications]
        assert reason in toasts
        assert "config.toml:13: [dashbord]: unknown section (known: approvals, dashboard)" in toasts
        assert all(not n.markup for n in app._notifications)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, NoticesScreen)
        now = {name: (state, detail) for name, state, detail in app.screen.status}
        assert now["Telegram"] == ("failing", reason)
        assert now["Config"][1].startswith("config.toml:13: [dashbord]")
        assert any(record.text == reason for record in app.screen.notices)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, NoticesScreen)


async def test_hook_sessions_show_queued_input_and_stopping_until_the_agent_acts():
    store = build_scene()
    store.add_session("hook-1", "claude · api", origin=Origin.HOOK, state=SessionState.IDLE)
    controller = HookSessionController()
    store.attach_controller("hook-1", controller)
    await store.send_input("hook-1", "also run the linter", by="dev", via=Via.KEYBOARD)
    session = store.session("hook-1")
    assert session.state is SessionState.IDLE and session.queued_input == 1
    assert store.output("hook-1").lines()[-1].endswith("queued until the agent's next stop)")
    waiting = store.approvals.submit("hook-1", "Bash", {"command": "make"})
    await store.stop_session("hook-1", by="dev", via=Via.KEYBOARD)
    assert session.state is SessionState.STOPPING and controller.stopped
    assert waiting.decision is not None and waiting.decision.reason == "the session is stopping"


async def test_two_sessions_with_one_title_are_told_apart(store):
    first = store.add_session("a", "claude · repo")
    second = store.add_session("b", "claude · repo")
    third = store.add_session("c", "claude · repo")
    assert [first.title, second.title, third.title] == ["claude · repo", "claude · repo #2", "claude · repo #3"]
    store.update_session("a", title="claude · repo #2")
    assert store.session("a").title == "claude · repo #4"


async def test_an_empty_dashboard_says_how_to_connect_agents(make_store):
    app = TetherApp(Runtime(make_store()), user="dev")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lines = app.screen.query_one(OutputView).lines
        assert lines[0] == "No sessions yet." and any("tether-tui install-hooks claude" in line for line in lines)


async def test_desktop_notifications_when_switched_on(make_store):
    from dataclasses import replace

    store = make_store()
    store.apply_config(replace(store.config, dashboard=replace(store.config.dashboard, notify=True)))
    store.add_session("s1", "claude · repo")
    app = TetherApp(Runtime(store), user="dev")
    written = []
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.desktop.notify_send = None
        app._driver.write = written.append  # type: ignore[method-assign]
        store.approvals.submit("s1", "Bash", {"command": "make deploy"})
        await settle(pilot)
    assert app.desktop.sent == 1
    assert any("\x1b]777;notify;Bash waits in claude · repo;make deploy\x07" in text for text in written)


async def test_long_output_lines_wrap_and_the_filter_finds_lines():
    store = build_scene()
    store.append_output("s-invoice", "x" * 200 + " end")
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        output = app.screen.query_one(OutputView)
        assert all(len(line) <= output.scrollable_content_region.width for line in output.lines)
        await pilot.press("W")
        await settle(pilot)
        assert any(len(line) > 200 for line in output.lines)
        await pilot.press("slash", *"failed", "enter")
        await settle(pilot)
        assert output.lines == [line for line in output.lines if "failed" in line.lower()] and len(output.lines) == 3
        assert output.border_title.endswith("/failed: 3 lines")
        await pilot.press("escape")
        await settle(pilot)
        assert len(output.lines) > 3


# ------------------------------------------------------------------------------------ no blind keys
async def test_a_request_decides_nothing_until_it_has_been_on_screen_for_the_grace_time():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        edit = store.approvals.get(request_id(store, "req_edit_dates"))
        preview = app.screen.query_one(RequestPreview)
        assert "read it first: the keys act in 0.8 s" in str(preview.render())
        for key in ("a", "d", "t", "D"):
            await pilot.press(key)
            await settle(pilot)
        assert edit.pending and app.screen.__class__.__name__ == "MainScreen"  # no dialog opened either
        assert messages(app).count("Not yet: read the request first (keys act 0.8 s after it shows)") == 1  # said once
        store.clock.advance(0.5)
        await pilot.press("a")
        await settle(pilot)
        assert edit.pending  # 0.5 s is not enough
        store.clock.advance(1.0)
        app.screen.refresh_clocks()
        await settle(pilot)
        assert "a approve · d deny" in str(preview.render())  # armed, and it says so
        await pilot.press("a")
        await settle(pilot)
        assert edit.decision is not None and edit.decision.allowed


async def test_a_held_key_never_carries_over_to_the_next_request():
    store = build_scene()
    second = store.approvals.submit("s-invoice", "Bash", {"command": "git push --force"})
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await read_first(pilot)
        await pilot.press("a")  # the first request, read: approved
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_edit_dates")).decision.allowed
        assert app.screen.selected_request_id == second.id
        for _ in range(60):  # `a` held down: key repeat every 30 ms for 1.8 s, well past the grace time
            store.clock.advance(0.03)
            await pilot.press("a")
        await settle(pilot)
        assert second.pending
        assert [m for m in messages(app) if m.startswith("Not yet")] == ["Not yet: read the request first (keys act 0.8 s after it shows)"]
        store.clock.advance(0.7)  # the key let go; a fresh press decides
        await pilot.press("a")
        await settle(pilot)
        assert second.decision is not None and second.decision.allowed


async def test_the_details_dialog_decides_nothing_until_it_has_been_open_for_the_grace_time():
    from tether_tui.app.screens.details import DetailsScreen

    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_details(request_id(store, "req_edit_dates"))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen) and store.approvals.get(request_id(store, "req_edit_dates")).pending
        assert "Not yet: read it first" in str(app.screen.query_one("#said").render())  # said in the dialog
        store.clock.advance(1)
        await pilot.press("a")
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_edit_dates")).decision.allowed


async def test_a_grace_time_of_zero_lets_keys_act_at_once():
    import dataclasses

    store = build_scene()
    store.apply_config(dataclasses.replace(store.config, dashboard=dataclasses.replace(store.config.dashboard, key_grace_seconds=0)))
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert store.approvals.get(request_id(store, "req_edit_dates")).decision.allowed


def drawn(widget) -> str:
    """What a widget draws, line by line, as plain text."""
    return "\n".join(widget.render_line(y).text for y in range(widget.size.height))


def rendered(app, cell, width: int) -> str:
    """A table cell as it is drawn in a column ``width`` cells wide."""
    (line,) = app.console.render_lines(cell, app.console.options.update_width(width))
    return "".join(segment.text for segment in line).strip()


@pytest.mark.parametrize("width", [80, 160])
async def test_titles_are_cut_in_the_middle_so_two_sessions_stay_apart(width):
    store = build_scene()
    names = [f"claude · invoice-api-service{host}{number}" for host in ("", " @ devbox") for number in ("", " #2")]
    for name in names:
        store.add_session(name, name, directory="/home/dev/src/invoice-api-service")
        store.approvals.submit(name, "Bash", {"command": "make release"})
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(width, 60)) as pilot:
        await settle(pilot)
        sessions = app.screen.query_one(SessionsTable)
        assert cut_middle(names[0], sessions.columns["title"].width) in drawn(sessions)  # what the table draws
        for table, column in ((SessionsTable, "title"), (ApprovalQueue, "session")):
            widget = app.screen.query_one(table)
            cells = [widget.get_cell(key, column) for key in widget.row_keys if key in names or str(widget.get_cell(key, column)) in names]
            shown = {str(cell): rendered(app, cell, widget.columns[column].width) for cell in cells}
            assert len(shown) == 4 and len(set(shown.values())) == 4, shown  # four sessions, four different names
            assert all(text[-3:] == name[-3:] for name, text in shown.items()), shown  # the end that tells them apart is kept


async def test_an_empty_or_missing_folder_is_refused_whatever_the_timing(tmp_path):
    from tests.scenes import scene_launcher
    from tether_tui.app.screens.new_session import NewSessionDialog

    store = build_scene()
    app = TetherApp(Runtime(store, launcher=scene_launcher(store)), user="dev")
    before = len(store.sessions())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, NewSessionDialog)
        dialog.query_one("#folder").value = ""
        await pilot.press(*"fix the tests", "ctrl+s")
        await settle(pilot)
        assert app.screen is dialog and "Type the folder the agent works in" in str(dialog.query_one("#error").render())
        for attempt in range(3):  # a missing folder typed and ctrl+s at once, again and again
            dialog.query_one("#folder").value = ""
            dialog.query_one("#folder").focus()
            await pilot.press(*str(tmp_path / f"missing-{attempt}"), "ctrl+s")
            await settle(pilot)
            assert app.screen is dialog and "is not a folder" in str(dialog.query_one("#error").render())
    assert len(store.sessions()) == before


async def test_the_launcher_refuses_an_empty_or_missing_folder_from_any_surface(tmp_path):
    from runners.protocol import RunnerUnavailableError
    from tests.scenes import scene_launcher

    store = build_scene()
    launcher = scene_launcher(store)
    for folder in ("", "   ", str(tmp_path / "missing")):
        with pytest.raises(RunnerUnavailableError):
            await launcher.start("claude", "fix the tests", directory=folder)
    assert len(store.sessions()) == 4


# ------------------------------------------------------------------------------------ rough edges
async def test_enter_on_a_session_opens_its_oldest_request():
    from tether_tui.app.screens.details import DetailsScreen

    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one(SessionsTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailsScreen) and app.screen.request.id == request_id(store, "req_edit_dates")


async def test_typed_input_that_cannot_be_sent_stays_in_the_line_with_the_reason():
    from textual.widgets import Input

    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.select_session("s-docs")  # stopped
        await pilot.press("i", *"also fix the typos", "enter")
        await settle(pilot)
        assert app.screen.query_one("#input", Input).value == "also fix the typos"
        assert any(m.endswith("what you typed stays in the line") for m in messages(app))


async def test_the_session_just_started_is_the_selected_one(tmp_path):
    from tests.scenes import scene_launcher
    from tether_tui.app.screens.new_session import NewSessionRequest

    store = build_scene()
    app = TetherApp(Runtime(store, launcher=scene_launcher(store), demo_speed=50), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app._start_session(NewSessionRequest("demo:1", str(tmp_path), "", 0, None, None))
        await settle(pilot)
        newest = store.sessions()[-1]
        assert app.screen.selected_session_id == newest.id


async def test_a_hook_sessions_output_shows_its_requests_and_their_decisions():
    from tether_tui.gateway import Gateway

    store = build_scene()
    gateway = Gateway(store)
    from tether_tui.agents import AGENTS

    event = {
        "session_id": "hook-1", "hook_event_name": "PermissionRequest", "tool_name": "Bash", "cwd": "/work/api",
        "tool_input": {"command": "make deploy"}, "transcript_path": "/tmp/t.jsonl", "permission_mode": "default",
    }  # fmt: skip
    import asyncio

    answer = asyncio.ensure_future(gateway.handle(AGENTS["claude"], event))
    await asyncio.sleep(0.05)
    session_id = "hook-1"  # the agent's own session id
    (request,) = store.approvals.pending(session_id)
    store.approvals.decide(request.id, False, by="alice", via=Via.TELEGRAM, reason="not on a Friday")
    await asyncio.wait_for(answer, 5)
    lines = store.output(session_id).lines()
    assert lines[0] == "● Bash wants approval: make deploy"
    assert lines[1].startswith("✗ Bash denied by alice via Telegram")


async def test_a_theme_picked_in_the_palette_is_kept_in_the_config(tmp_path):
    import tomllib

    from tests.waiting import until

    path = tmp_path / "config.toml"
    path.write_text("# mine\n[dashboard]\nbell = false\n")
    store = build_scene()
    app = TetherApp(Runtime(store, config_path=path), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await until(lambda: "nord" in path.read_text(), 10)
    config = tomllib.loads(path.read_text())
    assert config["dashboard"] == {"bell": False, "theme": "nord"} and path.read_text().startswith("# mine")


@pytest.mark.parametrize("size", [(80, 24), (160, 45)])
async def test_leaving_the_maximized_view_fits_the_columns_again(size):
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        sessions = app.screen.query_one(SessionsTable)
        before = drawn(sessions)
        await pilot.press("ctrl+p", *"maximize")
        await settle(pilot, 6)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.maximized is sessions
        assert drawn(sessions) != before
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.maximized is None
        assert drawn(sessions) == before  # every column back, fitted to the narrower panel


async def test_one_toast_per_kind_and_none_over_a_dialog_or_the_palette():
    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for session in store.sessions()[:3]:
            app.tell(f"Nothing waiting in {session.title}", timeout=30)
        await settle(pilot)
        toasts = [n.message for n in app._notifications]
        assert toasts == [f"Nothing waiting in {store.sessions()[2].title}"]  # the newest, alone
        app.tell("Telegram is failing: refused token", severity="error", title="Telegram", timeout=30)
        await settle(pilot)
        assert len(app._notifications) == 2  # another kind stands beside it

        for opening in ("question_mark", "ctrl+p"):
            older, newer = f"Allowed for 10 min: Bash ({opening})", f"Allowed for 20 min: Bash ({opening})"
            await pilot.press(opening)
            await settle(pilot)
            assert app.screen.is_modal, app.screen
            app.tell(older, timeout=30)
            app.tell(newer, timeout=30)
            await settle(pilot)
            assert newer not in [n.message for n in app._notifications]
            assert not [toast for toast in app.screen.query("Toast") if toast.display]  # nothing over the dialog
            await pilot.press("escape")
            await settle(pilot)
            toasts = [n.message for n in app._notifications]
            assert newer in toasts  # shown once it closed
            assert older not in toasts
            assert older in [record.text for record in app.notices]  # all kept in the notices (m)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_the_footer_shows_whole_keys_and_no_letter_keys_while_typing(size):
    from textual.widgets._footer import FooterKey

    store = build_scene()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)

        def shown() -> tuple[list[str], FooterKey]:
            keys = [key for key in app.screen.query(FooterKey) if key.display]
            (palette,) = [key for key in keys if key.has_class("-command-palette")]
            others = [key for key in keys if key is not palette]
            assert all(key.region.right <= palette.region.x for key in others)  # none under the palette key
            assert all(key.region.width == len(key.render().plain) for key in others)  # none cut
            return [key.key_display for key in others], palette

        keys, _ = shown()
        assert keys[:3] == ["a", "d", "t"] and "?" in keys and "q" in keys
        if size[0] == 80:
            assert "m" not in keys  # left out whole, in the order of importance
        else:
            assert {"D", "i", "/", "m"} <= set(keys)
        await pilot.press("i")
        await settle(pilot)
        keys, _ = shown()
        assert keys == ["esc"]  # a letter typed here is text, and / starts a command
        await pilot.press("escape")
        await settle(pilot)
        assert shown()[0][:3] == ["a", "d", "t"]


async def test_the_empty_state_wraps_whole_words_and_output_keeps_blank_lines(make_store):
    store = make_store()
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        output = app.screen.query_one(OutputView)
        lines = [line.rstrip() for line in output.lines]
        width = output.scrollable_content_region.width
        assert all(len(line) <= width for line in lines)
        words = " ".join(lines).split()
        assert "dashboard:" in words and "tether-tui" in words and "repository)" in words  # no word cut
        assert lines[1] == ""  # the blank line under "No sessions yet." is kept
        store.add_session("s1", "agent")
        store.append_output("s1", "First paragraph.\n\nSecond paragraph.")
        app.screen.select_session("s1")
        await settle(pilot)
        assert [line.rstrip() for line in output.lines][-3:] == ["First paragraph.", "", "Second paragraph."]


async def test_an_unknown_theme_is_a_notice_naming_the_line(tmp_path):
    from tether_tui.config import load_config

    path = tmp_path / "config.toml"
    path.write_text('[dashboard]\ndemo = false\ntheme = "nope"\n')
    store = build_scene()
    store.config = load_config(path)
    app = TetherApp(Runtime(store), user="dev")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        assert any(record.text.startswith(f"{path}:3: [dashboard] theme: unknown theme 'nope' (known: ") for record in app.notices)
