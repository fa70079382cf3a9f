"""Allow for N minutes: pick what the rule covers and for how long."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from tether_tui.commands import plural
from tether_tui.rules import CommandRule
from tether_tui.toolinput import short_path


@dataclass(frozen=True)
class TimerChoice:
    timer: str
    """``tool``, ``prefix``, ``tool-everywhere``, ``all`` or ``dir`` (see :mod:`tether_tui.approvals`)."""
    minutes: int


class TimerDialog(ModalScreen[TimerChoice | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    DEFAULT_CSS = """
    TimerDialog OptionList { height: auto; max-height: 8; margin-bottom: 1; }
    """
    HINT = "↑↓ choose · tab next list · enter allow · escape cancel"

    def __init__(
        self,
        *,
        session_title: str,
        directory: str | None,
        tool_name: str | None,
        command_rule: CommandRule | None = None,
        durations: tuple[int, ...],
        default_minutes: int,
    ) -> None:
        super().__init__()
        self.session_title = session_title
        self.directory = directory
        self.tool_name = tool_name
        self.command_rule = command_rule
        self.durations = durations
        self.default_minutes = default_minutes

    def _scopes(self) -> list[Option]:
        options: list[tuple[str, str]] = []
        if self.tool_name:
            options.append((f"{self.tool_name} in {self.session_title}", "tool"))
            if self.command_rule:
                options.append((f"{self.tool_name} {self.command_rule.describe()} in {self.session_title}", "prefix"))
            options.append((f"{self.tool_name} in every session", "tool-everywhere"))
        options.append((f"Everything in {self.session_title}", "all"))
        if self.directory:
            options.append((f"Everything inside {short_path(self.directory)}/", "dir"))
        return [Option(Content(label), id=option_id) for label, option_id in options]

    def compose(self) -> ComposeResult:
        heading = f"Allow {self.tool_name} and what else?" if self.tool_name else f"Auto-approve in {self.session_title} for a while"
        with VerticalScroll(classes="dialog"):
            yield Label(Content(heading), classes="title")
            yield OptionList(*self._scopes(), id="scope")
            yield OptionList(*(Option(plural(m, "minute"), id=str(m)) for m in self.durations), id="duration")
            with Horizontal(classes="buttons"):
                yield Label(self.HINT, classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Allow", variant="success", id="allow")

    def on_mount(self) -> None:
        self.query_one("#scope", OptionList).highlighted = 0
        durations = self.query_one("#duration", OptionList)
        durations.highlighted = self.durations.index(self.default_minutes) if self.default_minutes in self.durations else 0
        self.query_one("#scope", OptionList).focus()

    def _choice(self) -> TimerChoice:
        scope = self.query_one("#scope", OptionList)
        duration = self.query_one("#duration", OptionList)
        scope_option = scope.get_option_at_index(scope.highlighted or 0)
        duration_option = duration.get_option_at_index(duration.highlighted or 0)
        return TimerChoice(str(scope_option.id), int(str(duration_option.id)))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self._choice())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self._choice() if event.button.id == "allow" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
