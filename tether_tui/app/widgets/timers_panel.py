"""Active auto-approve rules with a live countdown."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.widgets import DataTable

from tether_tui.commands import format_duration
from tether_tui.models import Rule


class TimersPanel(DataTable[object]):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self.border_title = "Auto-approve timers"
        self._rules: dict[str, Rule] = {}

    def on_mount(self) -> None:
        self.add_column("Allowed", key="rule")
        self.add_column("Left", key="left")

    def show(self, rules: list[Rule], remaining: Callable[[Rule], float], describe: Callable[[Rule], str]) -> None:
        wanted = {rule.id: rule for rule in rules}
        for rule_id in [r for r in self._rules if r not in wanted]:
            self.remove_row(rule_id)
        for rule in rules:
            left = format_duration(remaining(rule))
            if rule.id in self._rules:
                self.update_cell(rule.id, "left", left)
            else:
                self.add_row(Text(describe(rule), overflow="ellipsis", no_wrap=True), left, key=rule.id)
        self._rules = wanted
        self.border_title = f"Auto-approve timers ({len(rules)})" if rules else "Auto-approve timers"

    @property
    def selected_id(self) -> str | None:
        if not self.row_count:
            return None
        row_key, _ = self.coordinate_to_cell_key(self.cursor_coordinate)
        return row_key.value
