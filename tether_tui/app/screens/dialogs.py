"""Small dialogs: deny with a reason, confirm a stop, show a command's answer."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static


class ReasonDialog(ModalScreen[str | None]):
    """Deny a request, with a reason for the agent if one is written. Returns the reason ("" for
    none), or None when cancelled."""

    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, session_title: str, what: str) -> None:
        super().__init__()
        self.session_title = session_title
        self.what = what

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(Content(f"Deny in {self.session_title}"), classes="title")
            yield Static(self.what, markup=False, classes="what")
            yield Input(placeholder="Reason, sent back to the agent (optional)", id="reason")
            with Horizontal(classes="buttons"):
                yield Label("enter deny (with the reason, if any) · escape cancel", classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Deny", variant="error", id="deny")

    def on_mount(self) -> None:
        self.query_one("#reason", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(self.query_one("#reason", Input).value.strip() if event.button.id == "deny" else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmDialog(ModalScreen[bool]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(Content(self.question), classes="title")
            with Horizontal(classes="buttons"):
                yield Label("y yes · n or escape no", classes="hint")
                yield Button("No", id="no")
                yield Button("Yes", variant="error", id="yes")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class MessageDialog(ModalScreen[None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Label(Content(self.title_text), classes="title")
            yield Static(self.text, markup=False)
            yield Label("escape close", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
