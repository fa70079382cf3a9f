"""The top bar: product name, pending approvals, the health of chat bridges and remotes
(``@name``, with the reason when one fails) and config problems."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from tether_tui.platforms import label_of
from tether_tui.store import BridgeHealth

HEALTH_STYLE = {
    BridgeHealth.NOT_CONFIGURED: ("○", "dim"),
    BridgeHealth.OFF: ("◌", "dim"),
    BridgeHealth.CONNECTING: ("◐", "yellow"),
    BridgeHealth.CONNECTED: ("●", "green"),
    BridgeHealth.FAILING: ("✖", "bold red"),
}


class StatusBar(Static):
    pending: reactive[int] = reactive(0)
    bridges: reactive[dict[str, tuple[str, str | None]]] = reactive(dict, always_update=True)
    config_error: reactive[str | None] = reactive(None)
    pairing: reactive[dict[str, str]] = reactive(dict, always_update=True)

    def render(self) -> Text:
        wide = self.size.width >= 120
        text = Text.assemble(("tether-tui", "bold"), "  ")
        if self.pending:
            text.append(f"◆ {self.pending} pending", style="bold yellow")
        else:
            text.append("no requests waiting", style="dim")
        text.append("  │ ", style="dim")
        for index, (name, (health, detail)) in enumerate(self.bridges.items()):
            icon, style = HEALTH_STYLE.get(health, ("?", ""))
            if index:
                text.append("  ")
            text.append(f"{label_of(name)} ")
            text.append(f"{icon} {health}" if wide else icon, style=style)
            if wide and name.startswith("@") and health == BridgeHealth.FAILING and detail:
                text.append(f": {detail}", style=style)  # a remote: why, and what to do
            code = self.pairing.get(name)
            if code:
                text.append(f" pair code: {code}" if wide else f" pair {code}", style="bold cyan")
        if self.config_error:
            text.append("  │ ", style="dim")
            text.append("config error" if not wide else f"config error: {self.config_error}", style="bold red")
        return text
