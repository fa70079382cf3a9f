"""How store values look on screen: state colours, ages, paths."""

from __future__ import annotations

import re

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.text import Text

from tether_tui.models import Origin, SessionState

STATE_STYLE = {
    SessionState.STARTING: ("◌", "dim"),
    SessionState.RUNNING: ("●", "green"),
    SessionState.WAITING_APPROVAL: ("◆", "bold yellow"),
    SessionState.WAITING_INPUT: ("◇", "cyan"),
    SessionState.IDLE: ("○", "dim cyan"),
    SessionState.STOPPING: ("◍", "yellow"),
    SessionState.DISCONNECTED: ("◌", "red"),
    SessionState.STOPPED: ("■", "dim"),
    SessionState.ERROR: ("✖", "bold red"),
}

STATE_SHORT = {
    SessionState.STARTING: "starting",
    SessionState.RUNNING: "running",
    SessionState.WAITING_APPROVAL: "approval",
    SessionState.WAITING_INPUT: "input",
    SessionState.IDLE: "idle",
    SessionState.STOPPING: "stopping",
    SessionState.DISCONNECTED: "offline",
    SessionState.STOPPED: "stopped",
    SessionState.ERROR: "error",
}


def state_text(state: SessionState, short: bool = True, *, queued_input: bool = False, resumable: bool = False) -> Text:
    icon, style = STATE_STYLE[state]
    label = STATE_SHORT[state] if short else state.value
    if queued_input and not state.is_final:
        return Text(f"{icon} queued" if short else f"{icon} {label}, input queued", style="bold cyan")
    if resumable and state.is_final:
        return Text("↻ resume" if short else f"{icon} {label}, resumable (r)", style="cyan")
    return Text(f"{icon} {label}", style=style)


def origin_text(origin: Origin) -> Text:
    return Text("run" if origin is Origin.RUNNER else "hook", style="dim")


def age(seconds: float) -> str:
    seconds = int(max(0, seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 100 * 3600:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


DISTINGUISHING_END = re.compile(r"(?: @ \S+)?(?: #\d+)?$")
"""What tells two sessions of one agent and folder apart: ``@ host`` and ``#2``."""


def cut_middle(text: str, width: int) -> str:
    """``text`` in ``width`` cells, cut in the middle, never at its distinguishing end:
    ``claude · inv…ce-api #2``."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    end = DISTINGUISHING_END.search(text)
    keep_end = len(end.group(0)) if end else 0
    tail_cells = min(width - 2, max(keep_end + 5, (width - 1) // 2))
    tail = _last_cells(text, tail_cells)
    head = _first_cells(text, width - 1 - cell_len(tail))
    return f"{head}…{tail}"


def _first_cells(text: str, cells: int) -> str:
    taken, used = [], 0
    for char in text:
        used += cell_len(char)
        if used > cells:
            break
        taken.append(char)
    return "".join(taken)


def _last_cells(text: str, cells: int) -> str:
    return _first_cells(text[::-1], cells)[::-1]


class MiddleCut:
    """A one-line cell that is cut in the middle to the width it gets (see :func:`cut_middle`)."""

    def __init__(self, text: str, style: str = "") -> None:
        self.text = text
        self.style = style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text(cut_middle(self.text, options.max_width), style=self.style, no_wrap=True, overflow="crop")

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, cell_len(self.text))

    def __str__(self) -> str:
        return self.text
