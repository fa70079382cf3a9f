"""Start a session: which agent (the ACP agents found, and the demo agent), in which folder, with
what prompt, how much it may do without asking, and an optional title."""

from __future__ import annotations

import os
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, TextArea

from runners.demo_scripts import SCENARIOS

MODES = ("Ask for every tool", "Accept file edits in the folder", "Never ask (bypass: shown as a warning)")


@dataclass(frozen=True)
class AgentChoice:
    name: str
    """A runner name (``claude``, ``codex``, …), or ``demo:N`` for demo scenario N."""
    label: str
    unavailable: str | None = None
    """Why it cannot start (not installed), or None."""


@dataclass(frozen=True)
class NewSessionRequest:
    agent: str
    folder: str
    prompt: str
    approval_choice: int
    title: str | None = None
    host: str | None = None
    """A remote to run the agent on (its folder is a folder there); None: this machine."""

    @property
    def demo_index(self) -> int | None:
        return int(self.agent.split(":", 1)[1]) if self.agent.startswith("demo:") else None


def _why_not(unavailable: str) -> str:
    """``not installed: npm install -g …`` from the runner's longer sentence."""
    _, _, install = unavailable.partition("; install it with: ")
    return f"not installed: {install}" if install else unavailable.split(": ", 1)[-1]


def demo_choices() -> list[AgentChoice]:
    return [AgentChoice(f"demo:{i}", f"Demo · {s.title}: {s.prompt}") for i, s in enumerate(SCENARIOS)]


class NewSessionDialog(ModalScreen[NewSessionRequest | None]):
    CSS_PATH = "dialogs.tcss"
    DEFAULT_CSS = """
    NewSessionDialog TextArea { height: 5; margin-bottom: 1; }
    NewSessionDialog #error { color: $error; }
    NewSessionDialog #heading { dock: top; width: 1fr; background: $panel; }
    NewSessionDialog Input { margin-bottom: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "start", "Start", show=False)]

    def __init__(
        self,
        agents: list[AgentChoice],
        *,
        folder: str | None = None,
        recent: list[str] | None = None,
        hosts: list[tuple[str, str]] | None = None,
        agent: str | None = None,
        host: str | None = None,
    ) -> None:
        """``hosts``: the remotes an agent may be started on, as (name, description).
        ``agent`` and ``host``: chosen at first (a new session in place of one that cannot resume)."""
        super().__init__()
        self.agents = agents
        self.hosts = hosts or []
        self.chosen_agent = agent
        self.chosen_host = host
        self.folder = folder or os.getcwd()
        self.recent = [f for f in (recent or []) if f != self.folder][:5]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog", id="new-session"):
            yield Label("New session", classes="title", id="heading")
            yield Label("Agent", classes="field")
            with RadioSet(id="agent"):
                first = next((i for i, a in enumerate(self.agents) if a.name == self.chosen_agent), None)
                if first is None:
                    first = next((i for i, a in enumerate(self.agents) if a.unavailable is None), 0)
                for index, agent in enumerate(self.agents):
                    label = agent.label if agent.unavailable is None else f"{agent.label}: {_why_not(agent.unavailable)}"
                    # with remotes, an agent missing here may be there: said when started
                    missing = agent.unavailable is not None and not self.hosts
                    yield RadioButton(Content(label), value=index == first, disabled=missing)
            if self.hosts:
                yield Label("Machine", classes="field")
                with RadioSet(id="host"):
                    yield RadioButton("this machine", value=self.chosen_host is None)
                    for name, description in self.hosts:
                        yield RadioButton(Content(f"{name} ({description})"), value=name == self.chosen_host)
            yield Label("Folder", classes="field")
            yield Input(self.folder, id="folder")
            if self.recent:
                yield Label(Content("Recent: " + " · ".join(self.recent)), classes="hint-inline")
            yield Label("Prompt", classes="field")
            yield TextArea(id="prompt")
            yield Label("Approvals", classes="field")
            with RadioSet(id="mode"):
                for index, text in enumerate(MODES):
                    yield RadioButton(text, value=index == 0)
            yield Input(placeholder="Title (optional)", id="title")
            yield Label("", id="error")
            with Horizontal(classes="buttons"):
                yield Label("tab next · ctrl+s start · escape cancel", classes="hint")
                yield Button("Cancel", id="cancel")
                yield Button("Start", variant="primary", id="start")

    def on_mount(self) -> None:
        self.query_one("#prompt", TextArea).focus()
        self._show_agent()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        if event.radio_set.id == "agent":
            self._show_agent()

    def _show_agent(self) -> None:
        """The heading names the chosen agent: it shows even when the dialog is scrolled to the prompt."""
        index = max(0, self.query_one("#agent", RadioSet).pressed_index)
        label = self.agents[index].label if self.agents else ""
        self.query_one("#heading", Label).update(Content(f"New session · {label}" if label else "New session"))

    def _result(self) -> NewSessionRequest | None:
        agent_index = self.query_one("#agent", RadioSet).pressed_index
        agent = self.agents[max(0, agent_index)]
        error = self.query_one("#error", Label)
        host_index = self.query_one("#host", RadioSet).pressed_index if self.hosts else 0
        host = self.hosts[host_index - 1][0] if host_index > 0 else None
        typed = self.query_one("#folder", Input).value.strip()
        if not typed:
            error.update("Type the folder the agent works in")
            return None
        if host is not None:
            if agent.name.startswith("demo:"):
                error.update("The demo agents run on this machine only")
                return None
            folder = typed  # a folder there: checked there when the agent starts
        else:
            if agent.unavailable is not None:
                error.update(Content(agent.unavailable))
                return None
            folder = os.path.abspath(os.path.expanduser(typed))
            if not os.path.isdir(folder):
                error.update(Content(f"{folder} is not a folder"))
                return None
        prompt = self.query_one("#prompt", TextArea).text.strip()
        if not prompt and not agent.name.startswith("demo:"):
            error.update("Write a prompt for the agent")
            return None
        title = self.query_one("#title", Input).value.strip() or None
        mode = max(0, self.query_one("#mode", RadioSet).pressed_index)
        return NewSessionRequest(agent.name, folder, prompt, mode, title, host)

    def action_start(self) -> None:
        result = self._result()
        if result is not None:
            self.dismiss(result)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "start":
            self.action_start()
        else:
            self.dismiss(None)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self.action_start()

    def action_cancel(self) -> None:
        self.dismiss(None)
