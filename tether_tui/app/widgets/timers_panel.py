"""Active auto-approve rules with a live countdown."""

from __future__ import annotations

from collections.abc import Callable

from tether_tui.app.format import MiddleCut
from tether_tui.app.widgets.fitted_table import FittedTable
from tether_tui.commands import format_duration
from tether_tui.models import Rule


class TimersPanel(FittedTable):
    COLUMNS = (("rule", "Allowed", 1.0), ("left", "Left", 9))
    """Left fits the longest timer: 167:59:59 (a week)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.border_title = "Auto-approve timers"

    def show(self, rules: list[Rule], remaining: Callable[[Rule], float], describe: Callable[[Rule], str]) -> None:
        wanted = {rule.id for rule in rules}
        for rule_id in [key for key in self.row_keys if key not in wanted]:
            self.drop_row(rule_id)
        for rule in rules:
            left = format_duration(remaining(rule))
            if self.has_row(rule.id):
                self.set_cell(rule.id, "left", left)
            else:
                self.put_row(rule.id, (MiddleCut(describe(rule)), left))
        self.border_title = f"Auto-approve timers ({len(rules)})" if rules else "Auto-approve timers"
