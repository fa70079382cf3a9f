"""The Textual application: renders the store and turns keys into store calls."""

from __future__ import annotations

import gc
import getpass
import logging
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from tether_tui.app.actions import Severity
from tether_tui.app.desktop import DesktopNotifier
from tether_tui.app.screens.dialogs import ConfirmDialog, MessageDialog, ReasonDialog
from tether_tui.app.screens.main import MainScreen
from tether_tui.app.screens.notices import NoticeRecord, NoticesScreen
from tether_tui.app.toasts import MODAL_TOASTS_HIDDEN, Toasts
from tether_tui.app.widgets.request_preview import request_text
from tether_tui.approvals import UnknownRequestError
from tether_tui.commands import UnknownCommandError
from tether_tui.config import Config
from tether_tui.events import (
    ApprovalDecided,
    ApprovalRequested,
    AutoApprovedBatch,
    ConfigFailed,
    ConfigReloaded,
    Event,
    Notice,
)
from tether_tui.models import ApprovalRequest, Origin, RuleScope, Via
from tether_tui.platforms import label_of
from tether_tui.runtime import Runtime
from tether_tui.store import BridgeHealth, SessionError
from tether_tui.toolinput import short_path

if TYPE_CHECKING:
    from bridges.base import ChatBridge
    from tether_tui.app.screens.chat_users import ChatUserRow
    from tether_tui.app.screens.new_session import AgentChoice, NewSessionRequest
    from tether_tui.app.screens.timer_dialog import TimerChoice

log = logging.getLogger(__name__)


NOTICES_KEPT = 500


class TetherApp(App[None]):
    TITLE = "tether-tui"
    CSS = (
        """
    ToastRack { dock: top; align: right top; margin-top: 1; margin-bottom: 0; }
    """
        + MODAL_TOASTS_HIDDEN
    )
    BINDINGS = [
        Binding("q", "quit", "Quit", show=False),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]
    ENABLE_COMMAND_PALETTE = True
    MODES = {"dashboard": MainScreen}
    DEFAULT_MODE = "dashboard"

    def __init__(self, runtime: Runtime, *, user: str | None = None, exit_after_first_frame: bool = False) -> None:
        """A view over ``runtime``: it shows the store and turns keys into store calls; the
        runtime starts with the app and stops with it."""
        super().__init__(driver_class=_terminal_driver())
        self.runtime = runtime
        self.store = runtime.store
        self.launcher = runtime.launcher
        self.commands = runtime.commands
        self.user = user or getpass.getuser()
        self.exit_after_first_frame = exit_after_first_frame
        self._subscription = self.store.bus.subscribe("dashboard", output_line_cap=self.store.config.history.max_lines)
        self.notices: deque[NoticeRecord] = deque(maxlen=NOTICES_KEPT)
        self.toasts = Toasts(self)
        self.desktop = DesktopNotifier(self)
        self.start_folder = os.getcwd()
        """Where the New session dialog starts (the folder tether-tui was started in)."""
        self._refused: str | None = None
        """The request a key was last refused for (said once)."""
        self._apply_theme(self.store.config)

    # ----------------------------------------------------------------- lifecycle
    def on_mount(self) -> None:
        self.run_worker(self._pump(), name="store events", exclusive=False)
        self.set_interval(1.0, self._tick, name="clocks")
        self.run_worker(self.runtime.start(), name="runtime")
        self.runtime.catch_signals(self._terminated)
        self.theme_changed_signal.subscribe(self, self._keep_theme)
        for warning in self.store.config.warnings:
            self.tell(warning, title="Config", severity="warning", timeout=10)

    def tell(
        self, text: str, *, title: str = "", severity: Severity = "information", timeout: float | None = None, kind: str | None = None
    ) -> None:
        """Show a notice (never read as markup) and keep it in the notice history (``m``). One
        toast per ``kind`` (by default: per severity and title) is shown at a time."""
        self.notices.append(NoticeRecord(self.store.clock.now(), severity, title, text))
        self.toasts.show(kind or f"{severity}:{title}", text, title=title, severity=severity, timeout=timeout)

    def _terminated(self, signum: int) -> None:
        """SIGHUP (the terminal closed), SIGTERM or SIGINT: stop the agents (their sessions stay
        resumable), then exit; the runtime stops the rest as the app ends."""
        log.warning("%s: the dashboard stops", signal.Signals(signum).name)
        self.run_worker(self._stop_agents_and_exit(), name="terminated")

    async def on_unmount(self) -> None:
        self.runtime.release_signals()
        await self.runtime.stop()
        self._subscription.close()

    def on_ready(self) -> None:
        # Everything alive after start-up lives as long as the app: keep it out of the cyclic
        # collector's full scans, which otherwise stall a busy dashboard for tens of ms.
        gc.freeze()
        if self.exit_after_first_frame:
            self.exit()

    def _apply_theme(self, config: Config) -> None:
        if config.dashboard.theme in self.available_themes:
            self.theme = config.dashboard.theme
        else:
            from tether_tui.config import setting_error, unknown_theme

            problem = setting_error(config, "dashboard", "theme", unknown_theme(config.dashboard.theme, self.available_themes))
            self.notices.append(NoticeRecord(self.store.clock.now(), "warning", "Config", str(problem)))

    def _keep_theme(self, theme: object) -> None:
        """A theme picked in the palette is kept in the config (the next start has it too)."""
        name = getattr(theme, "name", None)
        path = self.runtime.config_path
        if not name or path is None or name == self.store.config.dashboard.theme:
            return
        from tether_tui.config import ConfigError
        from tether_tui.configfile import set_values

        try:
            set_values(path, "dashboard", {"theme": name})
        except (ConfigError, OSError) as exc:
            self.tell(f"Theme {name} not kept: {exc}", severity="warning", timeout=6)

    def _tick(self) -> None:
        """Every second: ages and countdowns. A tick never takes the dashboard down."""
        try:
            screen = self._main_screen()
            if screen is not None:
                screen.refresh_clocks()
        except Exception:
            log.exception("clock tick failed")

    def _main_screen(self) -> MainScreen | None:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    async def _pump(self) -> None:
        async for batch in self._subscription:
            try:
                self._apply(batch)
            except Exception:
                log.exception("dashboard failed to apply store events")

    def _apply(self, batch: list[Event]) -> None:
        screen = self._main_screen()
        if screen is not None:
            screen.apply(batch)
        for event in batch:
            if isinstance(event, ApprovalRequested):
                if self.store.config.dashboard.bell:
                    self.bell()
                if self.store.config.dashboard.notify:
                    request = event.request
                    self.desktop.send(f"{request.tool_name} waits in {self._title(request.session_id)}", request.summary)
            elif isinstance(event, ApprovalDecided):
                from tether_tui.app.screens.details import DetailsScreen

                for open_screen in self.screen_stack:
                    if isinstance(open_screen, DetailsScreen) and open_screen.request.id == event.request.id:
                        open_screen.show_decision(event.decision)
                if event.decision.via not in (Via.KEYBOARD, Via.AUTO):
                    where = self._title(event.request.session_id)
                    self.tell(f"{event.request.tool_name} in {where}: {event.decision.describe()}", timeout=6)
            elif isinstance(event, AutoApprovedBatch):
                self.tell(event.describe(), timeout=8)
            elif isinstance(event, ConfigFailed):
                self.tell(event.error, title="Config not applied", severity="error", timeout=15)
            elif isinstance(event, ConfigReloaded):
                self.tell("Config reloaded", timeout=3)
                self._apply_theme(event.config)
            elif isinstance(event, Notice):
                self.tell(event.text, severity=event.level, timeout=5)  # type: ignore[arg-type]

    def _title(self, session_id: str) -> str:
        return self.store.session(session_id).title if self.store.has_session(session_id) else session_id

    def status_lines(self) -> list[tuple[str, str, str]]:
        """What is right and wrong now, in full: bridges, config, gateway (for the notices screen)."""
        lines: list[tuple[str, str, str]] = []
        for name, (health, detail) in self.store.bridge_health.items():
            code = self.store.pairing_codes.get(name)
            text = detail or ""
            if code:
                text = f"{text}  pairing code: {code}".strip()
            if health == BridgeHealth.NOT_CONFIGURED:
                text = text or "no token in the config: tether-tui setup " + name
            lines.append((label_of(name), health, text))
        runtime = self.runtime
        config_path = str(runtime.config_path) if runtime.config_path else "no config file"
        if self.store.config_error:
            lines.append(("Config", "error", self.store.config_error))
        else:
            lines.append(("Config", "ok", config_path))
        if runtime.gateway is not None:
            lines.append(("Hooks", "ok", f"listening on {runtime.gateway.path}"))
        else:
            lines.append(("Hooks", "error" if runtime.gateway_error else "off", runtime.gateway_error or "no gateway in this dashboard"))
        return lines

    def action_notices(self) -> None:
        self.push_screen(NoticesScreen(self.status_lines(), self.notices))

    # ----------------------------------------------------------------- decisions
    def _selected_request(self) -> str | None:
        """The request ``a``/``d`` decide; None (and a hint) when the selected session has none."""
        screen = self._main_screen()
        if screen is None:
            return None
        request_id = screen.selected_request_id
        if request_id is None:
            hint = screen.next_request_hint()
            self.tell(hint or "No request is waiting", severity="warning" if hint else "information", timeout=4)
            return None
        refusal = screen.refusal(request_id)
        if refusal is not None:
            if self._refused != request_id:  # said once per request, however many keys come
                self.tell(refusal, severity="warning", timeout=3)
            self._refused = request_id
            return None
        return request_id

    def decide(self, request_id: str, allow: bool, reason: str | None = None) -> bool:
        """Decide from the keyboard; True when this decision took effect."""
        try:
            result = self.store.approvals.decide(request_id, allow, by=self.user, via=Via.KEYBOARD, reason=reason)
        except UnknownRequestError:
            self.tell("That request is gone", severity="warning")
            return False
        if not result.accepted:
            self.tell(f"Already {result.decision.describe()}", severity="warning")
        else:
            self.tell(self._confirmation(result.request, "Approved" if allow else "Denied", reason), timeout=4)
        return result.accepted

    def _confirmation(self, request: ApprovalRequest, verb: str, reason: str | None = None) -> str:
        text = f"{verb} {request.tool_name} in {self._title(request.session_id)}: {request_text(request)}"
        return f"{text} (reason: {reason})" if reason else text

    def action_approve(self) -> None:
        if (request_id := self._selected_request()) is not None:
            self.decide(request_id, True)

    def action_deny(self) -> None:
        if (request_id := self._selected_request()) is not None:
            self.decide(request_id, False)

    def action_deny_with_reason(self) -> None:
        if (request_id := self._selected_request()) is not None:
            self.deny_with_reason(request_id)

    def deny_with_reason(self, request_id: str, on_done: Callable[[], object] | None = None) -> None:
        request = self.store.approvals.get(request_id)

        def done(reason: str | None) -> None:
            if reason is not None and self.decide(request_id, False, reason or None) and on_done:
                on_done()

        self.push_screen(ReasonDialog(self._title(request.session_id), f"{request.tool_name}: {request_text(request)}"), done)

    def action_allow_for(self) -> None:
        from tether_tui.app.screens.timer_dialog import TimerDialog

        screen = self._main_screen()
        if screen is not None and screen.selected_request_id is not None:
            request_id = self._selected_request()
            if request_id is not None:
                self.allow_for(request_id)
            return
        session_id = screen.selected_session_id if screen else None
        if session_id is None:
            self.tell("Select a session or a request first", severity="warning")
            return
        session = self.store.session(session_id)
        settings = self.store.config.approvals

        def done(choice: TimerChoice | None) -> None:
            if choice is None:
                return
            if choice.timer == "dir" and session.directory:
                self.store.approvals.add_rule(
                    RuleScope.DIRECTORY, choice.minutes, by=self.user, via=Via.KEYBOARD, directory=session.directory
                )
            else:
                self.store.approvals.add_rule(RuleScope.SESSION, choice.minutes, by=self.user, via=Via.KEYBOARD, session_id=session_id)

        self.push_screen(
            TimerDialog(
                session_title=session.title,
                directory=session.directory,
                tool_name=None,
                durations=settings.durations_minutes,
                default_minutes=settings.default_duration_minutes,
            ),
            done,
        )

    def allow_for(self, request_id: str, on_done: Callable[[], object] | None = None) -> None:
        from tether_tui.app.screens.timer_dialog import TimerDialog

        request = self.store.approvals.get(request_id)
        settings = self.store.config.approvals
        title = self.store.session(request.session_id).title if self.store.has_session(request.session_id) else request.session_id

        def done(choice: TimerChoice | None) -> None:
            if choice is None:
                return
            result = self.store.approvals.allow_with_timer(request_id, choice.timer, choice.minutes, by=self.user, via=Via.KEYBOARD)
            if not result.accepted:
                self.tell(f"Already {result.decision.describe()}", severity="warning")
            else:
                self.tell(self._confirmation(result.request, f"Approved (and {choice.minutes} min rule)"), timeout=4)
                if on_done:
                    on_done()

        self.push_screen(
            TimerDialog(
                session_title=title,
                directory=request.directory,
                tool_name=request.tool_name,
                command_rule=self.store.approvals.command_rule_of(request),
                durations=settings.durations_minutes,
                default_minutes=settings.default_duration_minutes,
            ),
            done,
        )

    def action_revoke(self) -> None:
        screen = self._main_screen()
        rule_id = screen.selected_rule_id if screen else None
        if rule_id is None:
            self.tell("No auto-approve timer is running", severity="warning", timeout=3)
            return
        rule = self.store.approvals.revoke_rule(rule_id, by=self.user)
        if rule is not None:
            self.tell(f"Revoked: {self.store.describe_rule(rule)}", timeout=4)

    def open_details(self, request_id: str) -> None:
        from tether_tui.app.screens.details import DetailsScreen

        try:
            request = self.store.approvals.get(request_id)
        except UnknownRequestError:
            return
        title = self.store.session(request.session_id).title if self.store.has_session(request.session_id) else request.session_id
        self.push_screen(DetailsScreen(request, title))

    # ----------------------------------------------------------------- sessions
    async def send_input(self, session_id: str, text: str) -> bool:
        """Send typed input; False (and why, saying the text is kept) when it cannot go."""
        try:
            await self.store.send_input(session_id, text, by=self.user, via=Via.KEYBOARD)
        except SessionError as exc:
            self.tell(f"{exc}: what you typed stays in the line", severity="warning")
            return False
        return True

    def action_stop_session(self, session_id: str | None = None) -> None:
        screen = self._main_screen()
        session_id = session_id or (screen.selected_session_id if screen else None)
        if session_id is None:
            return
        session = self.store.session(session_id)
        if session.state.is_final:
            self.tell(f"{session.title} is already {session.state.value}", timeout=3)
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.run_worker(self._stop(session_id), name=f"stop {session_id}")

        self.push_screen(ConfirmDialog(f"Stop {session.title}?"), done)

    async def _stop(self, session_id: str) -> None:
        problem = await self.runtime.stop_session(session_id, by=self.user, via=Via.KEYBOARD)
        if problem is not None:
            self.tell(problem, severity="warning")

    def agent_choices(self) -> list[AgentChoice]:
        """The ACP agents (those not installed say so) and the demo scenarios."""
        from runners.acp.profiles import available
        from tether_tui.app.screens.new_session import AgentChoice, demo_choices

        profiles = self.launcher.registry.profiles
        choices = [
            AgentChoice(name, f"{profile.label} ({name})", why)
            for (name, why), profile in zip(available(profiles).items(), profiles.values(), strict=False)
        ]
        return [*sorted(choices, key=lambda c: c.unavailable is not None), *demo_choices()]

    def recent_folders(self) -> list[str]:
        folders = [s.directory for s in reversed(self.store.sessions()) if s.directory and os.path.isdir(s.directory)]
        return list(dict.fromkeys(short_path(f) for f in folders))

    def action_new_session(self, folder: str | None = None, agent: str | None = None, host: str | None = None) -> None:
        from tether_tui.app.screens.new_session import NewSessionDialog

        def done(request: NewSessionRequest | None) -> None:
            if request is not None:
                self.run_worker(self._start_session(request), name="new session")

        hosts = [(remote.name, remote.destination) for remote in self.store.config.remotes if remote.enabled]
        dialog = NewSessionDialog(
            self.agent_choices(), folder=folder or self.start_folder, recent=self.recent_folders(), hosts=hosts, agent=agent, host=host
        )
        self.push_screen(dialog, done)

    def action_resume_session(self) -> None:
        """Resume the selected ended session: its agent loads the conversation. One that cannot
        be resumed says why, and a new session in the same folder is offered instead."""
        screen = self._main_screen()
        session_id = screen.selected_session_id if screen else None
        if session_id is None or not self.store.has_session(session_id):
            self.tell("Select an ended session to resume", severity="warning", timeout=4)
            return
        session = self.store.session(session_id)
        if not session.state.is_final:
            self.tell(f"{session.title} is running: nothing to resume", timeout=4)
            return
        why = self.launcher.why_not_resumable(session_id)
        if why is None:
            self.run_worker(self._resume(session_id), name=f"resume {session_id}")
            return
        self._offer_new_session(session_id, why)

    async def _resume(self, session_id: str) -> None:
        from runners.protocol import RunnerUnavailableError

        title = self.store.session(session_id).title
        self.tell(f"Resuming {title}…", timeout=3)
        try:
            await self.launcher.resume(session_id)
        except RunnerUnavailableError as exc:
            self._offer_new_session(session_id, str(exc))

    def _offer_new_session(self, session_id: str, why: str) -> None:
        session = self.store.session(session_id)
        agent = session.runner_type if session.runner_type and self.launcher.registry.has(session.runner_type) else None
        folder = session.directory

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.action_new_session(folder=folder, agent=agent, host=session.host)

        where = f" in {short_path(folder)}" if folder else ""
        self.push_screen(ConfirmDialog(f"Cannot resume: {why}.\nStart a new session{where} instead?"), done)

    async def _start_session(self, request: NewSessionRequest) -> None:
        from runners.protocol import RunnerUnavailableError

        try:
            if request.demo_index is not None:
                session_id = await self.launcher.start_demo(
                    request.demo_index,
                    prompt=request.prompt or None,
                    approval_choice=request.approval_choice,
                    speed=self.runtime.demo_speed,
                )
            else:
                session_id = await self.launcher.start(
                    request.agent,
                    request.prompt,
                    title=request.title,
                    directory=request.folder,
                    approval_choice=request.approval_choice,
                    host=request.host,
                )
        except RunnerUnavailableError as exc:
            self.tell(str(exc), title="Cannot start the agent", severity="error", timeout=15)
            return
        self._select(session_id)

    def _select(self, session_id: str) -> None:
        """Show ``session_id``: the one just started or resumed is the one the person looks at."""
        screen = self._main_screen()
        if screen is not None and self.store.has_session(session_id):
            screen.select_session(session_id)

    async def action_quit(self) -> None:
        running = self.runtime.running_agents()
        if not running:
            self.exit()
            return

        def done(confirmed: bool | None) -> None:
            if confirmed:
                self.run_worker(self._stop_agents_and_exit(), name="quit")

        count = len(running)
        self.push_screen(
            ConfirmDialog(f"{count} agent{'s are' if count != 1 else ' is'} running: stop {'them' if count != 1 else 'it'} and quit?"), done
        )

    async def _stop_agents_and_exit(self) -> None:
        await self.runtime.stop_agents()
        self.exit()

    def action_archive_session(self) -> None:
        """Take an ended session, or a hook session with nothing waiting, off the dashboard."""
        screen = self._main_screen()
        session_id = screen.selected_session_id if screen else None
        if session_id is None or not self.store.has_session(session_id):
            return
        session = self.store.session(session_id)
        archivable = session.state.is_final or (session.origin is Origin.HOOK and not self.store.approvals.pending(session_id))
        if not archivable:
            self.tell(f"{session.title} is running: stop it first (s)", severity="warning", timeout=4)
            return
        self.store.remove_session(session_id)
        self.tell(f"Archived {session.title}", timeout=3)

    def action_help(self) -> None:
        from tether_tui.app.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.commands.descriptions()))

    # ----------------------------------------------------------------- commands
    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand(
            "Pair a chat user",
            "Show a one-time code to write in chat: /pair on Telegram, !pair on Slack and Discord",
            self.action_pair_chat_user,
        )
        yield SystemCommand("Chat users", "Who may act from chat; revoke a paired user", self.action_chat_users)
        yield SystemCommand(
            "Set up a chat bridge", "Telegram, Slack or Discord: the token checked at once, then pairing", self.action_chat_setup
        )
        for name, description in self.commands.descriptions().items():
            yield SystemCommand(f"/{name}", description, partial(self._palette_command, name))

    # ----------------------------------------------------------------- screenshots
    def deliver_screenshot(self, filename: str | None = None, path: str | None = None, time_format: str | None = None) -> str | None:
        """Save an SVG of the screen into a folder that exists (Downloads when there is one,
        else the data folder's screenshots/), and say where, or why it could not be saved."""
        from tether_tui.paths import data_dir, ensure_private_dir

        try:
            downloads = Path("~/Downloads").expanduser()
            folder = Path(path) if path else downloads if downloads.is_dir() else ensure_private_dir(data_dir() / "screenshots")
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as exc:
            self.tell(f"Screenshot not saved: {exc}", severity="error", timeout=8)
            return None
        self.tell(f"Screenshot saved: {saved}", timeout=6)
        return saved

    # ----------------------------------------------------------------- chat users
    def _running_bridges(self) -> dict[str, ChatBridge]:
        bridges = self.runtime.bridges
        return dict(bridges.bridges) if bridges is not None else {}

    def action_pair_chat_user(self) -> None:
        """Offer a pairing code on every running bridge (even where somebody may act already)."""
        from tether_tui.chat_setup import pairing_instruction
        from tether_tui.platforms import platform

        lines = []
        for name, bridge in self._running_bridges().items():
            code = bridge.offer_pairing()
            label = platform(name).label
            lines.append(
                f"{label}: pairing is off (require_pairing = false)" if code is None else f"{label}: {pairing_instruction(name, code)}"
            )
        if not lines:
            self.tell("No chat bridge is running: tether-tui setup telegram (or slack, discord) sets one up", severity="warning")
            return
        lines.append("\nThe code works once and is shown only here; the top bar shows it until someone pairs.")
        self.push_screen(MessageDialog("Pair a chat user", "\n".join(lines)))

    def chat_user_rows(self) -> list[ChatUserRow]:
        from tether_tui.app.screens.chat_users import ChatUserRow

        rows: list[ChatUserRow] = []
        for name, bridge in self._running_bridges().items():
            rows.extend(ChatUserRow(name, user_id, user_id, "config") for user_id in sorted(bridge.allowed_users))
            rows.extend(ChatUserRow(name, user.id, user.name, "paired", user.since) for user in bridge.paired_users())
        return rows

    def revoke_chat_user(self, platform: str, user_id: str) -> bool:
        bridge = self._running_bridges().get(platform)
        return bridge is not None and bridge.unpair(user_id)

    def action_chat_setup(self) -> None:
        from tether_tui.app.screens.chat_setup import ChatSetupDialog

        self.push_screen(ChatSetupDialog(self.check_chat_tokens, self.save_chat_tokens))

    async def check_chat_tokens(self, platform: str, tokens: dict[str, str]) -> list[tuple[bool, str]]:
        """The doctor's checks of tokens typed into the setup dialog (nothing is saved)."""
        from tether_tui.chat_setup import check_tokens, settings_with_tokens

        return await check_tokens(platform, settings_with_tokens(platform, self.store.config, tokens))

    def save_chat_tokens(self, platform: str, tokens: dict[str, str]) -> str:
        """Write the tokens into the config; the reload starts the bridge with no chat yet."""
        from tether_tui.chat_setup import pairing_instruction, save_tokens, settings_with_tokens
        from tether_tui.config import ConfigError
        from tether_tui.platforms import platform as platform_spec

        config_path = self.runtime.config_path
        if config_path is None:
            return "This dashboard runs without a config file: nothing saved."
        try:
            save_tokens(config_path, platform, settings_with_tokens(platform, self.store.config, tokens))
        except (ConfigError, OSError) as exc:
            return f"Not saved: {exc}"
        label = platform_spec(platform).label
        return f"Saved in {config_path} (mode 600). {label} connects in a moment; then {pairing_instruction(platform, '<the code in the top bar>')}."

    def action_chat_users(self) -> None:
        from tether_tui.app.screens.chat_users import ChatUsersScreen

        self.push_screen(ChatUsersScreen(self.chat_user_rows, self.revoke_chat_user, self.action_pair_chat_user))

    def _palette_command(self, name: str) -> None:
        screen = self._main_screen()
        session_id = screen.selected_session_id if screen else None
        self.run_worker(self.run_chat_command(name, "", session_id), name=f"/{name}")

    async def run_chat_command(self, name: str, args: str, session_id: str | None) -> None:
        if name == "stop":
            self.action_stop_session(session_id)
            return
        if name == "resume":
            self.action_resume_session()
            return
        try:
            reply = await self.commands.run(name, session_id, args, by=self.user, via=Via.KEYBOARD)
        except UnknownCommandError:
            self.tell(f"Unknown command /{name}: /help lists them", severity="error")
            return
        self.push_screen(MessageDialog(f"/{name}", reply or "Done."))


def _terminal_driver() -> type[Driver] | None:
    """The driver that turns a burst of keys into one paste (POSIX terminals); Textual's own elsewhere."""
    if sys.platform == "win32":
        return None
    from tether_tui.app.driver import BurstSafeDriver

    return BurstSafeDriver
