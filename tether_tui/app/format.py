"""How store values look on screen: state colours, ages, paths."""

from __future__ import annotations

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
