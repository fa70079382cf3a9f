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

from tether_tui.platforms import PLATFORMS, PlatformSpec

Check = Callable[[str, dict[str, str]], Awaitable[list[tuple[bool, str]]]]
"""(platform, tokens by config key) -> (ok, line) for each check."""
Save = Callable[[str, dict[str, str]], str]
"""(platform, tokens by config key) -> what to do next, once saved."""
TOKEN_INPUTS = ("token", "second-token")
"""As many inputs as a platform has tokens (Slack has two)."""


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
                for index, spec in enumerate(PLATFORMS.values()):
                    yield RadioButton(spec.label, value=index == 0)
            yield Static("", id="steps", classes="what")
            for input_id in TOKEN_INPUTS:
                yield Input(password=True, id=input_id)
            yield Static("", id="results")
            with Horizontal(classes="buttons"):
                yield Label("tokens are never shown · escape cancel", classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Check", id="check")
                yield Button("Save", variant="primary", id="save", disabled=True)

    def on_mount(self) -> None:
        self._show(self.spec)
        self.query_one("#token", Input).focus()

    @property
    def platform(self) -> str:
        return list(PLATFORMS)[max(0, self.query_one("#platform", RadioSet).pressed_index)]

    @property
    def spec(self) -> PlatformSpec:
        return PLATFORMS[self.platform]

    def _inputs(self) -> list[Input]:
        return [self.query_one(f"#{input_id}", Input) for input_id in TOKEN_INPUTS]

    def _show(self, spec: PlatformSpec) -> None:
        self.query_one("#steps", Static).update(Content(spec.setup_summary))
        for index, field in enumerate(self._inputs()):
            field.display = index < len(spec.tokens)
            field.placeholder = spec.tokens[index].label if index < len(spec.tokens) else ""

    def _tokens(self) -> dict[str, str]:
        return {token.key: field.value.strip() for token, field in zip(self.spec.tokens, self._inputs(), strict=False)}

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._show(self.spec)
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
            self.query_one("#results", Static).update(Content(self._save(self.platform, self._tokens())))
            self.query_one("#save", Button).disabled = True

    @work(exclusive=True)
    async def run_check(self) -> None:
        tokens = self._tokens()
        results = self.query_one("#results", Static)
        missing = [token.label for token in self.spec.tokens if not tokens.get(token.key)]
        if missing:
            results.update(Content("Paste the " + " and the ".join(missing)))
            return
        results.update("Checking…")
        found = await self._check(self.platform, tokens)
        results.update(Content("\n".join(f"{'✓' if good else '✗'} {line}" for good, line in found)))
        self.checked_ok = bool(found) and found[0][0]  # the token itself was accepted
        self.query_one("#save", Button).disabled = not self.checked_ok

    def action_cancel(self) -> None:
        self.dismiss(None)
