"""Set up a chat bridge from the dashboard: the token typed hidden and checked at once (the
same checks as ``tether-tui doctor``), then saved into the config (comments kept, 0600). The
bridge starts by itself with no chat yet and offers a pairing code in the top bar: writing
``/pair <code>`` (``!pair`` on Slack and Discord) in the group binds it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Static

PLATFORMS = ("telegram", "slack", "discord")
STEPS = {
    "telegram": "@BotFather: /newbot, copy the token. Make a group, switch Topics on, add the bot as admin with Manage Topics.",
    "slack": "Socket Mode on with an app-level token (xapp-…, connections:write); bot scopes chat:write, channels:history, "
    "groups:history, users:read, files:write; install, copy the bot token (xoxb-…); invite the app to the channel.",
    "discord": "Developer Portal: Bot, Reset Token, copy it; switch Message Content Intent on; invite the bot to your server.",
}
Check = Callable[[str, str, str], Awaitable[list[tuple[bool, str]]]]
"""(platform, token, app token) -> (ok, line) for each check."""
Save = Callable[[str, str, str], str]
"""(platform, token, app token) -> what to do next, once saved."""


class ChatSetupDialog(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = """
    ChatSetupDialog .dialog { width: 90; }
    ChatSetupDialog Input { margin-bottom: 1; }
    ChatSetupDialog #results { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, check: Check, save: Save) -> None:
        super().__init__()
        self._check = check
        self._save = save
        self.checked_ok = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label("Set up a chat bridge", classes="title")
            with RadioSet(id="platform"):
                for index, name in enumerate(PLATFORMS):
                    yield RadioButton(name.capitalize(), value=index == 0)
            yield Static(Content(STEPS["telegram"]), id="steps", classes="what")
            yield Input(placeholder="Bot token", password=True, id="token")
            yield Input(placeholder="App-level token (Slack only, xapp-…)", password=True, id="app-token")
            yield Static("", id="results")
            with Horizontal(classes="buttons"):
                yield Label("tokens are never shown · escape cancel", classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Check", id="check")
                yield Button("Save", variant="primary", id="save", disabled=True)

    def on_mount(self) -> None:
        self.query_one("#app-token", Input).display = False  # Slack only
        self.query_one("#token", Input).focus()

    @property
    def platform(self) -> str:
        return PLATFORMS[max(0, self.query_one("#platform", RadioSet).pressed_index)]

    def _tokens(self) -> tuple[str, str]:
        return self.query_one("#token", Input).value.strip(), self.query_one("#app-token", Input).value.strip()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self.query_one("#steps", Static).update(Content(STEPS[self.platform]))
        self.query_one("#app-token", Input).display = self.platform == "slack"
        self._reset()

    def on_input_changed(self, event: Input.Changed) -> None:
        self._reset()

    def _reset(self) -> None:
        self.checked_ok = False
        self.query_one("#save", Button).disabled = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "check":
            self.run_check()
        elif event.button.id == "save" and self.checked_ok:
            token, app_token = self._tokens()
            self.query_one("#results", Static).update(Content(self._save(self.platform, token, app_token)))
            self.query_one("#save", Button).disabled = True

    @work(exclusive=True)
    async def run_check(self) -> None:
        token, app_token = self._tokens()
        results = self.query_one("#results", Static)
        if not token or (self.platform == "slack" and not app_token):
            results.update("Paste the token" + (" and the app-level token" if self.platform == "slack" else ""))
            return
        results.update("Checking…")
        found = await self._check(self.platform, token, app_token)
        results.update(Content("\n".join(f"{'✓' if good else '✗'} {line}" for good, line in found)))
        self.checked_ok = bool(found) and found[0][0]  # the token itself was accepted
        self.query_one("#save", Button).disabled = not self.checked_ok

    def action_cancel(self) -> None:
        self.dismiss(None)
